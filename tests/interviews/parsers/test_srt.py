"""SubRip: numbered cues, sloppy exporters, every common encoding, and broken files."""

import pytest

from interviews.parsers import ParsedUtterance as U
from interviews.parsers import TranscriptError, parse_transcript

OTTER_SRT = (
    "1\n"
    "00:00:01,200 --> 00:00:04,000\n"
    "Interviewer: How long have you\n"
    "worked here?\n"
    "\n"
    "2\n"
    "00:00:04,500 --> 00:00:06,750\n"
    "<i>Interviewer:</i> Roughly?\n"
    "\n"
    "3\n"
    "00:00:07,000 --> 00:00:10,000\n"
    'Sam: About <font color="#ffff00">six</font> years, I think.\n'
)


def parse(data, name="captions.srt"):
    return parse_transcript(data if isinstance(data, bytes) else data.encode("utf-8"), name)


def test_numbered_cues_with_speaker_prefixes_and_tags():
    result = parse(OTTER_SRT)
    assert result.format == "srt"
    assert result.variant == "generic"
    assert result.utterances == [
        U("Interviewer", 1200, 6750, "How long have you worked here? Roughly?"),
        U("Sam", 7000, 10000, "About six years, I think."),
    ]
    assert result.duration_ms == 10000


def test_missing_numbers_dot_milliseconds_and_blank_line_inside_a_cue():
    text = (
        "00:00:01.000 --> 00:00:02.500\n"
        "{\\an8}Kim: First line\n"
        "\n"
        "still Kim after a stray blank line\n"
        "\n"
        "00:00:03,000 --> 00:00:04,000 X1:100 X2:200 Y1:10 Y2:20\n"
        "Lee: Second.\n"
        "\n"
        "7\n"
        "00:00:04,000 --> 00:00:05,000\n"
        "42\n"
    )
    assert parse(text).utterances == [
        U("Kim", 1000, 2500, "First line still Kim after a stray blank line"),
        U("Lee", 3000, 4000, "Second."),
        U("Unknown", 4000, 5000, "42"),
    ]


SAMPLE = "1\r\n00:00:01,000 --> 00:00:02,000\r\nZoë: café – naïve “quotes”\r\n\r\n"
EXPECTED = [U("Zoë", 1000, 2000, "café – naïve “quotes”")]


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(SAMPLE.encode("utf-8"), id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), id="utf-8-bom"),
        pytest.param(b"\xff\xfe" + SAMPLE.encode("utf-16-le"), id="utf-16-le-bom"),
        pytest.param(b"\xfe\xff" + SAMPLE.encode("utf-16-be"), id="utf-16-be-bom"),
        pytest.param(SAMPLE.encode("utf-16"), id="utf-16-native-bom"),
        pytest.param(b"\xff\xfe\x00\x00" + SAMPLE.encode("utf-32-le"), id="utf-32-le-bom"),
        pytest.param(b"\x00\x00\xfe\xff" + SAMPLE.encode("utf-32-be"), id="utf-32-be-bom"),
        pytest.param(SAMPLE.encode("cp1252"), id="cp1252"),
    ],
)
def test_encodings(encoded):
    assert parse(encoded).utterances == EXPECTED


def test_latin1_without_cp1252_punctuation():
    data = "1\n00:00:01,000 --> 00:00:02,000\nJörg: Ça va très bien, merci.\n".encode("latin-1")
    assert parse(data).utterances == [U("Jörg", 1000, 2000, "Ça va très bien, merci.")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "1\nhello there\n",
            "Line 2: expected a timing line like '00:00:01,000 --> 00:00:04,000' after subtitle number 1, found 'hello there'.",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nAnn: hi\n\n2\n00:00:02,000 - 00:00:03,000\nBen: yo\n",
            "Line 6: expected a timing line like '00:00:01,000 --> 00:00:04,000' after subtitle number 2, found '00:00:02,000 - 00:00:03,000'.",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nAnn: hi\n\n2\n99:00:02,000 --> 99:00:03,000\nBen: yo\n",
            "Line 6: the time 99:00:02.000 is longer than 24 hours, which is not plausible for an interview.",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nAnn: hi\n\n2\n00:00:02,000 --> 00:00:03;000\nBen: yo\n",
            "Line 6: malformed timing line '00:00:02,000 --> 00:00:03;000'",
        ),
        (
            "Subtitles by someone\n\n1\n00:00:01,000 --> 00:00:02,000\nAnn: hi\n",
            "Line 1: expected a subtitle number or a timing line like '00:00:01,000 --> 00:00:04,000', found 'Subtitles by someone'.",
        ),
        (
            "1\n00:00:01,000 --> 00:61:00,000\nAnn: hi\n",
            "Line 2: '00:61:00,000' has 61 minutes; minutes must be below 60",
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\n\n2\n",
            "Line 4: expected a timing line like '00:00:01,000 --> 00:00:04,000' after subtitle number 2, but the file ends.",
        ),
        ("1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n", "The SRT file contains no subtitles with text."),
    ],
)
def test_broken_files_name_the_problem(text, expected):
    with pytest.raises(TranscriptError) as error:
        parse(text)
    assert expected in error.value.message
