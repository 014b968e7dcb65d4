"""WebVTT: Zoom and Teams recordings, caption editors, and broken files."""

import pytest

from interviews.parsers import ParsedUtterance as U
from interviews.parsers import TranscriptError, parse_transcript

ZOOM_VTT = """WEBVTT

1
00:00:00.000 --> 00:00:04.320
Dr. Maria Lopez: Thanks for joining. Can you hear me okay?

2
00:00:04.830 --> 00:00:07.110
Participant 3: Yes, loud and clear.

3
00:00:07.600 --> 00:00:12.050
Dr. Maria Lopez: Great. Let's start with how you

4
00:00:12.050 --> 00:00:14.900
Dr. Maria Lopez: plan your week.
"""

TEAMS_VTT = """WEBVTT

3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b/15-0
00:00:03.450 --> 00:00:08.120
<v Alice Smith>Hello there, thanks for making time.</v>

3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b/16-0
00:00:08.900 --> 00:00:11.000
<v Bob O'Neil>No problem at all.</v>

3f1a2b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b/16-1
00:00:11.000 --> 00:00:13.250
<v Bob O'Neil>Happy to help.</v>
"""


def parse(text, name="talk.vtt"):
    return parse_transcript(text.encode("utf-8"), name)


def test_zoom_recording_transcript():
    result = parse(ZOOM_VTT)
    assert result.format == "vtt"
    assert result.variant == "zoom"
    assert result.utterances == [
        U("Dr. Maria Lopez", 0, 4320, "Thanks for joining. Can you hear me okay?"),
        U("Participant 3", 4830, 7110, "Yes, loud and clear."),
        U("Dr. Maria Lopez", 7600, 14900, "Great. Let's start with how you plan your week."),
    ]
    assert result.duration_ms == 14900


def test_teams_voice_spans_and_guid_identifiers():
    result = parse(TEAMS_VTT)
    assert result.variant == "teams"
    assert result.utterances == [
        U("Alice Smith", 3450, 8120, "Hello there, thanks for making time."),
        U("Bob O'Neil", 8900, 13250, "No problem at all. Happy to help."),
    ]
    assert result.duration_ms == 13250


def test_bom_blocks_settings_markup_and_optional_hours():
    text = (
        "\ufeffWEBVTT - interview 7\n"
        "Kind: captions\n"
        "Language: en\n"
        "\n"
        "STYLE\n"
        "::cue { color: yellow }\n"
        "\n"
        "REGION\n"
        "id:fred width:40%\n"
        "\n"
        "NOTE recorded on a phone,\n"
        "audio is patchy\n"
        "\n"
        "intro\n"
        "00:01.000 --> 00:04.500 align:start position:10% line:0\n"
        "<v.loud.shout Jane Doe>Welcome to <b>the</b> <i>study</i>!</v>\n"
        "\n"
        "01:02.250 --> 01:05.000 region:fred\n"
        "<c.yellow>Ravi</c>: It&apos;s <00:01:03.000>fine &amp; <u>calm</u>.\n"
        "\n"
        "1:00:00.000 --> 1:00:02.000\n"
        "Jane Doe: See you &lt;soon&gt;.\n"
    )
    result = parse(text)
    assert result.utterances == [
        U("Jane Doe", 1000, 4500, "Welcome to the study!"),
        U("Ravi", 62250, 65000, "It's fine & calm."),
        U("Jane Doe", 3_600_000, 3_602_000, "See you <soon>."),
    ]
    assert result.duration_ms == 3_602_000


def test_several_voices_in_one_cue_and_prefixes_per_line():
    text = (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:03.000\n"
        "<v Alice>Are you ready?</v>\n"
        "<v Bob>Almost.</v>\n\n"
        "00:00:03.000 --> 00:00:05.000\n"
        "Alice: Good.\n"
        "Bob: Let's go\n"
        "then.\n"
    )
    assert parse(text).utterances == [
        U("Alice", 1000, 3000, "Are you ready?"),
        U("Bob", 1000, 3000, "Almost."),
        U("Alice", 3000, 5000, "Good."),
        U("Bob", 3000, 5000, "Let's go then."),
    ]


