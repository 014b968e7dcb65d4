"""API serializers for messages, their revisions and assumption checks, and the payloads that write them."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import AssumptionCheck, Message, MessageReview, MessageRevision


class AssumptionCheckSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    claims = serializers.SerializerMethodField()
    highlights = serializers.SerializerMethodField()
    answered_by = serializers.UUIDField(source="answered_by.public_id", read_only=True, allow_null=True)
    message = serializers.UUIDField(source="revision.message.public_id", read_only=True,
                                    help_text="The message whose revision this check was answered for.")
    revision = serializers.UUIDField(source="revision.public_id", read_only=True)
    stakeholder = serializers.ChoiceField(choices=AssumptionCheck.Stakeholder.choices, allow_blank=True, read_only=True,
                                          help_text="Whose constraint it is when basis is stakeholder; empty otherwise.")

    class Meta:
        model = AssumptionCheck
        fields = [
            "id", "message", "revision", "basis", "stakeholder", "instruction_shown", "claims", "highlights", "own_taste", "predicted_reaction", "predicted_customer_words",
            "rationale", "grounding", "evidence_voices", "projection_risk", "answered_by", "created_at", "recomputed_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_claims(self, check):
        return [str(c.public_id) for c in check.claims.all()]

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_highlights(self, check):
        return [str(h.public_id) for h in check.highlights.all()]


def revisions_for_reading():
    """Revisions with what RevisionSerializer shows, in a fixed number of queries."""
    checks = AssumptionCheck.objects.prefetch_related("claims", "highlights").select_related(
        "answered_by", "revision__message")
    return MessageRevision.objects.select_related("author").prefetch_related(
        "target_personas", Prefetch("checks", queryset=checks)
    )


def message_reading_context(messages) -> dict:
    """The serializer context MessageSerializer reads: each message's current revision."""
    counts = {m.pk: m.revision_count for m in messages}
    revisions = revisions_for_reading().filter(message__in=list(counts))
    return {"current_revisions": {r.message_id: r for r in revisions if r.number == counts[r.message_id]}}


class RevisionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    target_personas = serializers.SerializerMethodField()
    author = serializers.UUIDField(source="author.public_id", read_only=True, allow_null=True)
    assumption_check = AssumptionCheckSerializer(read_only=True)

    class Meta:
        model = MessageRevision
        fields = ["id", "number", "body", "target_personas", "author", "assumption_check", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_target_personas(self, revision):
        return [str(p.public_id) for p in revision.target_personas.all()]


class MessageSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    author = serializers.UUIDField(source="author.public_id", read_only=True, allow_null=True)
    approved_by = serializers.UUIDField(source="approved_by.public_id", read_only=True, allow_null=True)
    current_revision = serializers.SerializerMethodField()
    needs_attention = serializers.BooleanField(read_only=True)

    class Meta:
        model = Message
        fields = [
            "id", "title", "channel", "status", "grounding", "needs_attention", "attention_reason", "author",
            "revision_count", "current_revision", "approved_by", "approved_at", "override_reason", "created_at", "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(RevisionSerializer(allow_null=True))
    def get_current_revision(self, message):
        revisions = self.context.get("current_revisions", {})
        revision = revisions.get(message.pk)
        return RevisionSerializer(revision).data if revision is not None else None


class CheckInputSerializer(serializers.Serializer):
    basis = serializers.ChoiceField(choices=AssumptionCheck.Basis.choices)
    stakeholder = serializers.ChoiceField(
        choices=AssumptionCheck.Stakeholder.choices, required=False, allow_blank=True, default="",
        help_text="Whose constraint it is; required when basis is stakeholder, empty otherwise.")
    instruction_shown = serializers.BooleanField(
        required=False, default=False,
        help_text="Whether your form showed the perspective instruction (set aside your own preferences).")
    claims = serializers.ListField(child=serializers.UUIDField(), required=False, default=list, max_length=100)
    highlights = serializers.ListField(child=serializers.UUIDField(), required=False, default=list, max_length=100)
    own_taste = serializers.IntegerField(min_value=1, max_value=5, help_text="Would you, personally, find this compelling? 1-5")
    predicted_reaction = serializers.IntegerField(min_value=1, max_value=5, help_text="The target persona's predicted reaction, 1-5")
    predicted_customer_words = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    rationale = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class MessageCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    channel = serializers.ChoiceField(choices=Message.Channel.choices)
    body = serializers.CharField(max_length=20000)
    target_personas = serializers.ListField(child=serializers.UUIDField(), required=False, default=list, max_length=50)
    assumption_check = CheckInputSerializer(
        error_messages={"required": "Every message write needs an assumption check: what does it rest on?"}
    )


class MessageUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    channel = serializers.ChoiceField(choices=Message.Channel.choices, required=False)
    status = serializers.ChoiceField(choices=Message.Status.choices, required=False)
    body = serializers.CharField(max_length=20000, required=False)
    target_personas = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=50)
    assumption_check = CheckInputSerializer(required=False)

    def validate(self, data):
        if ("body" in data or "target_personas" in data) and "assumption_check" not in data:
            raise serializers.ValidationError(
                {"assumption_check": "Changing the words or the targets needs an assumption check: what does it rest on?"}
            )
        return data


class ApproveSerializer(serializers.Serializer):
    override_reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class ReviewRequestCreateSerializer(serializers.Serializer):
    reviewer = serializers.UUIDField(help_text="The member (user id) asked to review; not the author under four-eyes.")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000,
                                 help_text="What the reviewer should look at.")


class ReviewRequestSerializer(serializers.ModelSerializer):
    """A review request: one step of the message's review history."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    message = serializers.UUIDField(source="message.public_id", read_only=True)
    reviewer = serializers.UUIDField(source="reviewer.public_id", read_only=True, allow_null=True)
    requested_by = serializers.UUIDField(source="actor.public_id", read_only=True, allow_null=True,
                                         help_text="Who asked; null for an API key.")
    note = serializers.CharField(source="body", read_only=True)
    revision = serializers.IntegerField(source="revision_number", read_only=True,
                                        help_text="The revision number the review was asked for.")

    class Meta:
        model = MessageReview
        fields = ["id", "message", "reviewer", "requested_by", "note", "revision", "created_at"]
        read_only_fields = fields
