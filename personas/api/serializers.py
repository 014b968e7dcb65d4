"""API serializers for personas, claims (with their evidence strength), citations, versions and the evidence policy."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import selectors
from ..models import Citation, Claim, EvidencePolicy, Persona, PersonaVersion


def citations_for_reading():
    """Citations with what CitationSerializer shows, in a fixed number of queries."""
    return Citation.objects.select_related("claim", "highlight__participant")


def claims_with_strength_for_reading(*, persona_ids, claim_ids=None) -> list[Claim]:
    """Claims of these personas (or only these claims) with their strength and citations, in three queries."""
    policy = selectors.evidence_policy()
    claims = selectors.claims_with_strength(persona_ids=persona_ids, policy=policy).select_related("persona")
    if claim_ids is not None:
        claims = claims.filter(pk__in=claim_ids)
    claims = list(claims.prefetch_related(Prefetch("citations", queryset=citations_for_reading())))
    for claim in claims:
        claim.strength = selectors.strength_level(claim, policy)
        claim.shortfalls = selectors.claim_shortfalls(claim, policy)
    return claims


def persona_reading_context(personas) -> dict:
    """The serializer context PersonaSerializer reads: each persona's claims with their strength."""
    grouped: dict = {}
    for claim in claims_with_strength_for_reading(persona_ids=[p.pk for p in personas]):
        grouped.setdefault(claim.persona_id, []).append(claim)
    return {"claims_by_persona": grouped}


def claim_reading_context(claims) -> dict:
    """The serializer context ClaimSerializer reads: each claim's strength."""
    annotated = claims_with_strength_for_reading(persona_ids={c.persona_id for c in claims}, claim_ids=[c.pk for c in claims])
    return {"claim_strengths": {claim.pk: claim for claim in annotated}}


class CitationSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    claim = serializers.UUIDField(source="claim.public_id")
    highlight = serializers.UUIDField(source="highlight.public_id")
    quote = serializers.CharField(source="highlight.quote", read_only=True)
    participant = serializers.SerializerMethodField()

    class Meta:
        model = Citation
        fields = ["id", "claim", "highlight", "stance", "note", "quote", "participant", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def get_participant(self, citation) -> str | None:
        participant = citation.highlight.participant
        return str(participant.public_id) if participant else None


class StrengthSerializer(serializers.Serializer):
    level = serializers.CharField(source="strength")
    supporting_citations = serializers.IntegerField(source="support_count")
    contradicting_citations = serializers.IntegerField(source="contradict_count")
    stale_citations = serializers.IntegerField(source="stale_count")
    participants = serializers.IntegerField(source="participant_count")
    interviews = serializers.IntegerField(source="interview_count")
    segments = serializers.IntegerField(source="segment_count")
    newest_evidence = serializers.DateTimeField(allow_null=True)
    oldest_evidence = serializers.DateTimeField(allow_null=True)
    shortfalls = serializers.ListField(child=serializers.CharField())


class ClaimSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    persona = serializers.UUIDField(source="persona.public_id")
    citations = serializers.SerializerMethodField()
    strength = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = ["id", "persona", "kind", "statement", "order", "strength", "citations", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    @extend_schema_field(CitationSerializer(many=True))
    def get_citations(self, claim):
        return CitationSerializer(claim.citations.all(), many=True).data

    @extend_schema_field(StrengthSerializer(allow_null=True))
    def get_strength(self, claim):
        if not hasattr(claim, "strength"):
            claim = self.context.get("claim_strengths", {}).get(claim.pk)
        if claim is None or not hasattr(claim, "support_count"):
            return None
        return StrengthSerializer(claim).data


class ClaimWriteSerializer(serializers.Serializer):
    persona = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=Claim.Kind.choices)
    statement = serializers.CharField(max_length=2000)
    order = serializers.IntegerField(min_value=0, max_value=Claim.MAX_ORDER, required=False)


class ClaimUpdateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Claim.Kind.choices, required=False)
    statement = serializers.CharField(max_length=2000, required=False)
    order = serializers.IntegerField(min_value=0, max_value=Claim.MAX_ORDER, required=False)


class CitationWriteSerializer(serializers.Serializer):
    claim = serializers.UUIDField()
    highlight = serializers.UUIDField()
    stance = serializers.ChoiceField(choices=Citation.Stance.choices, default=Citation.Stance.SUPPORTS)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PersonaSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    segment = serializers.DictField(child=serializers.CharField(), required=False)
    owner = serializers.UUIDField(source="owner.public_id", read_only=True, allow_null=True)
    claims = serializers.SerializerMethodField()

    class Meta:
        model = Persona
        fields = [
            "id", "name", "summary", "segment", "status", "review_reason", "owner", "avatar_colour",
            "current_version", "published_at", "claims", "created_at", "updated_at",
        ]
        read_only_fields = ["status", "review_reason", "current_version", "published_at", "created_at", "updated_at"]
        validators = []
        extra_kwargs = {"name": {"validators": []}}

    @extend_schema_field(ClaimSerializer(many=True))
    def get_claims(self, persona):
        claims = self.context.get("claims_by_persona", {}).get(persona.pk)
        if claims is None:
            claims = persona.claims.all()
        return ClaimSerializer(claims, many=True).data


class PersonaVersionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    published_by = serializers.UUIDField(source="published_by.public_id", read_only=True, allow_null=True)

    class Meta:
        model = PersonaVersion
        fields = ["id", "number", "published_at", "published_by", "snapshot"]
        read_only_fields = fields


class EvidencePolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = EvidencePolicy
        fields = ["min_citations", "min_participants", "max_evidence_age_months", "segment_attribute",
                  "records_visible_to_all", "instruction_experiment", "exercise_names_visible", "updated_at"]
        read_only_fields = ["updated_at"]
        extra_kwargs = {"updated_at": {"allow_null": True}}
