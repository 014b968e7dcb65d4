"""API shapes. Serializers validate input shape only; services do the writing."""

from rest_framework import serializers

from empathy_site.tenancy.roles import Perm, grant_allows

from ..models import Interview, Participant, SpeakerMapping, Study, Utterance
from .media_serializers import InterviewMediaField

PERSONAL_FIELDS = ("name", "email")


def may_see_personal_data(context) -> bool:
    """Whether the caller may read participants' names, emails and raw speaker labels: an admin or researcher,
    or an API key with the personal_data scope. Fails closed: no request in the context, no personal data.
    A reader with no request (a webhook endpoint, change capture) says so in the context (sync's reader_context)."""
    if "personal_data" in context:
        return bool(context["personal_data"])
    request = context.get("request")
    return grant_allows(getattr(request, "org_grant", None), Perm.PERSONAL_DATA)


class ParticipantSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    attributes = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    external_ids = serializers.DictField(
        child=serializers.CharField(allow_null=True), required=False,
        help_text="CRM ids by system, e.g. {\"hubspot\": \"123\"}. A write merges per system: systems it leaves out "
                  "keep their id, and null unlinks a system.",
    )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not may_see_personal_data(self.context):
            for field in PERSONAL_FIELDS:
                data.pop(field, None)
        return data

    class Meta:
        model = Participant
        fields = [
            "id", "pseudonym", "name", "email", "attributes", "external_ids", "consent_given_at",
            "consent_scope", "consent_expires_at", "consent_withdrawn_at", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness per org is checked by the service, which sees the tenant.
        validators = []
        extra_kwargs = {
            "pseudonym": {"validators": []},
            "name": {"help_text": "Answered only to admins, researchers and keys with the personal_data scope."},
            "email": {"help_text": "Answered only to admins, researchers and keys with the personal_data scope."},
        }


class StudySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    research_questions = serializers.ListField(child=serializers.CharField(), required=False)

    class Meta:
        model = Study
        fields = ["id", "name", "goal", "research_questions", "starts_on", "ends_on", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []
        extra_kwargs = {"name": {"validators": []}}


class InterviewSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    study = serializers.SlugRelatedField(slug_field="public_id", read_only=True, allow_null=True)
    participants = serializers.SerializerMethodField()
    format = serializers.CharField(source="detected_format", read_only=True)
    warnings = serializers.ListField(
        source="parse_warnings", child=serializers.CharField(), read_only=True,
        help_text="Repairs made while reading the file (e.g. a line that ended before it started), as sentences.",
    )
    media = InterviewMediaField(help_text="The interview's recording, or null when it has none.")

    class Meta:
        model = Interview
        fields = [
            "id", "title", "study", "participants", "conducted_at", "language", "duration_ms",
            "original_filename", "file_size", "content_hash", "format", "format_variant",
            "status", "error", "warnings", "progress", "utterance_count", "created_at", "updated_at", "processed_at",
            "media",
        ]
        read_only_fields = fields

    def get_participants(self, interview) -> list[str]:
        return [str(a.participant.public_id) for a in interview.attendances.all() if a.participant_id]


class InterviewUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    title = serializers.CharField(required=False, allow_blank=True, max_length=300)
    study = serializers.UUIDField(required=False, allow_null=True)
    participant = serializers.UUIDField(required=False, allow_null=True)
    conducted_at = serializers.DateTimeField(required=False, allow_null=True)
    language = serializers.CharField(required=False, max_length=16, default="en")
    recording = serializers.FileField(required=False, allow_empty_file=True, help_text=(
        "Optional: the interview's audio or video (mp3, m4a, wav, ogg, mp4, webm or mov), attached in the same "
        "request; the interview's `media` then goes queued, processing, ready."))


class InterviewUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=300)
    study = serializers.UUIDField(required=False, allow_null=True)
    conducted_at = serializers.DateTimeField(required=False, allow_null=True)
    language = serializers.CharField(required=False, max_length=16)


def speaker_label(speaker, context) -> str:
    """The raw label for callers who may see personal data, else the display_label selectors.label_speakers
    set (pseudonym, team member, "Speaker N"); never the raw label when a view forgot to set one."""
    if may_see_personal_data(context):
        return speaker.label
    return getattr(speaker, "display_label", None) or "Speaker"


class UtteranceSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    speaker = serializers.SerializerMethodField(
        help_text="The label in the transcript file for callers who may see personal data; otherwise the "
        "participant's pseudonym, the team member's name or \"Speaker N\". Null when the file names no speaker "
        "for this passage (a paragraph of a PDF, HTML, Markdown or OpenDocument document, an unlabelled line) "
        "and nobody has been mapped to it.")
    speaker_kind = serializers.CharField(source="speaker.kind", read_only=True)
    participant = serializers.SerializerMethodField()

    class Meta:
        model = Utterance
        fields = ["id", "position", "speaker", "speaker_kind", "participant", "start_ms", "end_ms", "text"]
        read_only_fields = fields

    def get_speaker(self, utterance) -> str | None:
        if utterance.speaker.is_unattributed:
            return None
        return speaker_label(utterance.speaker, self.context)

    def get_participant(self, utterance) -> str | None:
        participant = utterance.speaker.participant
        return str(participant.public_id) if participant is not None else None


class SpeakerSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    participant = serializers.SlugRelatedField(slug_field="public_id", read_only=True, allow_null=True)
    team_member = serializers.SlugRelatedField(slug_field="public_id", read_only=True, allow_null=True)
    label = serializers.SerializerMethodField(help_text=UtteranceSerializer._declared_fields["speaker"].help_text)
    kind = serializers.CharField(read_only=True)
    utterance_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = SpeakerMapping
        fields = ["id", "label", "kind", "participant", "team_member", "utterance_count"]
        read_only_fields = fields

    def get_label(self, speaker) -> str:
        return speaker_label(speaker, self.context)


class SpeakerMapSerializer(serializers.Serializer):
    participant = serializers.UUIDField(required=False, allow_null=True)
    team_member = serializers.UUIDField(required=False, allow_null=True)


class ParticipantUpsertResultSerializer(ParticipantSerializer):
    """One row of an upsert's answer: the participant as the API shows it, and whether the row created it."""

    created = serializers.BooleanField(read_only=True, help_text="True if this row created the participant.")

    class Meta(ParticipantSerializer.Meta):
        fields = [*ParticipantSerializer.Meta.fields, "created"]


class ParticipantUpsertSerializer(serializers.Serializer):
    system = serializers.CharField(max_length=40, help_text="The CRM, e.g. hubspot.")
    participants = serializers.ListField(
        child=serializers.DictField(), min_length=1, max_length=500,
        help_text="Each row: external_id (required) plus any participant field.",
    )
