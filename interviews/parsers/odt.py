"""OpenDocument text (.odt, LibreOffice and Google Docs): the paragraphs and headings of content.xml.

Callers must run the zip checks in ``detection.check_upload`` first (the same limits as .docx). The XML
is read with defusedxml, which refuses DTDs, entity declarations and external references.
"""

from __future__ import annotations

import io
import zipfile

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from .base import ODT_DAMAGED_MESSAGE, ParsedUtterance, TranscriptError, UnsupportedFile
from .txt import parse_paragraphs

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_PARAGRAPHS = {f"{{{_TEXT}}}p", f"{{{_TEXT}}}h"}
# Footnotes, comments and tracked deletions are not part of what was said.
_SKIPPED = {f"{{{_TEXT}}}note", f"{{{_OFFICE}}}annotation", f"{{{_TEXT}}}tracked-changes"}
_SPACE = f"{{{_TEXT}}}s"
_TAB = f"{{{_TEXT}}}tab"
_LINE_BREAK = f"{{{_TEXT}}}line-break"


def parse(data: bytes) -> tuple[list[ParsedUtterance], str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            content = archive.read("content.xml")
        root = ElementTree.fromstring(content)
    except DefusedXmlException:
        raise UnsupportedFile(
            "This .odt file contains XML declarations office programs never write, so it was refused for safety. "
            "Save it again from LibreOffice."
        ) from None
    except Exception:  # KeyError (no content.xml), ParseError, bad CRCs, truncated members
        raise TranscriptError(ODT_DAMAGED_MESSAGE) from None
    paragraphs = [text for text in _paragraphs(root) if text.strip()]
    if not paragraphs:
        raise TranscriptError("The OpenDocument file contains no text.")
    utterances, _ = parse_paragraphs(paragraphs, from_docx=True)
    return utterances, "odt"


def _paragraphs(element):
    """Paragraph texts in reading order, including those in lists, tables and sections."""
    for child in element:
        if child.tag in _SKIPPED:
            continue
        if child.tag in _PARAGRAPHS:
            yield "".join(_text(child))
        else:
            yield from _paragraphs(child)


def _text(element):
    if element.text:
        yield element.text
    for child in element:
        if child.tag == _SPACE:
            yield " " * _count(child.get(f"{{{_TEXT}}}c"))
        elif child.tag == _TAB:
            yield "\t"
        elif child.tag == _LINE_BREAK:
            yield "\n"
        elif child.tag not in _SKIPPED:
            yield from _text(child)
        if child.tail:
            yield child.tail


def _count(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 1000))
    except ValueError:
        return 1
