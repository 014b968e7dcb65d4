"""Merging consecutive turns of one speaker."""

from interviews.parsers import ParsedUtterance as U
from interviews.parsers import merge_consecutive, parse_transcript


def test_runs_of_one_speaker_merge_with_start_of_first_and_end_of_last():
    utterances = [
        U("Ann", 0, 1000, "One."),
        U("Ann", 1200, 2000, "Two."),
        U("Ann", 2100, 3000, "Three."),
        U("Ben", 3000, 4000, "Four."),
        U("Ann", 4000, 5000, "Five."),
    ]
    assert merge_consecutive(utterances) == [
        U("Ann", 0, 3000, "One. Two. Three."),
        U("Ben", 3000, 4000, "Four."),
        U("Ann", 4000, 5000, "Five."),
    ]


def test_missing_times_are_taken_literally_from_first_and_last():
    assert merge_consecutive([U("Ann", None, 1000, "a"), U("Ann", 1000, None, "b")]) == [U("Ann", None, None, "a b")]


def test_unknown_speakers_are_not_merged():
    utterances = [U("Unknown", None, None, "First paragraph."), U("Unknown", None, None, "Second paragraph.")]
    assert merge_consecutive(utterances) == utterances


def test_labels_must_match_exactly():
    utterances = [
        U("Ann", 0, 1, "a"),
        U("ann", 1, 2, "b"),
        U("Unknown Speaker", 2, 3, "c"),
        U("Unknown Speaker", 3, 4, "d"),
    ]
    assert merge_consecutive(utterances) == [
        U("Ann", 0, 1, "a"),
        U("ann", 1, 2, "b"),
        U("Unknown Speaker", 2, 4, "c d"),
    ]


def test_input_is_not_modified_and_empty_is_fine():
    utterances = [U("Ann", 0, 1, "a"), U("Ann", 1, 2, "b")]
    merge_consecutive(utterances)
    assert len(utterances) == 2
    assert merge_consecutive([]) == []


def test_merge_is_applied_to_every_format():
    srt = b"1\n00:00:01,000 --> 00:00:02,000\nAnn: a\n\n2\n00:00:02,000 --> 00:00:03,000\nAnn: b\n"
    txt = b"Ann: a\nAnn: b\n"
    json = b'[{"speaker": "Ann", "start": 1, "end": 2, "text": "a"}, {"speaker": "Ann", "start": 2, "end": 3, "text": "b"}]'
    for data, name in [(srt, "x.srt"), (txt, "x.txt"), (json, "x.json"), (b"WEBVTT\n\n" + srt, "x.vtt")]:
        assert [(u.speaker, u.text) for u in parse_transcript(data, name).utterances] == [("Ann", "a b")]
