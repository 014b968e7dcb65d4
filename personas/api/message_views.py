"""API views for messages: every write of the words or targets carries an assumption check."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from empathy_site.api.base import TenantModelViewSet
from empathy_site.api.errors import error_response
from empathy_site.api.schema import results_of
from empathy_site.model_update import UNCHANGED
from empathy_site.sync.representation import represent_one
from empathy_site.tenancy.lookups import resolve_many, resolve_one
from empathy_site.tenancy.models import User
from empathy_site.tenancy.roles import Perm, role_allows
from interviews.models import Highlight

from .. import services
from ..models import Claim, Message, MessageReview, Persona
from .message_serializers import (
    ApproveSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    MessageUpdateSerializer,
    ReviewRequestCreateSerializer,
    ReviewRequestSerializer,
    RevisionSerializer,
    message_reading_context,
    revisions_for_reading,
)
from .outcome_serializers import OutcomeCreateSerializer, OutcomeSerializer, outcomes_for_reading


def _check_answers(data) -> services.CheckAnswers:
    return services.CheckAnswers(
        basis=data["basis"], own_taste=data["own_taste"], predicted_reaction=data["predicted_reaction"],
        predicted_customer_words=data["predicted_customer_words"], rationale=data["rationale"],
        stakeholder=data["stakeholder"], instruction_shown=data["instruction_shown"],
        claims=resolve_many(Claim, data["claims"], field="claims"), highlights=resolve_many(Highlight, data["highlights"], field="highlights"),
    )


@extend_schema_view(
    create=extend_schema(request=MessageCreateSerializer, responses={201: MessageSerializer}),
    update=extend_schema(request=MessageUpdateSerializer, responses=MessageSerializer),
    partial_update=extend_schema(request=MessageUpdateSerializer, responses=MessageSerializer),
)
class MessageViewSet(TenantModelViewSet):
    """Messages. Any write of the body or the targets must carry an assumption_check (400 otherwise).

    Messages are archived (status), not deleted: their checks are the team's record.
    """

    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    model = Message
    serializer_class = MessageSerializer
    write_permission = Perm.MESSAGES
    filterset_fields = ["status", "channel", "grounding"]

    def scope_queryset(self, queryset):
        return queryset.select_related("author", "approved_by")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["current_revisions"] = getattr(self, "_current", {})
        return context

    def _load_current(self, messages):
        self._current = message_reading_context(messages)["current_revisions"]

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._load_current(page)
        return page

    def _respond(self, message, code=status.HTTP_200_OK):
        # As the changes feed and webhooks show it: one representation everywhere.
        return Response(represent_one(message, context=self.get_serializer_context()), status=code)

    def retrieve(self, request, *args, **kwargs):
        return self._respond(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = MessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        message = services.message_create(
            title=data["title"], channel=data["channel"], body=data["body"],
            target_personas=resolve_many(Persona, data["target_personas"], field="target_personas"),
            check=_check_answers(data["assumption_check"]), by=self.actor,
        )
        return self._respond(message, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        message = self.get_object()
        serializer = MessageUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "assumption_check" in data:
            current = revisions_for_reading().filter(message=message, number=message.revision_count).first()
            body = data.get("body", current.body if current else "")
            targets = (resolve_many(Persona, data["target_personas"], field="target_personas") if "target_personas" in data
                       else list(current.target_personas.all()) if current else [])
            services.message_revise(message=message, body=body, target_personas=targets,
                                    check=_check_answers(data["assumption_check"]), by=self.actor)
            message = Message.objects.get(pk=message.pk)  # the revision moved its counters on
        if {"title", "channel", "status"} & data.keys():
            services.message_update(message=message, title=data.get("title", UNCHANGED),
                                    channel=data.get("channel", UNCHANGED), status=data.get("status", UNCHANGED),
                                    by=self.actor)
        return self._respond(message)

    @extend_schema(responses=results_of(RevisionSerializer, "RevisionList"))
    @action(detail=True, methods=["get"], pagination_class=None)
    def revisions(self, request, *args, **kwargs):
        revisions = revisions_for_reading().filter(message=self.get_object()).order_by("-number")
        return Response({"results": RevisionSerializer(revisions, many=True).data, "next": None})

    @extend_schema(request=ApproveSerializer, responses=MessageSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        message = self.get_object()
        serializer = ApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        grant = request.org_grant
        is_admin = grant[0] == "role" and role_allows(grant[1], Perm.MANAGE_ORG)
        try:
            services.message_approve(message=message, by=self.actor,
                                     override_reason=serializer.validated_data["override_reason"], is_admin=is_admin)
        except services.SelfApprovalRefused as error:
            return error_response("self_approval", " ".join(error.messages))
        return self._respond(message)

    @extend_schema(request=ReviewRequestCreateSerializer, responses={201: ReviewRequestSerializer})
    @action(detail=True, methods=["post"], url_path="review-requests")
    def review_requests(self, request, *args, **kwargs):
        """Ask a member to review the message: they are notified, and the message moves to in_review.

        Under four-eyes review the reviewer cannot be the message's author (400), and approving stays refused to
        the author (403 self_approval on approve)."""
        message = self.get_object()
        serializer = ReviewRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        review = services.message_request_review(
            message=message, reviewer=resolve_one(User, data["reviewer"], field="reviewer"), note=data["note"],
            by=self.actor,
        )
        review = MessageReview.objects.select_related("message", "reviewer", "actor").get(pk=review.pk)
        return Response(ReviewRequestSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=results_of(OutcomeSerializer, "OutcomeList"))
    @extend_schema(methods=["POST"], request=OutcomeCreateSerializer, responses={201: OutcomeSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def outcomes(self, request, *args, **kwargs):
        """What customers did with the message: observed reaction 1-5 against the check's prediction."""
        message = self.get_object()
        if request.method == "POST":
            serializer = OutcomeCreateSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            data = serializer.validated_data
            metric = services.Metric(**data["metric"]) if data["metric"] else None
            outcome = services.outcome_record(message=message, observed_reaction=data["observed_reaction"],
                                              revision_number=data["revision"], metric=metric, by=self.actor)
            return Response(OutcomeSerializer(outcomes_for_reading().get(pk=outcome.pk)).data, status=status.HTTP_201_CREATED)
        outcomes = outcomes_for_reading().filter(message=message).order_by("-created_at", "-id")
        return Response({"results": OutcomeSerializer(outcomes, many=True).data, "next": None})

    @extend_schema(responses=OutcomeSerializer, operation_id="messages_outcome_retrieve",
                   parameters=[OpenApiParameter("outcome_id", str, OpenApiParameter.PATH)])
    @action(detail=True, methods=["get"], url_path=r"outcomes/(?P<outcome_id>[0-9a-f-]{36})")
    def outcome(self, request, *args, outcome_id=None, **kwargs):
        message = self.get_object()
        return Response(OutcomeSerializer(resolve_one(outcomes_for_reading().filter(message=message), outcome_id)).data)
