"""PDF, HTML, Markdown and OpenDocument text sources, each from a real file built here.

Paragraphs become utterances with no speaker and no times; ``Name: text`` lines become turns.
"""

import io
import secrets
import time
import zipfile

import pytest
from fpdf import FPDF

from interviews.parsers import ParsedUtterance as U
from interviews.parsers import ParseLimits, TranscriptError, UnsupportedFile, check_upload, parse_transcript
from interviews.parsers.base import UNKNOWN_SPEAKER

NOBODY = UNKNOWN_SPEAKER


def pdf_with_text(*paragraphs: str, pages: int = 1) -> bytes:
    document = FPDF()
    document.set_font("helvetica", size=12)
    for page in range(pages):
        document.add_page()
        for paragraph in paragraphs:
            document.multi_cell(0, 8, paragraph if pages == 1 else f"{paragraph} (page {page + 1})")
            document.ln(8)  # an empty line between paragraphs, as a word processor lays them out
    return bytes(document.output())


def pdf_without_text() -> bytes:
    """A scanned page: only drawing, no text layer."""
    document = FPDF()
    document.add_page()
    document.set_fill_color(30, 30, 30)
    for row in range(20):
        document.rect(20, 20 + row * 10, 150, 4, style="F")
    return bytes(document.output())


def odt(*paragraphs: str, body: str | None = None, mimetype: bytes = b"application/vnd.oasis.opendocument.text",
        content: bytes | None = None) -> bytes:
    text_ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    if body is None:
        body = "".join(f"<text:p>{paragraph}</text:p>" for paragraph in paragraphs)
    if content is None:
        content = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
            f'xmlns:text="{text_ns}" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" office:version="1.3">'
            f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
        ).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # The OpenDocument rule: "mimetype" first and stored, then the rest deflated.
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
            'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
            '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>',
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return buffer.getvalue()


# --- PDF ---------------------------------------------------------------------------------------------------------

def test_pdf_paragraphs_become_utterances_without_speaker_or_times():
    data = pdf_with_text("Field notes from the depot visit.", "The pickers keep their own paper lists.")
    result = parse_transcript(data, "notes.pdf")
    assert result.format == "pdf"
    assert result.utterances == [
        U(NOBODY, None, None, "Field notes from the depot visit."),
        U(NOBODY, None, None, "The pickers keep their own paper lists."),
    ]
    assert result.duration_ms is None


def test_pdf_with_name_lines_becomes_turns():
    data = pdf_with_text("Interviewer: How do you plan the week?", "Dana: On paper, every Monday.")
    result = parse_transcript(data, "call.pdf")
    assert result.utterances == [
        U("Interviewer", None, None, "How do you plan the week?"),
        U("Dana", None, None, "On paper, every Monday."),
    ]


def test_pdf_pages_are_all_read():
    result = parse_transcript(pdf_with_text("Dana: Still on paper", pages=3), "long.pdf")
    assert [u.text for u in result.utterances] == ["Still on paper (page 1) Still on paper (page 2) Still on paper (page 3)"]


def test_pdf_without_a_text_layer_fails_with_a_reason():
    data = pdf_without_text()
    assert check_upload(data, "scan.pdf") == "pdf"  # a valid PDF: accepted, then refused with a reason
    with pytest.raises(TranscriptError, match="no text layer") as error:
        parse_transcript(data, "scan.pdf")
    assert "OCR" in error.value.message


@pytest.mark.parametrize(
    ("data", "expected", "kind"),
    [
        (b"Dana: hello, this is not a PDF at all", "not a PDF document", UnsupportedFile),
        (b"%PDF-1.7\n1 0 obj garbage", "damaged or not a PDF", TranscriptError),
    ],
)
def test_broken_pdfs_are_refused_with_a_reason(data, expected, kind):
    with pytest.raises(kind, match=expected):
        parse_transcript(data, "broken.pdf")


