"""API views for independent coding: assignments, agreement figures, disagreements and reconciliations."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.response import Response

from empathy_site.api.base import OrgAPIView, TenantModelViewSet
from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.models import User
from empathy_site.tenancy.roles import Perm

from .. import services
from ..models import Assignment, Highlight, Interview, Reconciliation, Study, Tag, Utterance
from ..selectors import coding
from .coding_serializers import (
    AgreementQuerySerializer,
    AgreementSerializer,
    AssignmentCreateSerializer,
    AssignmentSerializer,
    AssignmentUpdateSerializer,
    DisagreementListSerializer,
    DisagreementQuerySerializer,
    ReconciliationCreateSerializer,
    ReconciliationSerializer,
)
from .evidence_views import _uuid_param


@extend_schema_view(
    create=extend_schema(request=AssignmentCreateSerializer, responses={201: AssignmentSerializer}),
    update=extend_schema(request=AssignmentUpdateSerializer, responses=AssignmentSerializer),
    partial_update=extend_schema(request=AssignmentUpdateSerializer, responses=AssignmentSerializer),
)
class AssignmentViewSet(TenantModelViewSet):
    """Coders assigned to interviews. Researchers and admins assign; a coder marks their own assignment done
    (PATCH {"done": true}); an admin or an API key with the write scope may do it for them."""

    model = Assignment
    serializer_class = AssignmentSerializer
    filterset_fields = []
    query_parameters = {"list": ("interview",)}  # read in scope_queryset
    # Reopening (done: false) is refused once the team has reconciled the interview's coding.
    state_conflict_actions = ("update", "partial_update")

    def scope_queryset(self, queryset):
        queryset = queryset.select_related("interview", "coder").order_by("created_at", "pk")
        interview = self.request.query_params.get("interview") if self.request else None
        if interview:
            queryset = queryset.filter(interview__public_id=_uuid_param(interview, "interview"))
        return queryset

    def create(self, request, *args, **kwargs):
        serializer = AssignmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assignment = services.assignment_create(
            interview=resolve_one(Interview, data["interview"], field="interview"),
            coder=resolve_one(User, data["coder"], field="coder"),
            by=self.actor,
        )
        return Response(AssignmentSerializer(self.get_queryset().get(pk=assignment.pk)).data, status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        assignment = self.get_object()
        serializer = AssignmentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.assignment_set_done(
            assignment=assignment, done=serializer.validated_data["done"], by=self.actor,
            for_others=self.actor is None or self.can(Perm.MANAGE_ORG),
        )
        return Response(AssignmentSerializer(self.get_queryset().get(pk=assignment.pk)).data)

    def service_delete(self, instance):
        services.assignment_delete(assignment=instance, by=self.actor)


def _scope(view, data) -> list[Interview]:
    if "interview" in data:
        return coding.scope_interviews(interview=resolve_one(Interview, data["interview"], field="interview"))
    if "study" in data:
        return coding.scope_interviews(study=resolve_one(Study, data["study"], field="study"))
    return coding.scope_interviews()


class AgreementView(OrgAPIView):
    """Inter-coder agreement on one interview or a study's interviews, per tag and pooled over all tags.

    A unit is an (utterance, tag) pair; a coder applies tag T to utterance u when any of their highlights with
    T overlaps u. kappa (Cohen) is null unless there are exactly two coders; alpha is Krippendorff's nominal
    alpha; any undefined figure is null."""

    query_parameters = {"get": ("interview", "study")}

    @extend_schema(parameters=[AgreementQuerySerializer], responses=AgreementSerializer)
    def get(self, request):
        query = AgreementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = coding.agreement_report(coding.coding_data(_scope(self, query.validated_data)))
        report["coders"] = [user.public_id for user in report["coders"]]
        return Response(AgreementSerializer(report).data)


class DisagreementView(OrgAPIView):
    """The units where coders differ, each coder's coding side by side, with the team's decision if made.

    People see an interview's disagreements once every coder of it is done (blind mode); API keys always."""

    query_parameters = {"get": ("interview", "study", "tag")}

    @extend_schema(parameters=[DisagreementQuerySerializer], responses=DisagreementListSerializer)
    def get(self, request):
        query = DisagreementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        interviews = _scope(self, data)
        if self.actor is not None:
            interviews = [interview for interview in interviews if coding.all_coders_done(interview=interview)]
        tag = resolve_one(Tag, data.get("tag"), field="tag")
        public = {interview.pk: interview.public_id for interview in interviews}
        rows = coding.disagreements(coding.coding_data(interviews), tag=tag)
        results = [
            {
                "interview": public[row.utterance.interview_id], "utterance": row.utterance.public_id,
                "position": row.utterance.position, "text": row.utterance.text, "tag": row.tag.public_id,
                "coders": [
                    {"coder": user.public_id, "applied": applied, "highlights": [h.public_id for h in highlights]}
                    for user, applied, highlights in row.coders
                ],
                "reconciliation": row.reconciliation,
            }
            for row in rows
        ]
        return Response(DisagreementListSerializer({"results": results}).data)


@extend_schema_view(create=extend_schema(request=ReconciliationCreateSerializer, responses={201: ReconciliationSerializer}))
class ReconciliationViewSet(TenantModelViewSet):
    """The team's decisions on disagreements: accept one coder's highlight, merge them, or discard. Accept and
    merge make a reconciled highlight (visible to everyone, the evidence personas cite)."""

    model = Reconciliation
    serializer_class = ReconciliationSerializer
    http_method_names = ["get", "post", "head", "options"]  # a decision stands; no edit or delete
    filterset_fields = []
    query_parameters = {"list": ("interview",)}  # read in scope_queryset

    def scope_queryset(self, queryset):
        queryset = queryset.select_related("interview", "utterance", "tag", "highlight").order_by("created_at", "pk")
        interview = self.request.query_params.get("interview") if self.request else None
        if interview:
            queryset = queryset.filter(interview__public_id=_uuid_param(interview, "interview"))
        return queryset

    def create(self, request, *args, **kwargs):
        serializer = ReconciliationCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        utterance = resolve_one(Utterance, data["utterance"], field="utterance")
        reconciliation = services.reconcile(
            utterance=utterance,
            tag=resolve_one(Tag, data["tag"], field="tag"),
            decision=data["decision"],
            highlight=resolve_one(Highlight.objects.filter(interview_id=utterance.interview_id), data.get("highlight"),
                                  field="highlight"),
            by=self.actor,
        )
        return Response(ReconciliationSerializer(self.get_queryset().get(pk=reconciliation.pk)).data,
                        status=status.HTTP_201_CREATED)
