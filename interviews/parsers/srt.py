"""SubRip (.srt) subtitles.

Exporters are sloppy: cue numbers go missing, milliseconds use a dot, cue text
contains blank lines. Those are tolerated; a missing or mangled timing line is
not, because guessing would silently glue speech onto the wrong cue.
"""

from __future__ import annotations

from .base import UNKNOWN_SPEAKER, ParsedUtterance, TranscriptError
from .cues import clip, cue_segments, parse_cue_timing

EXAMPLE_TIMING = "'00:00:01,000 --> 00:00:04,000'"


def parse(text: str) -> tuple[list[ParsedUtterance], str]:
    lines = [line.strip() for line in text.lstrip("\ufeff").split("\n")]
    cues: list[tuple[int, int, list[str]]] = []
    after_gap = True
    for index, line in enumerate(lines):
        number = index + 1
        if not line:
            after_gap = True
            continue
        if "-->" in line:
            start, end = parse_cue_timing((number, line), EXAMPLE_TIMING)
            cues.append((start, end, []))
        elif after_gap and line.isdigit():
            following = _next_nonblank(lines, index + 1)
            if following is None or "-->" not in following[1]:
                found = f"found '{clip(following[1])}'" if following else "but the file ends"
                where = following[0] if following else number
                raise TranscriptError(
                    f"Line {where}: expected a timing line like {EXAMPLE_TIMING} "
                    f"after subtitle number {line}, {found}.",
                    line=where,
                )
        elif not cues:
            raise TranscriptError(
                f"Line {number}: expected a subtitle number or a timing line like "
                f"{EXAMPLE_TIMING}, found '{clip(line)}'.",
                line=number,
            )
        else:
            cues[-1][2].append(line)
        after_gap = False

    utterances = [
        ParsedUtterance(name or UNKNOWN_SPEAKER, start, end, segment_text)
        for start, end, body in cues
        for name, segment_text in cue_segments(body)[0]
    ]
    if not utterances:
        raise TranscriptError("The SRT file contains no subtitles with text.")
    return utterances, "generic"


def _next_nonblank(lines: list[str], index: int) -> tuple[int, str] | None:
    for offset in range(index, len(lines)):
        if lines[offset]:
            return offset + 1, lines[offset]
    return None
