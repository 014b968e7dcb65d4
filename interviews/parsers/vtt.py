"""WebVTT captions (Zoom and Teams recordings, caption editors).

Written by hand rather than with webvtt-py so that every error can name the
offending line, and so that real-world deviations (missing hours, a missing blank
line between cues, voice spans) are tolerated where the meaning is unambiguous.
"""

from __future__ import annotations

import re

from .base import UNKNOWN_SPEAKER, ParsedUtterance, TranscriptError
from .cues import clip, cue_segments, parse_cue_timing

EXAMPLE_TIMING = "'00:00:01.000 --> 00:00:04.000'"

_HEADER_RE = re.compile(r"WEBVTT(?:[ \t].*)?", re.I)
_SKIPPED_BLOCK_KEYWORDS = ("NOTE", "STYLE", "REGION")
_SKIPPED_BLOCK_RE = re.compile(r"(?:NOTE|STYLE|REGION)(?:[ \t].*)?")
_TIMESTAMP_START_RE = re.compile(r"\d+:\d")
_GUID_ID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:/\d+-\d+)?", re.I)

Line = tuple[int, str]


def parse(text: str) -> tuple[list[ParsedUtterance], str]:
    lines = text.lstrip("\ufeff").split("\n")
    first = lines[0].strip() if lines else ""
    if not _HEADER_RE.fullmatch(first):
        hint = " It looks like an SRT file; rename it to .srt." if _looks_like_srt(lines) else ""
        raise TranscriptError(f"Line 1: a WebVTT file must start with 'WEBVTT', found '{clip(first)}'.{hint}", line=1)

    utterances: list[ParsedUtterance] = []
    saw_voice = saw_guid = saw_numeric_id = saw_prefix = False
    for block in _blocks(lines):
        # The cheap prefix test spares nearly every cue the regular expression.
        if block[0][1].startswith(_SKIPPED_BLOCK_KEYWORDS) and _SKIPPED_BLOCK_RE.fullmatch(block[0][1]):
            continue
        for identifier, timing, body in _cues(block):
            start, end = parse_cue_timing(timing, EXAMPLE_TIMING)
            segments, used_voice = cue_segments([text for _, text in body])
            saw_voice |= used_voice
            saw_prefix |= not used_voice and any(name for name, _ in segments)
            if identifier:
                # One GUID identifier is enough to tell the variant.
                saw_guid = saw_guid or bool(_GUID_ID_RE.fullmatch(identifier))
                saw_numeric_id |= identifier.isdigit()
            for name, segment_text in segments:
                utterances.append(ParsedUtterance(name or UNKNOWN_SPEAKER, start, end, segment_text))

    if not utterances:
        raise TranscriptError("The WebVTT file contains no captions with text.")
    if saw_voice or saw_guid:
        variant = "teams"
    elif saw_prefix and saw_numeric_id:
        variant = "zoom"
    else:
        variant = "generic"
    return utterances, variant


def _blocks(lines: list[str]):
    """Yield runs of non-blank (line number, text) after the header block."""
    block: list[Line] = []
    in_header = True
    for number, raw in enumerate(lines, start=1):
        text = raw.strip()
        if in_header:
            # The header block ends at the first blank line; tolerate a cue that
            # follows the header without one.
            if number == 1 or (text and "-->" not in text):
                continue
            in_header = False
            if not text:
                continue
        if text:
            block.append((number, text))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _cues(block: list[Line]):
    """Split a block into (identifier, timing line, text lines).

    A block normally holds one cue, but exporters sometimes omit the blank line
    between cues; any later timing line then starts a new cue.
    """
    if "-->" in block[0][1]:
        identifier, start = None, 0
    elif len(block) > 1 and "-->" in block[1][1]:
        identifier, start = block[0][1], 1
    else:
        culprit = next((line for line in block[:2] if _TIMESTAMP_START_RE.match(line[1])), block[0])
        raise TranscriptError(
            f"Line {culprit[0]}: expected a timing line like {EXAMPLE_TIMING}, found '{clip(culprit[1])}'.",
            line=culprit[0],
        )
    timing = block[start]
    body: list[Line] = []
    for line in block[start + 1 :]:
        if "-->" in line[1]:
            next_identifier = None
            if body and body[-1][1].isdigit():
                next_identifier = body.pop()[1]
            yield identifier, timing, body
            identifier, timing, body = next_identifier, line, []
        else:
            body.append(line)
    yield identifier, timing, body


def _looks_like_srt(lines: list[str]) -> bool:
    head = [line.strip() for line in lines[:3]]
    return len(head) >= 2 and head[0].isdigit() and "-->" in head[1]
