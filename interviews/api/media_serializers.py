"""API shapes of recordings, clips and reels. `url` is signed and expires (MEDIA_URL_MAX_AGE_SECONDS)."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Clip, Media, MediaUpload, Reel
from ..selectors import media_of, signed_file_path

URL_HELP = ("Signed link to the file: works without credentials, answers HTTP Range requests, and expires "
            "(10 minutes unless configured); read the object again for a fresh one. null until ready.")


def signed_url(instance, context) -> str | None:
    path = signed_file_path(instance)
    request = context.get("request")
    return request.build_absolute_uri(path) if path and request is not None else path


class MediaSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=URL_HELP)
    error = serializers.CharField(read_only=True, allow_null=True,
                                  help_text="null, or why the recording could not be used, as a sentence.")
    duration_ms = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Media
        fields = ["status", "error", "duration_ms", "content_type", "url"]
        read_only_fields = fields

    def get_url(self, media) -> str | None:
        return signed_url(media, self.context)


class MediaUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="mp3, m4a, wav, ogg, mp4, webm or mov.")


class ClipSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    highlight = serializers.UUIDField(source="highlight.public_id", read_only=True)
    error = serializers.CharField(read_only=True, allow_null=True)
    duration_ms = serializers.IntegerField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField(help_text=URL_HELP)

    class Meta:
        model = Clip
        fields = ["id", "highlight", "status", "error", "duration_ms", "url"]
        read_only_fields = fields

    def get_url(self, clip) -> str | None:
        return signed_url(clip, self.context)


class ClipCreateSerializer(serializers.Serializer):
    highlight = serializers.UUIDField()


class ReelSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    highlights = serializers.SerializerMethodField()
    error = serializers.CharField(read_only=True, allow_null=True)
    duration_ms = serializers.IntegerField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField(help_text=URL_HELP)

    class Meta:
        model = Reel
        fields = ["id", "title", "highlights", "status", "error", "duration_ms", "url"]
        read_only_fields = fields

    def get_highlights(self, reel) -> list[str]:
        return [str(item.highlight.public_id) for item in reel.items.all()]

    def get_url(self, reel) -> str | None:
        return signed_url(reel, self.context)


class ReelCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    highlights = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=50,
                                       help_text="Highlight ids, in the order the reel plays them.")


@extend_schema_field(MediaSerializer(allow_null=True))
class InterviewMediaField(serializers.Field):
    """The interview's recording, or null."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, interview):
        media = media_of(interview)
        return MediaSerializer(media, context=self.context).data if media is not None else None


class ChunkedUploadStartSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=255, help_text="The recording's file name: mp3, m4a, wav, ogg, "
                                     "mp4, webm or mov.")
    size = serializers.IntegerField(min_value=1, max_value=2 ** 62, help_text="The whole file's size in bytes; "
                                    "refused at once when over the upload limit.")


class ChunkedUploadSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    interview = serializers.UUIDField(source="interview.public_id", read_only=True)
    offset = serializers.IntegerField(source="received_bytes", read_only=True,
                                      help_text="Bytes received so far: the next chunk starts here.")

    class Meta:
        model = MediaUpload
        fields = ["id", "interview", "filename", "size", "offset", "status", "created_at", "updated_at"]
        read_only_fields = fields
