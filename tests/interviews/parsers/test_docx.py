"""Word documents: Teams (both layouts), Google Meet, Otter and hand-made transcripts."""

import io
import zipfile

import docx
import pytest

from interviews.parsers import ParsedUtterance as U
from interviews.parsers import TranscriptError, UnsupportedFile, parse_transcript


def build(*items):
    """Build a .docx; strings become paragraphs, tuples become one paragraph with line breaks.

    ("heading", text) adds a heading and ("table", rows) a table.
    """
    document = docx.Document()
    for item in items:
        if isinstance(item, str):
            document.add_paragraph(item)
        elif item[0] == "heading":
            document.add_heading(item[1], level=item[2] if len(item) > 2 else 1)
        elif item[0] == "bullet":
            document.add_paragraph(item[1], style="List Bullet")
        elif item[0] == "table":
            rows = item[1]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
        else:
            paragraph = document.add_paragraph()
            for index, line in enumerate(item):
                run = paragraph.add_run(line)
                if index < len(item) - 1:
                    run.add_break()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def parse(data):
    return parse_transcript(data, "Interview.DOCX")


def test_teams_cues_inside_single_paragraphs():
    data = build(
        "Interview with a warehouse lead",
        "Alice Smith started transcription",
        ("0:0:3.450 --> 0:0:8.120", "Alice Smith", "Hello there, can you hear me?"),
        ("0:0:8.900 --> 0:0:11.4", "Bob Jones", "Yes.", "Loud and clear."),
        ("0:0:11.500 --> 0:0:14.0", "Bob Jones", "Go ahead."),
        ("0:1:2.0 --> 0:1:5.250", "Thanks, let's begin."),
        "Alice Smith stopped transcription",
    )
    result = parse(data)
    assert result.format == "docx"
    assert result.variant == "teams"
    assert result.utterances == [
        U("Unknown", None, None, "Interview with a warehouse lead"),
        U("Alice Smith", 3450, 8120, "Hello there, can you hear me?"),
        U("Bob Jones", 8900, 14000, "Yes. Loud and clear. Go ahead."),
        U("Unknown", 62000, 65250, "Thanks, let's begin."),
    ]
    assert result.duration_ms == 65250


def test_teams_name_and_time_header_inside_paragraphs():
    data = build(
        ("Alice Smith   0:03", "Hello there"),
        ("Smith, Alice   0:09", "How was the trip?"),
        ("Bob Jones   1:02:07", "Long, but fine.", "The train was late."),
        "Bob Jones stopped transcription",
    )
    result = parse(data)
    assert result.variant == "teams"
    assert result.utterances == [
        U("Alice Smith", 3000, None, "Hello there"),
        U("Smith, Alice", 9000, None, "How was the trip?"),
        U("Bob Jones", 3_727_000, None, "Long, but fine. The train was late."),
    ]


def test_google_meet_document_skips_title_and_summary():
    data = build(
        ("heading", "Research interview (2024-03-05 10:02 GMT) - Transcript", 0),
        ("heading", "Summary"),
        ("bullet", "Alice Smith: to send the follow-up survey"),
        ("bullet", "Participants discussed onboarding."),
        ("heading", "Notes"),
        "Decision: pilot in April",
        ("bullet", "Transcript"),
        "Action: Carlos Ruiz to share the handbook",
        ("heading", "Transcript"),
        "This editable transcript was computer generated and might contain errors. "
        "People can also change the text after it was created.",
        "00:00:00",
        "",
        "Alice Smith: Thanks for joining.",
        "Carlos Ruiz: Happy to be here.",
        "Carlos Ruiz: Where should I start?",
        "00:05:00",
        "Alice Smith: Tell me about onboarding.",
        "Transcription ended after 00:41:27",
    )
    result = parse(data)
    assert result.variant == "google_meet"
    assert result.utterances == [
        U("Alice Smith", 0, None, "Thanks for joining."),
        U("Carlos Ruiz", None, None, "Happy to be here. Where should I start?"),
        U("Alice Smith", 300_000, None, "Tell me about onboarding."),
    ]
    assert result.duration_ms == 300_000


def test_otter_document_with_header_paragraphs():
    data = build(
        "Alice Smith  0:03",
        "First paragraph of the answer.",
        "Second paragraph.",
        "Speaker 2  0:42",
        "Okay.",
        "Transcribed by https://otter.ai",
    )
    result = parse(data)
    assert result.variant == "otter"
    assert result.utterances == [
        U("Alice Smith", 3000, None, "First paragraph of the answer. Second paragraph."),
        U("Speaker 2", 42000, None, "Okay."),
    ]


def test_plain_turns_and_tables_in_a_hand_made_document():
    data = build(
        ("heading", "Interview 12"),
        "Interviewer: How did you hear about us?",
        ("table", [["Participant:", "From a friend."], ["Interviewer: Which friend?", ""]]),
        "Participant: A colleague.",
    )
    result = parse(data)
    assert result.variant == "generic"
    assert result.utterances == [
        U("Unknown", None, None, "Interview 12"),
        U("Interviewer", None, None, "How did you hear about us?"),
        U("Participant", None, None, "From a friend."),
        U("Interviewer", None, None, "Which friend?"),
        U("Participant", None, None, "A colleague."),
    ]


def test_document_without_labels_imports_paragraphs_as_unknown():
    data = build("Field notes, day 2.", "", ("The team met at 9.", "Everyone was tired."), "We left early.")
    result = parse(data)
    assert result.variant == "plain"
    assert result.utterances == [
        U("Unknown", None, None, "Field notes, day 2."),
        U("Unknown", None, None, "The team met at 9. Everyone was tired."),
        U("Unknown", None, None, "We left early."),
    ]


def _rezip(data, replace):
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = replace.get(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info.filename, content)
    return buffer.getvalue()


def test_damaged_document_xml():
    data = _rezip(build("Ann: hi"), {"word/document.xml": b"<w:document><w:body><w:p>"})
    with pytest.raises(TranscriptError) as error:
        parse(data)
    assert error.value.message.startswith("This .docx file is damaged or not a Word document")
    assert not isinstance(error.value, UnsupportedFile)


def test_zip_without_a_main_document():
    data = _rezip(build("Ann: hi"), {"word/document.xml": None})
    with pytest.raises(TranscriptError, match="damaged or not a Word document"):
        parse(data)


def test_entity_declarations_are_refused():
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        b"<w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>"
    )
    data = _rezip(build("Ann: hi"), {"word/document.xml": evil})
    with pytest.raises(UnsupportedFile, match="refused for safety"):
        parse(data)


def test_empty_document():
    with pytest.raises(TranscriptError, match="contains no text"):
        parse(build())
