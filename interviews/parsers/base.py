"""Shared result types and errors for the transcript parsers.

Kept free of Django so the parsers can be imported and tested on their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

UNKNOWN_SPEAKER = "Unknown"
# What SpeakerMapping.label holds.
MAX_SPEAKER_CHARS = 200
# A turn longer than this is split: PostgreSQL's tsvector (the full-text index) is capped at 1 MB,
# and 100,000 characters (about two hours of one person talking) stay well below it in any script.
MAX_UTTERANCE_CHARS = 100_000

FORMATS = ("vtt", "srt", "txt", "docx", "json", "pdf", "html", "md", "odt")

DAMAGED_DOCX_MESSAGE = (
    "This .docx file is damaged or not a Word document. Open it in Word (or Google Docs) and save it again as .docx."
)

ODT_DAMAGED_MESSAGE = (
    "This .odt file is damaged or not an OpenDocument text. Open it in LibreOffice (or Google Docs) and save it "
    "again as .odt."
)
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


@dataclass(frozen=True)
class ParsedUtterance:
    speaker: str
    start_ms: int | None
    end_ms: int | None
    text: str


@dataclass
class ParsedTranscript:
    format: str
    utterances: list[ParsedUtterance] = field(default_factory=list)
    duration_ms: int | None = None
    variant: str = "generic"
    # Repairs made to the content (clamped times, shortened labels...), as sentences for the researcher.
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ParseLimits:
    max_bytes: int = 20 * 1024 * 1024
    docx_max_uncompressed_bytes: int = 50 * 1024 * 1024
    docx_max_compression_ratio: int = 100


# A module-level default instead of a call in each signature; ParseLimits is frozen, so sharing is safe.
DEFAULT_LIMITS = ParseLimits()


class TranscriptError(Exception):
    """Broken transcript content; ``message`` is meant to be shown to the uploader."""

    def __init__(self, message: str, *, line: int | None = None):
        super().__init__(message)
        self.message = message
        # Kept separately so a UI can highlight the line without parsing the message.
        self.line = line

    def __str__(self) -> str:
        return self.message


class UnsupportedFile(TranscriptError):
    """The upload itself is unacceptable (type, size, binary, zip bomb): reject with a 4xx."""
