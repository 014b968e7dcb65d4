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
from .personas import Citation, Claim, EvidencePolicy, Persona, PersonaVersion

__all__ = [
    "AssumptionCheck", "CheckClaim", "CheckHighlight", "Citation", "Claim", "EvidencePolicy", "Message",
    "MessageReview", "MessageRevision", "Persona", "PersonaVersion", "RevisionPersona",
]
