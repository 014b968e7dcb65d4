"""Plain text: "Name: text", timestamped turns, Otter, Zoom's saved transcript, unlabelled notes."""

import pytest

from interviews.parsers import ParsedUtterance as U
from interviews.parsers import TranscriptError, parse_transcript


def parse(text, name="notes.txt"):
    return parse_transcript(text.encode("utf-8"), name)


def test_name_prefixed_lines_with_continuations():
    text = (
        "Interviewer: Tell me about your morning routine.\n"
        "Participant 4: I get up at 6:30, make coffee,\n"
        "and check the schedule: meetings, deliveries.\n"
        "\n"
        "Then I drive in.\n"
        "Interviewer: Thanks.\n"
        "Interviewer: And after that?\n"
    )
    result = parse(text)
    assert result.format == "txt"
    assert result.variant == "generic"
    assert result.utterances == [
        U("Interviewer", None, None, "Tell me about your morning routine."),
        U(
            "Participant 4",
            None,
            None,
            "I get up at 6:30, make coffee, and check the schedule: meetings, deliveries. Then I drive in.",
        ),
        U("Interviewer", None, None, "Thanks. And after that?"),
    ]
    assert result.duration_ms is None


def test_timestamped_turns():
    text = (
        "[00:00:05] Ana de la Cruz: Shall we begin?\n"
        "[00:01:02] Ben: Sure.\n"
        "[1:02:03.5] Ana de la Cruz: Last question.\n"
    )
    assert parse(text).utterances == [
        U("Ana de la Cruz", 5000, None, "Shall we begin?"),
        U("Ben", 62000, None, "Sure."),
        U("Ana de la Cruz", 3_723_500, None, "Last question."),
    ]


OTTER_TXT = """Alice Smith  0:03
Hi, thanks for taking the time today. I wanted to start with your role.

Unknown Speaker  0:15
Sure. I lead the data team.

We are six people.

Alice Smith  59:58
And what does a typical week look like?

Bob Jones  1:02:07
Mostly meetings, honestly.


Transcribed by https://otter.ai
"""


def test_otter_export():
    result = parse(OTTER_TXT)
    assert result.variant == "otter"
    assert result.utterances == [
        U("Alice Smith", 3000, None, "Hi, thanks for taking the time today. I wanted to start with your role."),
        U("Unknown Speaker", 15000, None, "Sure. I lead the data team. We are six people."),
        U("Alice Smith", 3_598_000, None, "And what does a typical week look like?"),
        U("Bob Jones", 3_727_000, None, "Mostly meetings, honestly."),
    ]
    # Otter only stamps starts, so the duration is the last start.
    assert result.duration_ms == 3_727_000


def test_zoom_saved_meeting_transcript_uses_times_relative_to_the_first():
    text = (
        "[Priya Patel] 11:02:09\n"
        "Okay, I think we're recording.\n"
        "[Tom] 11:02:15\n"
        "Great.\n"
        "Can everyone see my screen?\n"
        "[Priya Patel] 11:03:01\n"
        "Yes.\n"
    )
    result = parse(text)
    assert result.variant == "zoom"
    assert result.utterances == [
        U("Priya Patel", 0, None, "Okay, I think we're recording."),
        U("Tom", 6000, None, "Great. Can everyone see my screen?"),
        U("Priya Patel", 52000, None, "Yes."),
    ]


def test_zoom_transcript_running_past_midnight():
    text = "[Night Owl] 23:59:50\nStill here.\n[Early Bird] 00:00:20\nMorning!\n"
    assert [u.start_ms for u in parse(text).utterances] == [0, 30000]


def test_text_without_labels_becomes_unknown_paragraphs():
    text = (
        "\n\nWe visited the site on Tuesday. The manager showed us around\n"
        "and explained the shift system.\n"
        "\n"
        "\n"
        "Later the workers talked about breaks.\n"
    )
    result = parse(text)
    assert result.variant == "plain"
    assert result.utterances == [
        U(
            "Unknown",
            None,
            None,
            "We visited the site on Tuesday. The manager showed us around and explained the shift system.",
        ),
        U("Unknown", None, None, "Later the workers talked about breaks."),
    ]
    assert result.duration_ms is None


def test_preamble_before_the_first_label_is_kept_as_unknown():
    text = "Interview 3, 12 March\n\nQ: Where do you work?\nA: At the port.\n"
    assert parse(text).utterances == [
        U("Unknown", None, None, "Interview 3, 12 March"),
        U("Q", None, None, "Where do you work?"),
        U("A", None, None, "At the port."),
    ]


def test_google_meet_transcript_saved_as_text():
    text = (
        "Weekly sync - Transcript\n"
        "Attendees\n"
        "Alice Smith, Bob Jones\n"
        "Transcript\n"
        "00:00:00\n"
        "\n"
        "Alice Smith: Morning all.\n"
        "Bob Jones: Hi.\n"
        "00:05:00\n"
        "\n"
        "Alice Smith: Next item.\n"
        "Transcription ended after 00:06:12\n"
    )
    result = parse(text)
    assert result.variant == "google_meet"
    assert result.utterances == [
        U("Alice Smith", 0, None, "Morning all."),
        U("Bob Jones", None, None, "Hi."),
        U("Alice Smith", 300_000, None, "Next item."),
    ]


def test_bracketed_times_without_names_keep_their_own_times():
    text = "[00:00:05] We arrived late.\n(00:01:10) The room was cold.\n10:30 was the official start.\n"
    result = parse(text)
    assert result.variant == "plain"
    assert result.utterances == [
        U("Unknown", 5000, None, "We arrived late."),
        U("Unknown", 70000, None, "The room was cold. 10:30 was the official start."),
    ]


def test_sentences_with_colons_are_not_speakers():
    text = (
        "Mia: Here is what I said: no.\n"
        "so the answer was: maybe\n"
        "Then we left at 10:30: it was late\n"
        "See https://example.org: it explains it.\n"
    )
    assert [u.speaker for u in parse(text).utterances] == ["Mia"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Alice Smith  0:03\nHi.\n\nBob Jones  0:75\nHello.\n",
            "Line 4: '0:75' has 75 seconds; seconds must be below 60.",
        ),
        ("[00:00:01] Ann: hi\n[30:00:00] Ben: yo\n", "Line 2: the time 30:00:00.000 is longer than 24 hours"),
        ("[Ann] 25:00:00\nhi\n", "Line 1: '25:00:00' is not a valid time of day."),
        (" \n\t\n  \n", "The file contains no transcript text."),
        ("Transcribed by https://otter.ai\n", "The file contains no transcript text."),
    ],
)
def test_broken_files_name_the_problem(text, expected):
    with pytest.raises(TranscriptError) as error:
        parse(text)
    assert expected in error.value.message
