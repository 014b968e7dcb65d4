"""Reads for the interviews app, split by topic; import from here."""

from .evidence import (
    interview_highlights,
    recent_highlights,
    speaker_kind,
    tag_highlights,
    tag_tree,
    unmapped_speakers,
    utterance_segments,
    voice,
)
from .media import (
    SIGNED_KINDS,
    SignedFile,
    SignedFileRefused,
    SignedKind,
    media_of,
    reel_candidates,
    reels_recent,
    register_signed_kind,
    signed_file_path,
    signed_file_read,
    transcript_length_warning,
)
from .patterns import UNMAPPED_SEGMENT, participant_attribute_keys, tag_cooccurrence, tag_segment_matrix
from .privacy import (
    interviews_past_retention,
    participant_personal_data,
    pending_findings,
    privacy_policy,
    retention_runs_recent,
)
from .search import (
    ATTRIBUTE_FILTER_PATTERN,
    SearchFilters,
    parse_query,
    search_highlights,
    search_interviews,
    search_participants,
    search_tags,
    search_utterances,
    split_attribute_filter,
)
from .transcripts import (
    interview_list,
    interview_speakers,
    interview_stalled,
    interview_transcript,
    label_speakers,
    organization_overview,
    participant_by_external_id,
    participant_list,
    participant_search,
    stale_claim_cutoff,
    study_list,
)

__all__ = [name for name in dir() if not name.startswith("_")]
