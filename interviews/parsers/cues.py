"""Speaker attribution inside one caption cue (shared by WebVTT and SRT).

A cue may name its speaker with a WebVTT voice span (``<v Alice>``, ``<v.loud
Alice>``) or with a "Name: " prefix, and one cue can hold several speakers.
"""

from __future__ import annotations

import html
import re

from .base import TranscriptError
from .cleaning import clean_speaker, clean_text, split_speaker
from .timecodes import TimecodeError, checked_span, parse_clock

# Cue settings ("align:start position:10%", SRT "X1:..") may follow the end time; ignored.
_TIMING_RE = re.compile(r"(?P<start>[\d:.,]+)[ \t]*-->[ \t]*(?P<end>[\d:.,]+)(?:[ \t]+.*)?")
# Class names exclude "." and the name excludes "<" so a stray "<v" cannot cause backtracking blow-ups.
_VOICE_RE = re.compile(r"<v(?:\.[^\s.<>]*)*(?:[ \t]+(?P<name>[^<>\n]*))?>")

Segment = tuple[str | None, str]


def cue_segments(lines: list[str]) -> tuple[list[Segment], bool]:
    """Return (speaker or None, clean text) pieces and whether voice spans were used."""
    raw = "\n".join(lines)
    voices = list(_VOICE_RE.finditer(raw))
    if voices:
        return _voice_segments(raw, voices), True
    return _prefix_segments(lines), False


def _voice_segments(raw: str, voices: list[re.Match]) -> list[Segment]:
    segments: list[Segment] = []
    before = clean_text(raw[: voices[0].start()])
    if before:
        segments.append((None, before))
    for index, match in enumerate(voices):
        stop = voices[index + 1].start() if index + 1 < len(voices) else len(raw)
        text = clean_text(raw[match.end() : stop])
        name = clean_speaker(html.unescape(match.group("name") or "")) or None
        if text:
            segments.append((name, text))
    return segments


def _prefix_segments(lines: list[str]) -> list[Segment]:
    segments: list[list] = []
    for line in lines:
        text = clean_text(line)
        if not text:
            continue
        labelled = split_speaker(text)
        if labelled:
            segments.append([labelled[0], [labelled[1]] if labelled[1] else []])
        elif segments:
            segments[-1][1].append(text)
        else:
            segments.append([None, [text]])
    return [(name, " ".join(parts)) for name, parts in segments if parts]


def parse_cue_timing(line: tuple[int, str], example: str) -> tuple[int, int]:
    """Parse a numbered "start --> end" line into milliseconds or raise naming the line."""
    number, text = line
    match = _TIMING_RE.fullmatch(text)
    if not match:
        raise TranscriptError(
            f"Line {number}: malformed timing line '{clip(text)}'; expected something like {example}.",
            line=number,
        )
    try:
        start = parse_clock(match.group("start"))
        end = parse_clock(match.group("end"))
    except TimecodeError as exc:
        raise TranscriptError(f"Line {number}: {exc} (in timing line '{clip(text)}').", line=number) from None
    return checked_span(start, end, f"Line {number}", line=number)


def clip(text: str, limit: int = 80) -> str:
    """Shorten quoted file content in error messages."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
