"""Fold consecutive utterances by the same speaker into one turn."""

from __future__ import annotations

from collections.abc import Iterable

from .base import UNKNOWN_SPEAKER, ParsedUtterance


def merge_consecutive(utterances: Iterable[ParsedUtterance]) -> list[ParsedUtterance]:
    """Join runs of the same speaker: texts with a space, start of the first, end of the last.

    Unattributed ("Unknown") utterances are left alone: consecutive unknown
    lines may well be different people, and merging them would turn a whole
    unlabelled transcript into a single block.
    """
    merged: list[ParsedUtterance] = []
    for utterance in utterances:
        previous = merged[-1] if merged else None
        if previous and previous.speaker == utterance.speaker and utterance.speaker != UNKNOWN_SPEAKER:
            merged[-1] = ParsedUtterance(
                speaker=previous.speaker,
                start_ms=previous.start_ms,
                end_ms=utterance.end_ms,
                text=f"{previous.text} {utterance.text}",
            )
        else:
            merged.append(utterance)
    return merged
