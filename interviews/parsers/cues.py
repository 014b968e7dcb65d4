"""Speaker attribution inside one caption cue (shared by WebVTT and SRT).

A cue may name its speaker with a WebVTT voice span (``<v Alice>``, ``<v.loud
Alice>``) or with a "Name: " prefix, and one cue can hold several speakers.
"""

from __future__ import annotations

import html
import re

from .base import TranscriptError
from .cleaning import clean_speaker, clean_text, split_speaker
from .timecodes import CLOCK_FIELDS, MAX_MS, TimecodeError, checked_span, clock_ms, parse_clock

# Cue settings ("align:start position:10%", SRT "X1:..") may follow the end time; ignored.
_TIMING_RE = re.compile(r"(?P<start>[\d:.,]+)[ \t]*-->[ \t]*(?P<end>[\d:.,]+)(?:[ \t]+.*)?")
# _TIMING_RE with both times spelled out as clocks, their fields captured. It matches exactly
# the lines that _TIMING_RE matches and whose two times have a shape parse_clock accepts, so a
# usual line takes one match instead of three; any other line goes the slower way, which explains.
_CLOCKS_TIMING_RE = re.compile(rf"({CLOCK_FIELDS})[ \t]*-->[ \t]*({CLOCK_FIELDS})(?:[ \t]+.*)?")
# Class names exclude "." and the name excludes "<" so a stray "<v" cannot cause backtracking blow-ups.
_VOICE_RE = re.compile(r"<v(?:\.[^\s.<>]*)*(?:[ \t]+(?P<name>[^<>\n]*))?>")

Segment = tuple[str | None, str]


def cue_segments(lines: list[str]) -> tuple[list[Segment], bool]:
    """Return (speaker or None, clean text) pieces and whether voice spans were used."""
    raw = "\n".join(lines)
    # Most cues have no voice span: skip the regular expression when "<v" cannot match.
    voices = list(_VOICE_RE.finditer(raw)) if "<v" in raw else None
    if voices:
        return _voice_segments(raw, voices), True
    return _prefix_segments(lines), False


def _voice_segments(raw: str, voices: list[re.Match]) -> list[Segment]:
    segments: list[Segment] = []
    # Text before the first voice span is unattributed; a cue usually starts with the span.
    before = clean_text(raw[: voices[0].start()]) if voices[0].start() else ""
    if before:
        segments.append((None, before))
    for index, match in enumerate(voices):
        stop = voices[index + 1].start() if index + 1 < len(voices) else len(raw)
        text = clean_text(raw[match.end() : stop])
        if text:
            segments.append((_voice_name(match.group("name")), text))
    return segments


def _voice_name(raw: str | None) -> str | None:
    return clean_speaker(html.unescape(raw or "")) or None


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
    match = _CLOCKS_TIMING_RE.fullmatch(text)
    if match:
        fields = match.groups()  # (start, its 4 fields, end, its 4 fields)
        try:
            start = clock_ms(*fields[:5])
            end = clock_ms(*fields[5:])
        except TimecodeError as exc:
            raise TranscriptError(f"Line {number}: {exc} (in timing line '{clip(text)}').", line=number) from None
        # Clock times have no sign, so only the upper bound can fail; checked_span names the line then.
        if start <= MAX_MS and end <= MAX_MS:
            return start, end
        return checked_span(start, end, f"Line {number}", line=number)
    return _parse_odd_cue_timing(line, example)


def _parse_odd_cue_timing(line: tuple[int, str], example: str) -> tuple[int, int]:
    """parse_cue_timing for a line whose times are not both clock-shaped: raises naming the line."""
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
