"""Transcript parsers: uploaded bytes in, clean speaker-attributed utterances out.

Pure Python (no Django) so they are fast to test and safe to run in a worker.

    check_upload(data, filename)      # at upload time: raises UnsupportedFile -> 4xx
    parse_transcript(data, filename)  # raises TranscriptError with a readable .message

Every format's output passes through ``normalise_utterances`` (see normalise.py),
so what comes out is always safe to store; repairs are listed in ``.warnings``.
"""

from __future__ import annotations

from . import docx, html, jsonfmt, markdown, odt, pdf, srt, txt, vtt
from .base import (
    DEFAULT_LIMITS,
    MAX_SPEAKER_CHARS,
    MAX_UTTERANCE_CHARS,
    ParsedTranscript,
    ParsedUtterance,
    ParseLimits,
    TranscriptError,
    UnsupportedFile,
)
from .detection import ACCEPTED_EXTENSIONS, check_upload, detect_format, inspect_upload
from .merge import merge_consecutive
from .normalise import normalise_utterances
from .timecodes import MAX_MS

__all__ = [
    "ACCEPTED_EXTENSIONS",
    "MAX_MS",
    "MAX_SPEAKER_CHARS",
    "MAX_UTTERANCE_CHARS",
    "ParsedTranscript",
    "ParsedUtterance",
    "ParseLimits",
    "TranscriptError",
    "UnsupportedFile",
    "check_upload",
    "detect_format",
    "merge_consecutive",
    "normalise_utterances",
    "parse_transcript",
]

_TEXT_PARSERS = {
    "vtt": vtt.parse, "srt": srt.parse, "txt": txt.parse, "json": jsonfmt.parse, "html": html.parse, "md": markdown.parse,
}
# Formats read from the raw bytes (zip archives, PDF); check_upload has already vetted them.
_BINARY_PARSERS = {"docx": docx.parse, "odt": odt.parse, "pdf": pdf.parse}


def parse_transcript(data: bytes, filename: str, limits: ParseLimits = DEFAULT_LIMITS) -> ParsedTranscript:
    fmt, decoded = inspect_upload(data, filename, limits)
    if fmt in _BINARY_PARSERS:
        utterances, variant = _BINARY_PARSERS[fmt](data)
    else:
        utterances, variant = _TEXT_PARSERS[fmt](decoded.text)
    # Every format passes through here: clean text, sane times, end >= start, merged turns.
    utterances, warnings = normalise_utterances(utterances)
    return ParsedTranscript(
        format=fmt,
        utterances=utterances,
        duration_ms=_duration(utterances),
        variant=variant,
        warnings=warnings,
    )


def _duration(utterances: list[ParsedUtterance]) -> int | None:
    """Latest end time; formats that only stamp starts (Otter, Zoom text) fall back to the latest start."""
    ends = [u.end_ms for u in utterances if u.end_ms is not None]
    if ends:
        return max(ends)
    starts = [u.start_ms for u in utterances if u.start_ms is not None]
    return max(starts) if starts else None
