"""API shapes of imports."""

from rest_framework import serializers

from interviews.api.media_serializers import URL_HELP, signed_url

from ..models import ExportJob, ImportJob


class ImportUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A REFI-QDA project (.qdpx) or codebook (.qdc), or a codebook as .csv or .xlsx "
                                           "(columns name, description, parent, colour).")
    split_names = serializers.BooleanField(
        required=False, default=False,
        help_text="Rebuild a hierarchy written as dotted names (Taguette's “Parent.Child”).",
    )


class ImportSkippedSerializer(serializers.Serializer):
    name = serializers.CharField()
    kind = serializers.CharField(help_text="What was skipped: PDF, picture, audio, video, text or note.")
    reason = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    format = serializers.CharField(required=False)
    tags_created = serializers.IntegerField(required=False)
    tags_matched = serializers.IntegerField(required=False, help_text="Codes merged into existing tags (by GUID, then name).")
    participants_created = serializers.IntegerField(required=False)
    participants_matched = serializers.IntegerField(required=False)
    studies_created = serializers.IntegerField(required=False)
    studies_matched = serializers.IntegerField(required=False)
    interviews_created = serializers.IntegerField(required=False)
    interviews_matched = serializers.IntegerField(required=False, help_text="Sources imported before (same GUID and text).")
    utterances_created = serializers.IntegerField(required=False)
    highlights_created = serializers.IntegerField(required=False)
    notes_imported = serializers.IntegerField(required=False)
    memos_imported = serializers.IntegerField(required=False, help_text="Notes on sources, codes and sets, as memos.")
    selections_skipped = serializers.IntegerField(required=False, help_text="Selections that cover no text.")
    skipped = ImportSkippedSerializer(many=True, required=False)


class ImportJobSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    error = serializers.CharField(allow_null=True, read_only=True, help_text="null, or a sentence a person understands.")
    report = ImportReportSerializer(read_only=True, help_text="Empty until the import is done.")

    class Meta:
        model = ImportJob
        fields = ["id", "filename", "format", "status", "progress", "error", "report", "created_at", "finished_at"]
        read_only_fields = fields


class ExportJobSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    study = serializers.SlugRelatedField(slug_field="public_id", read_only=True, allow_null=True,
                                         help_text="Only this study's interviews; null: the whole organisation.")
    error = serializers.CharField(allow_null=True, read_only=True, help_text="null, or a sentence a person understands.")
    filename = serializers.CharField(read_only=True, help_text="The file's name once built; empty before.")
    url = serializers.SerializerMethodField(help_text=URL_HELP.replace("null until ready", "null until done"))

    class Meta:
        model = ExportJob
        fields = ["id", "kind", "study", "status", "progress", "error", "filename", "file_size", "url", "created_at",
                  "finished_at"]
        read_only_fields = fields

    def get_url(self, job) -> str | None:
        return signed_url(job, self.context)
