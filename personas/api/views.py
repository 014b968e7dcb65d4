"""API views for personas, claims, citations and the evidence policy; writes go through the services."""

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from empathy_site.api.base import OrgAPIView, TenantModelViewSet
from empathy_site.api.errors import error_response
from empathy_site.api.schema import ErrorSerializer, results_of
from empathy_site.model_update import UNCHANGED
from empathy_site.sync.representation import represent_one
from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from interviews.models import Highlight

from .. import selectors, services
from ..models import Citation, Claim, Persona
from .serializers import (
    CitationSerializer,
    CitationWriteSerializer,
    ClaimSerializer,
    ClaimUpdateSerializer,
    ClaimWriteSerializer,
    EvidencePolicySerializer,
    PersonaSerializer,
    PersonaVersionSerializer,
    citations_for_reading,
    claim_reading_context,
    persona_reading_context,
)


@extend_schema_view(
    publish=extend_schema(request=None, responses={
        200: PersonaVersionSerializer,
        400: OpenApiResponse(ErrorSerializer, description="Not published: error.details has `claims.<claim id>` "
                             "for each claim that falls short, listing its reasons"),
    }),
)
class PersonaViewSet(TenantModelViewSet):
    model = Persona
    serializer_class = PersonaSerializer
    filterset_fields = ["status"]

    def scope_queryset(self, queryset):
        return queryset.select_related("owner")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["claims_by_persona"] = getattr(self, "_claims_cache", {})
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._claims_cache = persona_reading_context(page)["claims_by_persona"]
        return page

    def retrieve(self, request, *args, **kwargs):
        # As the changes feed and webhooks show it: one representation everywhere.
        return Response(represent_one(self.get_object(), context=self.get_serializer_context()))

    def _fresh(self, persona):
        self._claims_cache = persona_reading_context([persona])["claims_by_persona"]
        return self.get_queryset().get(pk=persona.pk)

    def service_create(self, data):
        return self._fresh(services.persona_create(
            name=data["name"], summary=data.get("summary", ""), segment=data.get("segment"),
            avatar_colour=data.get("avatar_colour"), by=self.actor,
        ))

    def service_update(self, instance, data):
        # A partial update gives only some fields: the others stay as they are.
        return self._fresh(services.persona_update(
            persona=instance, name=data.get("name", UNCHANGED), summary=data.get("summary", UNCHANGED),
            segment=data.get("segment", UNCHANGED), avatar_colour=data.get("avatar_colour", UNCHANGED), by=self.actor,
        ))

    def service_delete(self, instance):
        services.persona_delete(persona=instance, by=self.actor)

    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        persona = self.get_object()
        try:
            version = services.persona_publish(persona=persona, by=self.actor)
        except services.PolicyNotMet as refused:
            details = {f"claims.{shortfall.claim.public_id}": list(shortfall.reasons) for shortfall in refused.report}
            return error_response("policy_not_met", refused.messages[0], details)
        return Response(PersonaVersionSerializer(version).data)

    @extend_schema(responses=results_of(PersonaVersionSerializer, "PersonaVersionList"))
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request, *args, **kwargs):
        versions = selectors.persona_versions(persona=self.get_object())
        return Response({"results": PersonaVersionSerializer(versions, many=True).data, "next": None})


@extend_schema_view(
    create=extend_schema(request=ClaimWriteSerializer, responses={201: ClaimSerializer}),
    update=extend_schema(request=ClaimUpdateSerializer, responses=ClaimSerializer),
    partial_update=extend_schema(request=ClaimUpdateSerializer, responses=ClaimSerializer),
)
class ClaimViewSet(TenantModelViewSet):
    model = Claim
    serializer_class = ClaimSerializer

    def scope_queryset(self, queryset):
        return queryset.select_related("persona").prefetch_related(Prefetch("citations", queryset=citations_for_reading()))

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["claim_strengths"] = getattr(self, "_strengths", {})
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._strengths = claim_reading_context(page)["claim_strengths"]
        return page

    def _represent(self, claim):
        # As the changes feed and webhooks show it: one representation everywhere.
        return represent_one(claim, context=self.get_serializer_context())

    def retrieve(self, request, *args, **kwargs):
        return Response(self._represent(self.get_object()))

    def create(self, request, *args, **kwargs):
        serializer = ClaimWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        claim = services.claim_create(
            persona=resolve_one(Persona, data["persona"], field="persona"), kind=data["kind"], statement=data["statement"],
            order=data.get("order"), by=self.actor,
        )
        return Response(self._represent(claim), status=status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        claim = self.get_object()
        serializer = ClaimUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.claim_update(claim=claim, kind=data.get("kind", UNCHANGED), statement=data.get("statement", UNCHANGED),
                              order=data.get("order", UNCHANGED), by=self.actor)
        return Response(self._represent(claim))

    def service_delete(self, instance):
        services.claim_delete(claim=instance, by=self.actor)


@extend_schema_view(create=extend_schema(request=CitationWriteSerializer, responses={201: CitationSerializer}))
class CitationViewSet(TenantModelViewSet):
    """Citations are created and removed; to change one, remove it and cite again."""

    http_method_names = ["get", "post", "delete", "head", "options"]
    model = Citation
    serializer_class = CitationSerializer

    def scope_queryset(self, queryset):
        return queryset.select_related("claim", "highlight__participant")

    def create(self, request, *args, **kwargs):
        serializer = CitationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        citation = services.citation_create(
            claim=resolve_one(Claim, data["claim"], field="claim"), highlight=resolve_one(Highlight, data["highlight"], field="highlight"),
            stance=data["stance"], note=data["note"], by=self.actor,
        )
        return Response(CitationSerializer(self.get_queryset().get(pk=citation.pk)).data, status=status.HTTP_201_CREATED)

    def service_delete(self, instance):
        services.citation_delete(citation=instance, by=self.actor)


class EvidencePolicyView(OrgAPIView):
    """The organisation's evidence policy. Reading needs any role; changing it needs an admin."""

    write_permission = Perm.MANAGE_ORG

    @extend_schema(responses=EvidencePolicySerializer)
    def get(self, request):
        return Response(EvidencePolicySerializer(selectors.evidence_policy()).data)

    @extend_schema(request=EvidencePolicySerializer, responses=EvidencePolicySerializer)
    def patch(self, request):
        serializer = EvidencePolicySerializer(selectors.evidence_policy(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        policy = services.evidence_policy_update(
            min_citations=data.get("min_citations", UNCHANGED), min_participants=data.get("min_participants", UNCHANGED),
            max_evidence_age_months=data.get("max_evidence_age_months", UNCHANGED),
            segment_attribute=data.get("segment_attribute", UNCHANGED),
            records_visible_to_all=data.get("records_visible_to_all", UNCHANGED),
            instruction_experiment=data.get("instruction_experiment", UNCHANGED),
            exercise_names_visible=data.get("exercise_names_visible", UNCHANGED), by=self.actor,
        )
        return Response(EvidencePolicySerializer(policy).data)


