"""Persona and message models; import from here."""

from .messages import AssumptionCheck, CheckClaim, CheckHighlight, Message, MessageRevision, RevisionPersona
from .personas import Citation, Claim, EvidencePolicy, Persona, PersonaVersion

__all__ = [
    "AssumptionCheck", "CheckClaim", "CheckHighlight", "Citation", "Claim", "EvidencePolicy", "Message",
    "MessageRevision", "Persona", "PersonaVersion", "RevisionPersona",
]
