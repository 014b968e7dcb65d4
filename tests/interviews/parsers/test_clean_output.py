"""Whatever the file, the parsers hand back clean utterances or a readable TranscriptError.

Every format passes through one normalising step (``parsers.normalise_utterances``):
control characters stripped, times finite and bounded, end >= start, labels that fit
the database. Repairs are reported in ``ParsedTranscript.warnings``.
"""

import json
import math
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from interviews import parsers
from interviews.parsers import ParsedUtterance as U
from interviews.parsers import TranscriptError, parse_transcript

# Control characters that must never reach the database (normal whitespace is collapsed, not kept).
DIRTY = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def assert_clean(utterances):
    assert utterances, "a parsed transcript has at least one utterance"
    for u in utterances:
        assert u.text and not DIRTY.search(u.text), repr(u.text)
        assert u.text == u.text.strip()
        assert u.speaker and not DIRTY.search(u.speaker) and len(u.speaker) <= parsers.MAX_SPEAKER_CHARS, repr(u.speaker)
        assert len(u.text) <= parsers.MAX_UTTERANCE_CHARS
        for value in (u.start_ms, u.end_ms):
            assert value is None or (type(value) is int and 0 <= value <= parsers.MAX_MS)
        if u.start_ms is not None and u.end_ms is not None:
            assert u.end_ms >= u.start_ms


def srt(*cues):
    blocks = [f"{n}\n{start} --> {end}\n{text}\n" for n, (start, end, text) in enumerate(cues, start=1)]
    return "\n".join(blocks).encode()


# The examples from the issue -------------------------------------------------------------


def test_same_speaker_cues_going_back_in_time_never_merge_into_end_before_start():
    data = srt(
        ("00:00:10,000", "00:00:12,000", "Ann: Later words."),
        ("00:00:01,000", "00:00:02,000", "Ann: Earlier words."),
    )
    result = parse_transcript(data, "backwards.srt")
    assert result.utterances == [U("Ann", 1000, 12000, "Later words. Earlier words.")]
    assert_clean(result.utterances)
    assert any("back in time" in warning for warning in result.warnings), result.warnings


def test_nul_and_control_characters_in_json_text_and_speaker_are_stripped():
    document = {"segments": [
        {"speaker": "Ann\u0000\u0007", "start": 1, "end": 2, "text": "Hel\u0000lo\u009b there\x1b"},
        {"speaker": "\u0000", "start": 2, "end": 3, "text": "Who\ud800 said that?"},
    ]}
    result = parse_transcript(json.dumps(document).encode(), "nul.json")
    assert result.utterances == [U("Ann", 1000, 2000, "Hello there"), U("Unknown", 2000, 3000, "Who said that?")]
    assert_clean(result.utterances)


@pytest.mark.parametrize("value", ["1e306", "-1e306", "1e400", "NaN", "Infinity", "-Infinity", "1" + "0" * 400])
def test_absurd_or_non_finite_json_times_are_refused_readably(value):
    with pytest.raises(TranscriptError) as caught:
        parse_transcript(f'[{{"speaker": "Ann", "start": {value}, "end": 2, "text": "hi"}}]'.encode(), "t.json")
    message = caught.value.message
    assert message.startswith("Segment 1") and "start" in message and "Traceback" not in message


def test_a_reversed_cue_is_clamped_and_the_result_says_so():
    result = parse_transcript(srt(("00:00:05,000", "00:00:04,000", "Ann: Oops.")), "x.srt")
    assert result.utterances == [U("Ann", 5000, 5000, "Oops.")]
    assert result.warnings == ["1 line ended before it started; its end time was set to its start time."]


def test_a_clean_file_has_no_warnings():
    result = parse_transcript(srt(("00:00:01,000", "00:00:02,000", "Ann: Fine.")), "x.srt")
    assert result.warnings == []


