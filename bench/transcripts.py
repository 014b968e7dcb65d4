"""One-hour interview transcripts made of real conversation text (chitchat-dataset).

Each chitchat "message" is one speaker's turn (a list of short chat lines); the
turns of all conversations form one stream that the transcripts take slices of,
wrapping round when 1,000 transcripts need more turns than the dataset holds.
Speakers alternate (Interviewer, Participant) as in an interview, and times are
spread over one hour in proportion to how many words each turn has.
"""

from __future__ import annotations

import functools
import html
import random
from dataclasses import dataclass

HOUR_MS = 60 * 60 * 1000
GAP_MS = 250  # silence between turns
SPEAKERS = ("Interviewer", "Participant")


@dataclass(frozen=True)
class Turn:
    speaker: str
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Transcript:
    name: str
    turns: list[Turn]

    def vtt(self) -> bytes:
        """WebVTT with voice spans (Teams style), so the real parser does its usual work."""
        out = ["WEBVTT", "", f"NOTE {self.name}: chitchat-dataset text, MIT licence", ""]
        for number, turn in enumerate(self.turns, start=1):
            # Escaping also keeps a literal "-->" in chat text from looking like a timing line.
            text = html.escape(turn.text, quote=False)
            out += [str(number), f"{_clock(turn.start_ms)} --> {_clock(turn.end_ms)}", f"<v {turn.speaker}>{text}", ""]
        return "\n".join(out).encode("utf-8")


def _clock(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


@functools.cache
def turn_texts() -> tuple[str, ...]:
    """Every turn of every conversation, in a fixed order, whitespace collapsed."""
    try:
        from chitchat_dataset import Dataset
    except ImportError:
        raise RuntimeError("The benchmark text is missing: pip install -r requirements-bench.txt") from None

    dataset = Dataset()
    texts = []
    for key in sorted(dataset):
        for message in dataset[key]["messages"]:
            text = " ".join(" ".join(line["text"].split()) for line in message).strip()
            if text:
                texts.append(text)
    return tuple(texts)


def _timed(texts: list[str]) -> list[Turn]:
    words = [max(1, len(t.split())) for t in texts]
    per_word = (HOUR_MS - GAP_MS * len(texts)) / sum(words)
    turns, clock = [], 0
    for index, (text, count) in enumerate(zip(texts, words, strict=True)):
        length = max(400, int(count * per_word))
        turns.append(Turn(SPEAKERS[index % 2], clock, clock + length, text))
        clock += length + GAP_MS
    return turns


def build(count: int, utterances: int = 400, seed: int = 20240501) -> list[Transcript]:
    """`count` transcripts of about `utterances` turns (±10 %) each, deterministic for a seed."""
    texts = turn_texts()
    rng = random.Random(seed)
    transcripts, offset = [], 0
    for number in range(count):
        size = rng.randint(int(utterances * 0.9), int(utterances * 1.1))
        chunk = [texts[(offset + i) % len(texts)] for i in range(size)]
        offset += size
        transcripts.append(Transcript(name=f"interview-{number:04d}.vtt", turns=_timed(chunk)))
    return transcripts
