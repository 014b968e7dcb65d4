"""Writes for personas and messages; import from here."""

from .exercises import QuestionSpec, exercise_answer, exercise_create, quote_question_specs
from .messages import (
    CheckAnswers,
    SelfApprovalRefused,
    four_eyes_set,
    message_approve,
    message_create,
    message_request_review,
    message_review_comment,
    message_revise,
    message_update,
    messages_recompute,
)
from .outcomes import Metric, outcome_record, outcome_rows_from_csv, outcomes_import
from .personas import (
    PolicyNotMet,
    citation_create,
    citation_delete,
    claim_create,
    claim_delete,
    claim_update,
    evidence_policy_update,
    persona_archive,
    persona_create,
    persona_delete,
    persona_publish,
    persona_snapshots_rewrite,
    persona_unpublish,
    persona_update,
    personas_recheck,
)

__all__ = [name for name in dir() if not name.startswith("_")]
