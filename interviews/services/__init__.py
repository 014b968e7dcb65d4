"""Writes for the interviews app, split by sub-domain; import from here."""

from .coding import assignment_create, assignment_delete, assignment_set_done, reconcile
from .erasure import original_files_eraser, participant_erase
from .highlights import (
    MAX_BULK_HIGHLIGHTS,
    HighlightItem,
    Span,
    highlight_add_tag,
    highlight_bulk_create,
    highlight_create,
    highlight_create_many,
    highlight_delete,
    highlight_remove_tag,
    highlight_set_tags,
    highlight_update,
    span_quote,
)
from .ingest import (
    MAX_STALE_REQUEUES,
    interview_claim,
    interview_create_from_utterances,
    interview_process,
    interview_redact_if_policy,
    interviews_requeue_stale,
)
from .interviews import (
    INTERVIEW_FIELDS,
    DuplicateInterview,
    Upload,
    UploadTooLarge,
    interview_delete,
    interview_reprocess,
    interview_update,
    interview_upload,
    upload_from_file,
)
from .media import (
    MEDIA_SUFFIXES,
    MediaRefused,
    clip_cut,
    clip_request,
    highlight_span_ms,
    media_attach,
    media_check_upload,
    media_erase,
    media_files_eraser,
    media_process,
    media_silence,
    media_silence_request,
    media_storage,
    reel_build,
    reel_create,
)
from .media_uploads import (
    UploadOffsetConflict,
    media_upload_abort,
    media_upload_chunk,
    media_upload_complete,
    media_upload_start,
    media_uploads_eraser,
    media_uploads_sweep,
)
from .participants import (
    PARTICIPANT_FIELDS,
    participant_create,
    participant_delete,
    participant_update,
    participants_upsert,
)
from .privacy_policy import PRIVACY_POLICY_FIELDS, privacy_policy_update
from .redaction import ERASED_TEXT, interview_redact, interview_scan, redaction_apply, redaction_reject
from .retention import retention_run, retention_run_all, retention_run_scheduled
from .speakers import speaker_create_participant, speaker_map, speakers_guess_roles
from .studies import STUDY_FIELDS, study_create, study_delete, study_update
from .subject_access import participant_export
from .tags import TREE_LOCK as TAG_TREE_LOCK
from .tags import tag_create, tag_delete, tag_merge, tag_update

__all__ = [name for name in dir() if not name.startswith("_")]
