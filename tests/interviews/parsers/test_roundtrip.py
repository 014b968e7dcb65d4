"""Property: rendering arbitrary cues to WebVTT or SRT and parsing them back keeps speakers and text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from interviews.parsers import parse_transcript

SPEAKERS = [None, "Alice", "Bob Smith", "Dr. Lee", "SPEAKER_00", "Zoë Ørsted", "Participant 3"]

words = st.builds(
    lambda core, tail: core + tail,
    st.text(st.characters(categories=("L", "N")), min_size=1, max_size=8),
    st.sampled_from(["", "", ".", ",", "?", "!", "'s"]),
)
cue = st.tuples(
    st.sampled_from(SPEAKERS),
    st.lists(words, min_size=1, max_size=8),
    st.integers(min_value=0, max_value=5000),  # gap before the cue, ms
    st.integers(min_value=0, max_value=9000),  # cue duration, ms
    st.integers(min_value=0, max_value=7),  # where the text wraps onto a second line
)


def clock(ms, separator):
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def timed(cues):
    position = 0
    for speaker, text_words, gap, duration, wrap in cues:
        start = position + gap
        position = start + duration
        yield speaker, text_words, start, position, wrap


def body(speaker, text_words, wrap, voice):
    lines = [" ".join(text_words[:wrap]), " ".join(text_words[wrap:])]
    text = "\n".join(line for line in lines if line)
    if speaker is None:
        return text
    return f"<v {speaker}>{text}</v>" if voice else f"{speaker}: {text}"


def render_vtt(cues, voice, numbered):
    parts = ["WEBVTT", ""]
    for index, (speaker, text_words, start, end, wrap) in enumerate(timed(cues), start=1):
        if numbered:
            parts.append(str(index))
        parts += [f"{clock(start, '.')} --> {clock(end, '.')}", body(speaker, text_words, wrap, voice), ""]
    return "\n".join(parts)


def render_srt(cues, numbered):
    parts = []
    for index, (speaker, text_words, start, end, wrap) in enumerate(timed(cues), start=1):
        if numbered:
            parts.append(str(index))
        parts += [f"{clock(start, ',')} --> {clock(end, ',')}", body(speaker, text_words, wrap, False), ""]
    return "\n".join(parts)


def expected(cues):
    """Merge semantics, written independently of the implementation."""
    merged = []
    for speaker, text_words, start, end, _ in timed(cues):
        label = speaker or "Unknown"
        text = " ".join(text_words)
        if merged and speaker is not None and merged[-1][0] == label:
            merged[-1] = (label, merged[-1][1], end, f"{merged[-1][3]} {text}")
        else:
            merged.append((label, start, end, text))
    return merged


@settings(max_examples=60, deadline=None)
@given(
    cues=st.lists(cue, min_size=1, max_size=12),
    fmt=st.sampled_from(["vtt", "srt"]),
    voice=st.booleans(),
    numbered=st.booleans(),
)
def test_render_then_parse_keeps_speakers_text_and_times(cues, fmt, voice, numbered):
    if fmt == "vtt":
        data = render_vtt(cues, voice, numbered)
    else:
        data = render_srt(cues, numbered)
    result = parse_transcript(data.encode("utf-8"), f"generated.{fmt}")
    got = [(u.speaker, u.start_ms, u.end_ms, u.text) for u in result.utterances]
    assert got == expected(cues)
    assert result.duration_ms == max(end for *_, end, _ in timed(cues))