def test_captions_without_speakers_stay_separate_unknown_cues():
    text = (
        "WEBVTT\r\n\r\n"
        "00:00:00.500 --> 00:00:02.000\r\n"
        "so what happened next\r\n\r\n"
        "00:00:02.000 --> 00:00:03.500\r\n"
        "we moved to a new office\r\n"
    )
    result = parse(text)
    assert result.variant == "generic"
    assert result.utterances == [
        U("Unknown", 500, 2000, "so what happened next"),
        U("Unknown", 2000, 3500, "we moved to a new office"),
    ]


def test_missing_blank_line_between_cues_is_tolerated():
    text = "WEBVTT\n00:00:01.000 --> 00:00:02.000\nAnn: One.\n2\n00:00:02.000 --> 00:00:03.000\nBen: Two.\n"
    assert parse(text).utterances == [U("Ann", 1000, 2000, "One."), U("Ben", 2000, 3000, "Two.")]


def test_end_before_start_is_clamped():
    text = "WEBVTT\n\n00:00:05.000 --> 00:00:04.000\nAnn: Oops.\n"
    assert parse(text).utterances == [U("Ann", 5000, 5000, "Oops.")]


def test_colons_inside_speech_are_not_speakers():
    text = (
        "WEBVTT\n\n"
        "00:00:01.000 --> 00:00:04.000\n"
        "we met at 10:30 and the plan was: wait\n\n"
        "00:00:04.000 --> 00:00:06.000\n"
        "see https://example.org for details\n"
    )
    assert [u.speaker for u in parse(text).utterances] == ["Unknown", "Unknown"]
    assert parse(text).utterances[0].text == "we met at 10:30 and the plan was: wait"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "00:00:01.000 --> 00:00:02.000\nhello\n",
            "Line 1: a WebVTT file must start with 'WEBVTT', found '00:00:01.000 --> 00:00:02.000'.",
        ),
        ("1\n00:00:01,000 --> 00:00:02,000\nhello\n", "It looks like an SRT file; rename it to .srt."),
        (
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAnn: hi\n\n00:00:02.000 -> 00:00:03.000\nBen: yo\n",
            "Line 6: expected a timing line like '00:00:01.000 --> 00:00:04.000', found '00:00:02.000 -> 00:00:03.000'.",
        ),
        (
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAnn: hi\n\n00:00:02.000 --> 00:00:xx\nBen: yo\n",
            "Line 6: malformed timing line '00:00:02.000 --> 00:00:xx'; expected something like '00:00:01.000 --> 00:00:04.000'.",
        ),
        (
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nAnn: hi\n\n2\n00:00:02.000 00:00:03.000\nBen: yo\n",
            "Line 8: expected a timing line like '00:00:01.000 --> 00:00:04.000', found '00:00:02.000 00:00:03.000'.",
        ),
        (
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAnn: hi\n\nhello\n",
            "Line 6: expected a timing line like '00:00:01.000 --> 00:00:04.000', found 'hello'.",
        ),
        (
            "WEBVTT\n\n00:00:01.000 --> 00:00:75.000\nAnn: hi\n",
            "Line 3: '00:00:75.000' has 75 seconds; seconds must be below 60",
        ),
        (
            "WEBVTT\n\n30:00:00.000 --> 30:00:01.000\nAnn: hi\n",
            "Line 3: the time 30:00:00.000 is longer than 24 hours",
        ),
        ("WEBVTT\n\nNOTE nothing here\n", "contains no captions"),
        ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<b></b>\n", "contains no captions"),
    ],
)
def test_broken_files_name_the_problem(text, expected):
    with pytest.raises(TranscriptError) as error:
        parse(text)
    assert expected in error.value.message
