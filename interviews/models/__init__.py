"""Models of the interviews app, split by topic; import from here."""

from .coding import CODER_COLOURS, Assignment, Reconciliation
from .evidence import Highlight, HighlightTag, Tag
from .media import Clip, Media, MediaStatus, MediaUpload, Reel, ReelItem
from .privacy import PrivacyPolicy, RedactionFinding, RetentionRun
from .transcripts import (
    Interview,
    InterviewParticipant,
    Participant,
    ParticipantExternalId,
    SpeakerMapping,
    Study,
    Utterance,
)

__all__ = [
    "Assignment", "CODER_COLOURS", "Reconciliation",
    "Highlight", "HighlightTag", "Interview", "InterviewParticipant", "Participant", "SpeakerMapping",
    "Study", "Tag", "Utterance", "ParticipantExternalId", "PrivacyPolicy", "RedactionFinding", "RetentionRun",
    "Clip", "Media", "MediaStatus", "MediaUpload", "Reel", "ReelItem",
]
