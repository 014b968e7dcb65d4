"""A transcript as REFI-QDA plain text, and back.

Out: one line per utterance, "Speaker: text", so a selection's characters [start, end) are exactly a highlight's
quote when it lies in one utterance (a quote over several utterances selects the lines between, labels included).
In: speaker-labelled lines when most lines are, paragraphs (lines) as utterances otherwise; each utterance
remembers where its text starts in the plain text, so selections map onto (utterance, offset) exactly.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

_LABEL_RE = re.compile(r"^([^:\n\t]{1,60}?):[ \t]+(\S.*)$")
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
UNLABELLED_SPEAKER = "Unknown"


@dataclass(frozen=True)
class Segment:
    speaker: str
    text: str
    start: int  # where `text` starts in the plain text

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def render(lines: list[tuple[str, str]]) -> tuple[str, list[int]]:
    """The plain text of (speaker, text) turns, and where each turn's text starts in it."""
    parts, starts, at = [], [], 0
    for speaker, text in lines:
        prefix = f"{speaker}: "
        starts.append(at + len(prefix))
        line = prefix + text.replace("\n", " ")
        parts.append(line)
        at += len(line) + 1
    return "\n".join(parts), starts


def segment(text: str, *, max_chars: int) -> list[Segment]:
    """Utterances of a plain text, each with its start; control characters become spaces (offsets kept)."""
    text = _CONTROL_RE.sub(" ", text)
    lines, at = [], 0
    for line in text.split("\n"):
        lines.append((line, at))
        at += len(line) + 1
    content = [(line, start) for line, start in lines if line.strip()]
    labelled = [_LABEL_RE.match(line.rstrip("\r")) for line, _ in content]
    hits = sum(1 for match in labelled if match)
    labels = {match.group(1).strip() for match in labelled if match}
    use_labels = bool(content) and hits >= 0.6 * len(content) and len(labels) <= max(10, hits // 5)
    segments, speaker = [], UNLABELLED_SPEAKER
    for (line, start), match in zip(content, labelled, strict=True):
        line = line.rstrip("\r")
        if use_labels and match:
            speaker = match.group(1).strip()
            body_start = match.start(2)
        else:
            body_start = len(line) - len(line.lstrip())
        body = line[body_start:].rstrip()
        for offset in range(0, len(body), max_chars):  # overlong lines split, offsets kept
            segments.append(Segment(speaker, body[offset:offset + max_chars], start + body_start + offset))
    return segments


def locate(segments: list[Segment], starts: list[int], position: int, *, is_end: bool) -> tuple[int, int] | None:
    """(segment index, offset in its text) of a plain-text position; a position between segments (a label, a line
    break) moves to the next segment's start (a selection's start) or the previous one's end (its end)."""
    if is_end:
        index = bisect.bisect_left(starts, position) - 1  # last segment starting before position
        if index < 0:
            return None
        return index, min(position - segments[index].start, len(segments[index].text))
    index = bisect.bisect_right(starts, position) - 1
    if index >= 0 and position < segments[index].end:
        return index, position - segments[index].start
    index += 1
    return (index, 0) if index < len(segments) else None
