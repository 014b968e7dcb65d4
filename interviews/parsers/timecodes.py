"""Clock-style timestamps ("1:02:03.450", "00:03,120", "0:03") and sanity checks on times."""

from __future__ import annotations

import re

from .base import TranscriptError

# An interview longer than a day is far more likely a corrupt file than a real recording.
MAX_MS = 24 * 60 * 60 * 1000

# Hours are optional; Teams writes unpadded fields ("0:0:3.450") and SRT uses a comma.
CLOCK = r"(?:\d{1,3}:)?\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?"
# The same shape with its fields captured (hours, minutes, seconds, fraction), for clock_ms.
CLOCK_FIELDS = r"(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2})(?:[.,](\d{1,3}))?"
_CLOCK_RE = re.compile(CLOCK_FIELDS)


class TimecodeError(ValueError):
    """A timestamp that matched the shape of a clock but cannot be a real time."""


def parse_clock(value: str) -> int:
    """Milliseconds for an "[H:]MM:SS[.mmm]" clock value."""
    match = _CLOCK_RE.fullmatch(value.strip())
    if not match:
        raise TimecodeError(f"'{value}' is not a time like 00:01:02.500")
    return clock_ms(value, *match.groups())


def clock_ms(value: str, hours: str | None, minutes: str, seconds: str, fraction: str | None) -> int:
    """Milliseconds for the fields of a CLOCK_FIELDS match on ``value`` (named in errors).

    Separate from parse_clock so that a caller matching a longer line (a cue
    timing line) can check and convert the fields without matching them again.
    """
    whole_seconds = int(seconds)
    if whole_seconds >= 60:
        raise TimecodeError(f"'{value}' has {whole_seconds} seconds; seconds must be below 60")
    whole_minutes = int(minutes)
    if hours is None:
        whole_hours = 0
    elif whole_minutes >= 60:
        raise TimecodeError(f"'{value}' has {whole_minutes} minutes; minutes must be below 60")
    else:
        whole_hours = int(hours)
    # ".5" means half a second, not 5 ms.
    millis = int(fraction.ljust(3, "0")) if fraction else 0
    return ((whole_hours * 60 + whole_minutes) * 60 + whole_seconds) * 1000 + millis


def format_ms(ms: int) -> str:
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def checked_span(
    start_ms: int | None, end_ms: int | None, where: str, *, line: int | None = None
) -> tuple[int | None, int | None]:
    """Reject negative or absurd times, naming where they are.

    A reversed span (end before start) is let through: the normalising step
    clamps it for every format alike and tells the researcher (normalise.py).
    """
    for value in (start_ms, end_ms):
        if value is None:
            continue
        if value < 0:
            raise TranscriptError(f"{where}: the time {format_ms(value)} is negative.", line=line)
        if value > MAX_MS:
            shown = format_ms(value) if value < 10**12 else "given"
            raise TranscriptError(
                f"{where}: the time {shown} is longer than 24 hours, which is not plausible for an interview.",
                line=line,
            )
    return start_ms, end_ms
