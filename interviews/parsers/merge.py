"""Fold consecutive utterances by the same speaker into one turn."""

from __future__ import annotations

from collections.abc import Iterable

from .base import UNKNOWN_SPEAKER, ParsedUtterance


def merge_consecutive(
    utterances: Iterable[ParsedUtterance], warnings: list[str] | None = None
) -> list[ParsedUtterance]:
    """Join runs of the same speaker: texts with a space, start of the first, end of the last.

    Unattributed ("Unknown") utterances are left alone: consecutive unknown
    lines may well be different people, and merging them would turn a whole
    unlabelled transcript into a single block.

    When a run goes back in time (a later line starts before an earlier one), the
    first start and last end would give end < start; the turn then spans from the
    earliest to the latest of the times, and a sentence is added to ``warnings``.
    Given spans with end >= start, every merged span has end >= start too.
    """
    merged: list[ParsedUtterance] = []
    backwards = 0
    for utterance in utterances:
        previous = merged[-1] if merged else None
        if previous and previous.speaker == utterance.speaker and utterance.speaker != UNKNOWN_SPEAKER:
            start, end = previous.start_ms, utterance.end_ms
            if start is not None and end is not None and end < start:
                backwards += 1
                times = [t for t in (previous.start_ms, previous.end_ms, utterance.start_ms, utterance.end_ms) if t is not None]
                start, end = min(times), max(times)
            merged[-1] = ParsedUtterance(
                speaker=previous.speaker,
                start_ms=start,
                end_ms=end,
                text=f"{previous.text} {utterance.text}",
            )
        else:
            merged.append(utterance)
    if backwards and warnings is not None:
        places = "1 place" if backwards == 1 else f"{backwards} places"
        warnings.append(
            f"In {places} one speaker's consecutive lines go back in time; the merged turn spans "
            "from the earliest to the latest of their times."
        )
    return merged
