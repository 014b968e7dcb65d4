"""API shapes for the codebook, highlights and search."""

from rest_framework import serializers

from ..models import Highlight, Tag
from ..selectors.search import ATTRIBUTE_FILTER_PATTERN


class TagSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    parent = serializers.UUIDField(source="parent.public_id", allow_null=True, required=False)
    highlight_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Tag
        fields = ["id", "name", "description", "colour", "parent", "highlight_count", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []
        # A tag needs a name (create and PUT; PATCH leaves it out); its colour defaults to one of the palette.
        extra_kwargs = {"name": {"validators": []}, "colour": {"required": False}}


class TagMergeSerializer(serializers.Serializer):
    into = serializers.UUIDField(help_text="The tag that receives every highlight of this one.")


class SpanSerializer(serializers.Serializer):
    start_position = serializers.IntegerField(min_value=0)
    start_offset = serializers.IntegerField(min_value=0)
    end_position = serializers.IntegerField(min_value=0)
    end_offset = serializers.IntegerField(min_value=0)


class HighlightSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    interview = serializers.UUIDField(source="interview.public_id")
    start_utterance = serializers.UUIDField(source="start_utterance.public_id", read_only=True)
    end_utterance = serializers.UUIDField(source="end_utterance.public_id", read_only=True)
    participant = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()

    class Meta:
        model = Highlight
        fields = [
            "id", "interview", "start_utterance", "end_utterance", "start_position", "start_offset",
            "end_position", "end_offset", "quote", "note", "participant", "tags", "created_at", "updated_at",
        ]
        read_only_fields = fields

    def get_participant(self, highlight) -> str | None:
        return str(highlight.participant.public_id) if highlight.participant_id else None

    def get_tags(self, highlight) -> list[str]:
        return [str(tag.public_id) for tag in highlight.tags.all()]


class HighlightWriteSerializer(SpanSerializer):
    interview = serializers.UUIDField()
    tags = serializers.ListField(child=serializers.UUIDField(), required=False, default=list, max_length=50)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class HighlightUpdateSerializer(serializers.Serializer):
    start_position = serializers.IntegerField(min_value=0, required=False)
    start_offset = serializers.IntegerField(min_value=0, required=False)
    end_position = serializers.IntegerField(min_value=0, required=False)
    end_offset = serializers.IntegerField(min_value=0, required=False)
    tags = serializers.ListField(child=serializers.UUIDField(), required=False, max_length=50)
    note = serializers.CharField(required=False, allow_blank=True)


class HighlightBulkSerializer(serializers.Serializer):
    items = HighlightWriteSerializer(many=True, allow_empty=False)


class HighlightBulkResultSerializer(serializers.Serializer):
    results = HighlightSerializer(many=True)


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=300)
    study = serializers.UUIDField(required=False)
    tag = serializers.UUIDField(required=False)
    attribute = serializers.RegexField(
        ATTRIBUTE_FILTER_PATTERN, required=False,
        error_messages={"invalid": "Write the attribute filter as key=value, e.g. role=procurement."},
    )
    speaker = serializers.ChoiceField(choices=["participant", "team"], required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    kind = serializers.ChoiceField(choices=["all", "utterances", "highlights"], required=False, default="all")
    page = serializers.IntegerField(min_value=1, max_value=50, required=False, default=1)

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise serializers.ValidationError({"date_to": "The end date is before the start date."})
        return data


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.UUIDField()
    interview = serializers.UUIDField()
    interview_title = serializers.CharField()
    position = serializers.IntegerField()
    speaker = serializers.CharField(allow_null=True)
    participant = serializers.UUIDField(allow_null=True)
    text = serializers.CharField()
    snippet = serializers.CharField(help_text="HTML-escaped text with <mark> around matched words.")
    rank = serializers.FloatField()
    tags = serializers.ListField(child=serializers.UUIDField())


class SearchResultsSerializer(serializers.Serializer):
    results = SearchHitSerializer(many=True)
    next = serializers.URLField(allow_null=True)
    hint = serializers.CharField(allow_null=True)