def test_truncated_pdf_is_refused_with_a_reason():
    data = pdf_with_text("Dana: hello")
    with pytest.raises(TranscriptError, match="damaged or not a PDF|no text layer"):
        parse_transcript(data[: len(data) // 3], "cut.pdf")


# --- HTML --------------------------------------------------------------------------------------------------------

HTML = b"""<!DOCTYPE html>
<html><head><title>Survey export</title><style>p { color: red }</style>
<script>document.write("Injected: never read")</script></head>
<body>
<nav>Home</nav>
<h1>Open answers</h1>
<p>The setup took   two
   weeks, mostly waiting for IT.</p>
<!-- Comment: not text -->
<ul><li>Too many clicks</li><li>Good support</li></ul>
<p>Ann: I export to Excel.<br>Ben: I never export.</p>
<noscript>Enable JavaScript</noscript>
<script type="text/javascript">var secret = "Mallory: stolen";</script>
<table><tr><td>Cell one</td><td>Cell two</td></tr></table>
<p>Caf&eacute; &amp; bar</p>
</body></html>"""


def test_html_keeps_readable_text_and_drops_scripts_and_styles():
    result = parse_transcript(HTML, "survey.html")
    assert result.format == "html"
    assert result.utterances == [
        U(NOBODY, None, None, "Home"),
        U(NOBODY, None, None, "Open answers"),
        U(NOBODY, None, None, "The setup took two weeks, mostly waiting for IT."),
        U(NOBODY, None, None, "Too many clicks"),
        U(NOBODY, None, None, "Good support"),
        U("Ann", None, None, "I export to Excel."),
        # As in Word documents, unlabelled paragraphs after a turn continue that speaker's turn.
        U("Ben", None, None, "I never export. Cell one Cell two Café & bar"),
    ]
    everything = " ".join(u.text for u in result.utterances)
    for hidden in ("Injected", "secret", "Mallory", "color", "Comment", "JavaScript", "Survey export"):
        assert hidden not in everything


def test_html_with_only_scripts_has_no_text():
    with pytest.raises(TranscriptError, match="no readable text"):
        parse_transcript(b"<html><script>alert(1)</script><style>a{}</style></html>", "empty.htm")


def test_html_entities_cannot_reach_files():
    page = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><p>Dana: &xxe; hello</p>'
    result = parse_transcript(page, "x.html")
    assert result.utterances[-1] == U("Dana", None, None, "&xxe hello")
    assert all("root:" not in u.text for u in result.utterances)


# --- Markdown ----------------------------------------------------------------------------------------------------

MARKDOWN = b"""# Interview with a warehouse lead

Notes taken by hand; the recording failed.
The second line of the same paragraph.

**Interviewer:** How do you plan the week?
**Dana:** On paper, every *Monday*. See [the board](https://example.invalid/board).

- Uses `Excel` at home
- Wants a phone app

```
Raw: pasted log line
```
"""


def test_markdown_paragraphs_lists_and_turns():
    result = parse_transcript(MARKDOWN, "notes.md")
    assert result.format == "md"
    assert result.utterances == [
        U(NOBODY, None, None, "Interview with a warehouse lead"),
        U(NOBODY, None, None, "Notes taken by hand; the recording failed. The second line of the same paragraph."),
        U("Interviewer", None, None, "How do you plan the week?"),
        # As in Word documents, unlabelled paragraphs after a turn continue that speaker's turn.
        U("Dana", None, None, "On paper, every Monday. See the board. Uses Excel at home Wants a phone app"),
        U("Raw", None, None, "pasted log line"),
    ]


def test_markdown_timestamps_are_kept_when_the_document_has_them():
    result = parse_transcript(b"[00:01:02] Dana: Hello\n\n[00:01:09] Sam: Hi", "call.markdown")
    assert result.utterances == [U("Dana", 62000, None, "Hello"), U("Sam", 69000, None, "Hi")]


def test_markdown_raw_html_loses_its_scripts():
    result = parse_transcript(b"Intro\n\n<div><script>alert('x')</script><p>Kept</p></div>\n", "a.md")
    assert [u.text for u in result.utterances] == ["Intro", "Kept"]


# --- OpenDocument text -------------------------------------------------------------------------------------------

def test_odt_paragraphs_headings_lists_tables_and_turns():
    body = (
        "<text:h>Field notes</text:h>"
        "<text:p>We met at the<text:s text:c=\"3\"/>depot.<text:note><text:note-body><text:p>Footnote</text:p>"
        "</text:note-body></text:note></text:p>"
        "<text:list><text:list-item><text:p>First point</text:p></text:list-item></text:list>"
        "<table:table><table:table-row><table:table-cell><text:p>In a table</text:p></table:table-cell>"
        "</table:table-row></table:table>"
        "<text:p><text:span>Dana:</text:span> We plan on paper.<text:line-break/>Sam: Why?</text:p>"
    )
    result = parse_transcript(odt(body=body), "notes.odt")
    assert result.format == "odt"
    assert result.utterances == [
        U(NOBODY, None, None, "Field notes"),
        U(NOBODY, None, None, "We met at the depot."),
        U(NOBODY, None, None, "First point"),
        U(NOBODY, None, None, "In a table"),
        U("Dana", None, None, "We plan on paper."),
        U("Sam", None, None, "Why?"),
    ]


def test_odt_with_an_external_entity_is_refused():
    content = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        b"<text:p>&xxe;</text:p></office:text></office:body></office:document-content>"
    )
    with pytest.raises(UnsupportedFile, match="refused for safety"):
        parse_transcript(odt(content=content), "xxe.odt")


def test_odt_billion_laughs_is_refused():
    content = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        b'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        b"<text:p>&b;</text:p></office:text></office:body></office:document-content>"
    )
    with pytest.raises(UnsupportedFile, match="refused for safety"):
        parse_transcript(odt(content=content), "laughs.odt")


def test_odt_zip_bomb_is_refused_before_inflating():
    padding = b"<text:p>" + b"a" * (60 * 1024 * 1024) + b"</text:p>"
    data = odt(content=padding)
    started = time.perf_counter()
    with pytest.raises(UnsupportedFile, match="zip bomb"):
        check_upload(data, "bomb.odt")
    assert time.perf_counter() - started < 0.5


def test_odt_limits_are_the_docx_limits():
    data = odt("Dana: " + secrets.token_urlsafe(300_000))  # incompressible: only the size limit can catch it
    with pytest.raises(UnsupportedFile, match="would expand to more than 256 KB; it may be a zip bomb"):
        check_upload(data, "big.odt", ParseLimits(docx_max_uncompressed_bytes=256 * 1024))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"Dana: plain text renamed", "damaged or not an OpenDocument text"),
        (odt("x", mimetype=b"application/vnd.oasis.opendocument.spreadsheet"), "not an OpenDocument text"),
    ],
)
def test_odt_that_is_not_a_text_document_is_refused(data, expected):
    with pytest.raises(UnsupportedFile, match=expected):
        check_upload(data, "sheet.odt")


def test_odt_with_broken_content_is_a_readable_error():
    with pytest.raises(TranscriptError, match="damaged or not an OpenDocument text"):
        parse_transcript(odt(content=b"<office:document-content><unclosed>"), "broken.odt")
