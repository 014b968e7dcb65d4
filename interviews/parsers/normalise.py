"""The one step every format passes through: what leaves the parsers is safe to store.

Format parsers are lenient readers of messy exports. Whatever they let through,
this step guarantees what the database requires (and what it cannot check):

- no control characters (NUL, other C0 and C1) or lone surrogates in text and
  speaker labels: PostgreSQL refuses NUL and unpaired surrogates cannot be encoded;
- times are whole milliseconds, finite, 0 <= t <= MAX_MS; anything else is refused
  with a reason, since a guessed time would silently misplace speech;
- end >= start for every utterance, merged turns included: repaired, and said so;
- speaker labels fit SpeakerMapping.label; overlong turns are split so the
  full-text index can hold them.

Repairs are reported as sentences in ``warnings``; the interview stores and shows them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

from .base import MAX_SPEAKER_CHARS, MAX_UTTERANCE_CHARS, UNKNOWN_SPEAKER, ParsedUtterance, TranscriptError
from .cleaning import collapse
from .merge import merge_consecutive
from .timecodes import MAX_MS, format_ms

# Tab, newlines, vertical tab, form feed and carriage return are whitespace and collapse to a space.
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def normalise_utterances(utterances: Iterable[ParsedUtterance]) -> tuple[list[ParsedUtterance], list[str]]:
    """Clean, check, merge and bound ``utterances``; return them with the repairs made, as sentences.

    Raises TranscriptError when a time is not a plausible time, or when no text is left.
    """
    warnings: list[str] = []
    cleaned: list[ParsedUtterance] = []
    stripped = reversed_spans = shortened = 0
    for number, utterance in enumerate(utterances, start=1):
        text = _clean(utterance.text)
        where = f"Turn {number}" + (f" (“{_clip(text)}”)" if text else "")
        start = _checked_time(utterance.start_ms, where, "start")
        end = _checked_time(utterance.end_ms, where, "end")
        if not text:
            continue
        if _CONTROL_RE.search(utterance.text) or _CONTROL_RE.search(utterance.speaker):
            stripped += 1
        speaker = _clean(utterance.speaker)
        if len(speaker) > MAX_SPEAKER_CHARS:
            shortened += 1
            speaker = speaker[:MAX_SPEAKER_CHARS].rstrip()
        if start is not None and end is not None and end < start:
            reversed_spans += 1
            end = start
        cleaned.append(ParsedUtterance(speaker or UNKNOWN_SPEAKER, start, end, text))
    if not cleaned:
        raise TranscriptError("The file holds no speech: no lines of text were found in it.")

    if stripped:
        warnings.append(f"Invisible control characters (such as NUL) were removed from {_count(stripped, 'line')}.")
    if reversed_spans:
        warnings.append(
            "1 line ended before it started; its end time was set to its start time."
            if reversed_spans == 1
            else f"{reversed_spans} lines ended before they started; their end times were set to their start times."
        )
    if shortened:
        warnings.append(f"{_count(shortened, 'speaker label')} longer than {MAX_SPEAKER_CHARS} characters "
                        f"{'was' if shortened == 1 else 'were'} shortened.")
    merged = merge_consecutive(cleaned, warnings)
    return _split_overlong(merged, warnings), warnings


def _clean(value: str) -> str:
    return collapse(_CONTROL_RE.sub("", value))


def _checked_time(value, where: str, which: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TranscriptError(f"{where}: the {which} time is not a number.")
    if isinstance(value, float) and not math.isfinite(value):
        raise TranscriptError(f"{where}: the {which} time is {value}, which is not a time.")
    if value < 0:
        shown = f" {format_ms(int(value))}" if -MAX_MS < value <= -1 else ""
        raise TranscriptError(f"{where}: the {which} time{shown} is negative.")
    if value > MAX_MS:
        raise TranscriptError(
            f"{where}: the {which} time is more than 24 hours into the recording, which is not plausible for an interview."
        )
    return round(value)


def _split_overlong(utterances: list[ParsedUtterance], warnings: list[str]) -> list[ParsedUtterance]:
    result: list[ParsedUtterance] = []
    split = 0
    for utterance in utterances:
        if len(utterance.text) <= MAX_UTTERANCE_CHARS:
            result.append(utterance)
            continue
        split += 1
        result.extend(
            ParsedUtterance(utterance.speaker, utterance.start_ms, utterance.end_ms, part)
            for part in _parts(utterance.text)
        )
    if split:
        warnings.append(f"{_count(split, 'turn')} longer than {MAX_UTTERANCE_CHARS:,} characters "
                        f"{'was' if split == 1 else 'were'} split into several parts.")
    return result


def _parts(text: str):
    """Cut at the last space before the limit (text is already collapsed to single spaces)."""
    while len(text) > MAX_UTTERANCE_CHARS:
        cut = text.rfind(" ", 1, MAX_UTTERANCE_CHARS + 1)
        if cut <= 0:
            yield text[:MAX_UTTERANCE_CHARS]
            text = text[MAX_UTTERANCE_CHARS:]
        else:
            yield text[:cut]
            text = text[cut + 1 :]
    if text:
        yield text


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
