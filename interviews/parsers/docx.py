"""Word (.docx) transcripts: Teams and Google Meet exports, Otter and hand-made documents.

Callers must run the zip checks in ``detection.check_upload`` first; this module
assumes the archive's declared sizes are sane.
"""

from __future__ import annotations

import io
import zipfile

from .base import DAMAGED_DOCX_MESSAGE, ParsedUtterance, TranscriptError, UnsupportedFile
from .txt import parse_paragraphs

# Word never writes a DTD; one in a part is a sign of an entity-expansion attack.
_DTD_MARKERS = tuple(
    marker.encode(codec) for marker in ("<!DOCTYPE", "<!ENTITY") for codec in ("ascii", "utf-16-le", "utf-16-be")
)


def parse(data: bytes) -> tuple[list[ParsedUtterance], str]:
    _refuse_dtds(data)
    try:
        paragraphs = _paragraph_texts(data)
    except TranscriptError:
        raise
    except Exception:  # python-docx raises many types (KeyError, lxml, ValueError) for broken files
        raise TranscriptError(DAMAGED_DOCX_MESSAGE) from None

    if not any(text.strip() for text in paragraphs):
        raise TranscriptError("The Word document contains no text.")
    return parse_paragraphs(paragraphs, from_docx=True)


def _refuse_dtds(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for info in archive.infolist():
                if info.filename.endswith((".xml", ".rels")):
                    head = archive.read(info)
                    if any(marker in head for marker in _DTD_MARKERS):
                        raise UnsupportedFile(
                            "This .docx file contains XML declarations Word never writes, "
                            "so it was refused for safety. Save it again from Word."
                        )
    except UnsupportedFile:
        raise
    except Exception:  # corrupt deflate data, bad CRCs, truncated members
        raise TranscriptError(DAMAGED_DOCX_MESSAGE) from None


def _paragraph_texts(data: bytes) -> list[str]:
    import docx  # python-docx; imported lazily so text-only callers don't pay for lxml
    from docx.oxml.ns import qn

    body = docx.Document(io.BytesIO(data)).element.body
    # python-docx renders <w:br/> and <w:cr/> as "\n", which is how Teams
    # separates time, speaker and speech inside one paragraph.
    return [paragraph.text for paragraph in _paragraphs(body, qn)]


def _paragraphs(container, qn):
    """Paragraphs in reading order, including those in tables and content controls."""
    for child in container.iterchildren():
        if child.tag == qn("w:p"):
            yield child
        elif child.tag == qn("w:tbl"):
            for row in child.iterchildren(qn("w:tr")):
                for cell in row.iterchildren(qn("w:tc")):
                    yield from _paragraphs(cell, qn)
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                yield from _paragraphs(content, qn)
        elif child.tag == qn("w:customXml"):
            yield from _paragraphs(child, qn)
