from django.apps import AppConfig
from django.db.models import Count


class InterviewsConfig(AppConfig):
    name = "interviews"

    def ready(self):
        # What the lower layers need to know about interviews, told to them here (they never import this app).
        from empathy_site.sync.registry import register_sync_type, register_webhook_events

        from .api.coding_serializers import AssignmentSerializer, ReconciliationSerializer
        from .api.evidence_serializers import HighlightSerializer, TagSerializer
        from .api.serializers import InterviewSerializer, ParticipantSerializer, StudySerializer
        from .models import Assignment, Highlight, Interview, Participant, Reconciliation, Study, Tag

        # Their representations are their own rows: the feed may keep them rendered (sync.registry.SyncType.storable).
        register_sync_type("participant", model=Participant, serializer=ParticipantSerializer, storable=True)
        register_sync_type("study", model=Study, serializer=StudySerializer, storable=True)
        register_sync_type("interview", model=Interview, serializer=InterviewSerializer, prepare=lambda qs: (
            qs.select_related("study").prefetch_related("attendances__participant", "media_files")))
        register_sync_type("tag", model=Tag, serializer=TagSerializer, prepare=lambda qs: (
            qs.select_related("parent").annotate(highlight_count=Count("highlight_links"))))
        # A tag shows how many highlights carry it: tagging a highlight changes its tags too. A reconciliation
        # names the highlight it made, and loses it (SET_NULL, which sends no signal) when that is deleted.
        register_sync_type("highlight", model=Highlight, serializer=HighlightSerializer, prepare=lambda qs: (
            qs.select_related("interview", "start_utterance", "end_utterance", "participant").prefetch_related("tags")),
            parents=lambda highlight: [
                *Tag.objects.filter(highlight_links__highlight_id=highlight.pk),
                *(Reconciliation.objects.filter(highlight_id=highlight.pk) if highlight.reconciled else ()),
            ] if highlight.pk else [])
        register_sync_type("assignment", model=Assignment, serializer=AssignmentSerializer,
                           prepare=lambda qs: qs.select_related("interview", "coder"))
        register_sync_type("reconciliation", model=Reconciliation, serializer=ReconciliationSerializer,
                           prepare=lambda qs: qs.select_related("interview", "utterance", "tag", "highlight"))
        # highlight.created comes with the highlight sync type, as every <type>.<action> event does.
        register_webhook_events("interview.ready", "interview.failed", "participant.erased")

        from empathy_site.tenancy.erasure import register_organization_eraser

        from .services import media_files_eraser, media_uploads_eraser, original_files_eraser

        register_organization_eraser(original_files_eraser)
        register_organization_eraser(media_files_eraser)
        register_organization_eraser(media_uploads_eraser)
