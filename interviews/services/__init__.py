"""Writes for the interviews app, split by sub-domain; import from here."""

from .highlights import (
    MAX_BULK_HIGHLIGHTS,
    Span,
    highlight_add_tag,
    highlight_bulk_create,
    highlight_create,
    highlight_delete,
    highlight_remove_tag,
    highlight_set_tags,
    highlight_update,
    highlights_refresh_participants,
    span_quote,
)
from .privacy import (
    ERASED_TEXT,
    interview_delete_original,
    interview_redact,
    interview_scan,
    organization_erase,
    participant_erase,
    participant_export,
    privacy_policy,
    privacy_policy_update,
    redaction_apply,
    redaction_reject,
    retention_run,
    retention_run_all,
    retention_run_scheduled,
)
from .tags import TREE_LOCK as TAG_TREE_LOCK
from .tags import tag_create, tag_delete, tag_merge, tag_update
from .transcripts import (
    MAX_STALE_REQUEUES,
    DuplicateInterview,
    Upload,
    UploadTooLarge,
    interview_claim,
    interview_delete,
    interview_process,
    interview_reprocess,
    interview_stalled,
    interview_update,
    interview_upload,
    interviews_requeue_stale,
    parse_limits,
    participant_by_external_id,
    participant_create,
    participant_delete,
    participant_update,
    participants_upsert,
    speaker_map,
    study_create,
    study_delete,
    study_update,
    upload_from_file,
)

__all__ = [name for name in dir() if not name.startswith("_")]
