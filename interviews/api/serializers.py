"""API shapes. Serializers validate input shape only; services do the writing."""

from rest_framework import serializers

from ..models import Interview, Participant, SpeakerMapping, Study, Utterance


class ParticipantSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    attributes = serializers.DictField(child=serializers.CharField(allow_blank=True), required=False)
    external_ids = serializers.DictField(child=serializers.CharField(), required=False)

    class Meta:
        model = Participant
        fields = [
            "id", "pseudonym", "name", "email", "attributes", "external_ids", "consent_given_at",
            "consent_scope", "consent_expires_at", "consent_withdrawn_at", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness per org is checked by the service, which sees the tenant.
        validators = []
        extra_kwargs = {"pseudonym": {"validators": []}}


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

    class Meta:
        model = Interview
        fields = [
            "id", "title", "study", "participants", "conducted_at", "language", "duration_ms",
            "original_filename", "file_size", "content_hash", "format", "format_variant",
            "status", "error", "progress", "utterance_count", "created_at", "updated_at", "processed_at",
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


class InterviewUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(required=False, max_length=300)
    study = serializers.UUIDField(required=False, allow_null=True)
    conducted_at = serializers.DateTimeField(required=False, allow_null=True)
    language = serializers.CharField(required=False, max_length=16)


class UtteranceSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    speaker = serializers.CharField(source="speaker.label", read_only=True)
    speaker_kind = serializers.CharField(source="speaker.kind", read_only=True)
    participant = serializers.SerializerMethodField()

    class Meta:
        model = Utterance
        fields = ["id", "position", "speaker", "speaker_kind", "participant", "start_ms", "end_ms", "text"]
        read_only_fields = fields

    def get_participant(self, utterance) -> str | None:
        participant = utterance.speaker.participant
        return str(participant.public_id) if participant is not None else None


class SpeakerSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    participant = serializers.SlugRelatedField(slug_field="public_id", read_only=True, allow_null=True)
    team_member = serializers.SlugRelatedField(slug_field="public_id", read_only=True, allow_null=True)
    kind = serializers.CharField(read_only=True)
    utterance_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = SpeakerMapping
        fields = ["id", "label", "kind", "participant", "team_member", "utterance_count"]
        read_only_fields = fields


class SpeakerMapSerializer(serializers.Serializer):
    participant = serializers.UUIDField(required=False, allow_null=True)
    team_member = serializers.UUIDField(required=False, allow_null=True)
