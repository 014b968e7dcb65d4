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
    # A transcript repeats the same few speaker labels: clean each one once.
    speakers: dict[str, tuple[str, bool]] = {}
    for number, utterance in enumerate(utterances, start=1):
        text, text_had_controls = _clean(utterance.text)
        start = _checked_time(utterance.start_ms, number, text, "start")
        end = _checked_time(utterance.end_ms, number, text, "end")
        if not text:
            continue
        if utterance.speaker not in speakers:
            speakers[utterance.speaker] = _clean(utterance.speaker)
        speaker, speaker_had_controls = speakers[utterance.speaker]
        if text_had_controls or speaker_had_controls:
            stripped += 1
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


def _clean(value: str) -> tuple[str, bool]:
    """``value`` without control characters, whitespace collapsed; and whether it had any."""
    # Searching first spares ordinary text the substitution.
    if _CONTROL_RE.search(value) is None:
        return collapse(value), False
    return collapse(_CONTROL_RE.sub("", value)), True


def _checked_time(value, number: int, text: str, which: str) -> int | None:
    if value is None:
        return None
    # The usual case, a whole number of milliseconds in range, needs no rounding (a bool is not a time).
    if type(value) is int and 0 <= value <= MAX_MS:
        return value
    return _checked_odd_time(value, _where(number, text), which)


def _where(number: int, text: str) -> str:
    """How error messages name a turn; only built when there is an error to report."""
    return f"Turn {number}" + (f" (“{_clip(text)}”)" if text else "")


def _checked_odd_time(value, where: str, which: str) -> int:
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