def test_speaker_labels_are_cut_to_what_the_database_holds():
    long_name = "Dr " + "Abcdefghij " * 40
    document = [{"speaker": long_name, "start": 0, "end": 1, "text": "hi"}]
    result = parse_transcript(json.dumps(document).encode(), "long.json")
    speaker = result.utterances[0].speaker
    assert len(speaker) <= parsers.MAX_SPEAKER_CHARS and long_name.startswith(speaker)
    assert any("shortened" in warning for warning in result.warnings)


def test_an_overlong_turn_is_split_into_parts_the_search_index_can_hold():
    words = [f"w{n}" for n in range(60_000)]  # ~400,000 characters by one speaker
    document = [{"speaker": "Ann", "start": 0, "end": 1, "text": " ".join(words)}]
    result = parse_transcript(json.dumps(document).encode(), "long.json")
    assert len(result.utterances) > 1
    assert " ".join(u.text for u in result.utterances) == " ".join(words)
    assert {u.speaker for u in result.utterances} == {"Ann"}
    assert_clean(result.utterances)
    assert any("split" in warning for warning in result.warnings)


# The normalising step on its own ---------------------------------------------------------


def test_normalise_refuses_times_that_are_not_times():
    for bad in (math.nan, math.inf, -1, -0.5, parsers.MAX_MS + 1, 10**400):
        with pytest.raises(TranscriptError) as caught:
            parsers.normalise_utterances([U("Ann", bad, None, "hi")])
        assert "Turn 1" in caught.value.message


def test_normalise_drops_turns_with_no_text_left_and_refuses_an_empty_result():
    kept, _ = parsers.normalise_utterances([U("Ann", 0, 1, "\x00\x01"), U("Ben", 1, 2, "yes")])
    assert kept == [U("Ben", 1, 2, "yes")]
    with pytest.raises(TranscriptError):
        parsers.normalise_utterances([U("Ann", 0, 1, "\x00 \x7f")])


# Properties ------------------------------------------------------------------------------

EXTENSIONS = ["vtt", "srt", "txt", "json", "docx", "webvtt"]
# Any code point, surrogates included, with control characters and whitespace made likely.
_noisy_text = st.text(
    st.one_of(st.sampled_from(["\x00", "\x07", "\x1b", "\x85", "\x9b", "\ud800", " ", "\n", "a"]),
              st.characters(exclude_categories=())),
    max_size=40,
)
times = st.one_of(
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, parsers.MAX_MS, parsers.MAX_MS + 1, 1e306, -1e306]),
)
cues = st.lists(
    st.builds(U, speaker=st.one_of(st.sampled_from(["Ann", "Ben", "Unknown"]), _noisy_text),
              start_ms=times, end_ms=times, text=_noisy_text),
    max_size=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600), extension=st.sampled_from(EXTENSIONS))
def test_arbitrary_bytes_give_clean_utterances_or_a_readable_error(data, extension):
    try:
        result = parse_transcript(data, f"upload.{extension}")
    except TranscriptError as error:
        assert error.message and "Traceback" not in error.message
        return
    assert_clean(result.utterances)


@settings(max_examples=150, deadline=None)
@given(cue_list=cues)
def test_arbitrary_cue_lists_normalise_to_clean_utterances_or_a_readable_error(cue_list):
    try:
        utterances, warnings = parsers.normalise_utterances(cue_list)
    except TranscriptError as error:
        assert error.message
        return
    assert_clean(utterances)
    assert all(isinstance(w, str) and w for w in warnings)


@settings(max_examples=100, deadline=None)
@given(cue_list=cues)
def test_arbitrary_cue_lists_written_as_json_parse_clean_or_fail_readably(cue_list):
    segments = [{"speaker": c.speaker, "start": _seconds(c.start_ms), "end": _seconds(c.end_ms), "text": c.text}
                for c in cue_list]
    try:
        result = parse_transcript(json.dumps({"segments": segments}).encode(), "cues.json")
    except TranscriptError as error:
        assert error.message
        return
    assert_clean(result.utterances)
    assert all(unicodedata.category(ch) != "Cs" for u in result.utterances for ch in u.text)


def _seconds(value):
    return value if value is None or isinstance(value, float) else value / 1000
