"""Persona and message models; import from here."""

from .messages import (
    AssumptionCheck,
    CheckClaim,
    CheckHighlight,
    Message,
    MessageReview,
    MessageRevision,
    RevisionPersona,
)
from .outcomes import Exercise, ExerciseAnswer, ExerciseEvidence, ExerciseQuestion, Outcome
from .personas import Citation, Claim, EvidencePolicy, Persona, PersonaVersion

__all__ = [
    "AssumptionCheck", "CheckClaim", "CheckHighlight", "Citation", "Claim", "EvidencePolicy", "Exercise",
    "ExerciseAnswer", "ExerciseEvidence", "ExerciseQuestion", "Message", "MessageReview", "MessageRevision",
    "Outcome", "Persona", "PersonaVersion", "RevisionPersona",
]
