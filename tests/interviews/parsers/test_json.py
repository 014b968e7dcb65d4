"""JSON: the documented generic shape, Whisper and WhisperX output, and broken files."""

import json

import pytest

from interviews.parsers import ParsedUtterance as U
from interviews.parsers import TranscriptError, parse_transcript


def parse(value):
    data = value if isinstance(value, str) else json.dumps(value)
    return parse_transcript(data.encode("utf-8"), "transcript.json")


def test_generic_segments_object():
    result = parse(
        {
            "segments": [
                {"speaker": " Alice ", "start": 1.5, "end": 3.0, "text": "Hello   there."},
                {"speaker": "Alice", "start": 3.25, "end": 4.0, "text": "How are you?"},
                {"speaker": "Bob", "start": 4.1234, "end": 6, "text": "Fine, thanks."},
                {"speaker": "Bob", "start": 6.5, "end": 7.0, "text": "  "},
            ]
        }
    )
    assert result.format == "json"
    assert result.variant == "generic"
    assert result.utterances == [
        U("Alice", 1500, 4000, "Hello there. How are you?"),
        U("Bob", 4123, 6000, "Fine, thanks."),
    ]
    assert result.duration_ms == 6000


def test_bare_list_with_optional_fields():
    result = parse(
        [
            {"text": "No speaker or times."},
            {"speaker": None, "start": "2.5", "end": "00:00:04.000", "text": "String times."},
            {"speaker": 7, "start": 5, "text": "Numeric speaker id, no end."},
        ]
    )
    assert result.utterances == [
        U("Unknown", None, None, "No speaker or times."),
        U("Unknown", 2500, 4000, "String times."),
        U("7", 5000, None, "Numeric speaker id, no end."),
    ]
    assert result.duration_ms == 4000


WHISPER = {
    "text": " So tell me about the project. It started in 2019.",
    "segments": [
        {
            "id": 0,
            "seek": 0,
            "start": 0.0,
            "end": 2.48,
            "text": " So tell me about the project.",
            "tokens": [50364, 407],
            "temperature": 0.0,
            "avg_logprob": -0.21,
            "compression_ratio": 1.2,
            "no_speech_prob": 0.01,
        },
        {
            "id": 1,
            "seek": 0,
            "start": 2.48,
            "end": 4.96,
            "text": " It started in 2019.",
            "tokens": [50488, 467],
            "temperature": 0.0,
            "avg_logprob": -0.18,
            "compression_ratio": 1.2,
            "no_speech_prob": 0.02,
        },
    ],
    "language": "en",
}


def test_whisper_output_has_unknown_speakers_kept_apart():
    result = parse(WHISPER)
    assert result.variant == "whisper"
    assert result.utterances == [
        U("Unknown", 0, 2480, "So tell me about the project."),
        U("Unknown", 2480, 4960, "It started in 2019."),
    ]


def test_whisperx_diarized_output():
    words = [{"word": "Yes", "start": 0.1, "end": 0.3, "score": 0.9, "speaker": "SPEAKER_01"}]
    result = parse(
        {
            "segments": [
                {"start": 0.031, "end": 1.2, "text": " Did it work?", "words": [], "speaker": "SPEAKER_00"},
                {"start": 1.5, "end": 2.0, "text": " Yes.", "words": words, "speaker": "SPEAKER_01"},
                {"start": 2.0, "end": 3.75, "text": " Mostly.", "words": [], "speaker": "SPEAKER_01"},
            ],
            "word_segments": words,
        }
    )
    assert result.variant == "whisperx"
    assert result.utterances == [
        U("SPEAKER_00", 31, 1200, "Did it work?"),
        U("SPEAKER_01", 1500, 3750, "Yes. Mostly."),
    ]


def test_end_before_start_is_clamped():
    assert parse([{"start": 5, "end": 4, "text": "x"}]).utterances == [U("Unknown", 5000, 5000, "x")]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ('{\n  "segments": [\n    {"text": "hi",}\n  ]\n}', "Line 3, column 19: this is not valid JSON"),
        (" \n", "Line 2, column 1: this is not valid JSON (Expecting value)."),
        (
            {"results": []},
            'The JSON object has "results" but no "segments". Expected a JSON object with a "segments" list',
        ),
        ({"segments": {"text": "hi"}}, '"segments" must be a list, found an object.'),
        ('"just a string"', "The JSON file holds a string."),
        ([{"text": "ok"}, "oops"], "Segment 2 should be an object, found a string."),
        ([{"speaker": "A", "start": 1}], 'Segment 1 has no "text".'),
        ([{"text": ["a"]}], 'Segment 1: "text" should be a string, found a list.'),
        ([{"text": "hi", "start": "soon"}], 'Segment 1: "start" should be a number of seconds, found "soon".'),
        ([{"text": "hi", "start": True}], 'Segment 1: "start" should be a number of seconds, found true.'),
        ([{"text": "hi", "speaker": {"name": "A"}}], 'Segment 1: "speaker" should be a name, found an object.'),
        ([{"text": "a"}, {"text": "b", "start": -1.5}], "Segment 2: the time -00:00:01.500 is negative."),
        ('[{"text": "hi", "start": NaN}]', 'Segment 1: "start" is nan, which is not a time.'),
        ([{"text": "hi", "start": 1e12}], "Segment 1: the time"),
        ({"segments": []}, "The JSON file has no segments with text."),
    ],
)
def test_broken_files_say_what_was_expected(document, expected):
    with pytest.raises(TranscriptError) as error:
        parse(document)
    assert expected in error.value.message
