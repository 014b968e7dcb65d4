"""Reads for personas and messages; import from here."""

from .calibration import (
    calibration_overview,
    calibration_record,
    exercise_reveals,
    exercise_score,
    exercise_team_distribution,
    instruction_assignment,
    instruction_experiment,
    message_outcomes,
    mirror_sentence,
    others_records_visible,
)
from .messages import (
    author_track_record,
    basis_dashboard,
    checks_citing,
    evidence_voices,
    grounding_of,
    message_list,
    message_review_history,
    message_revisions,
    messages_awaiting_review,
    messages_waiting_for_evidence,
    relevant_evidence,
    targetable_personas,
)
from .personas import (
    claim_shortfalls,
    claims_with_strength,
    evidence_policy,
    persona_detail,
    persona_gallery,
    persona_policy_report,
    persona_segment_keys,
    persona_snapshot,
    persona_unchanged_since_publish,
    persona_versions,
    personas_citing,
    personas_needing_review,
    strength_level,
    version_diff,
)

__all__ = [name for name in dir() if not name.startswith("_")]
