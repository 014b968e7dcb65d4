"""PDF documents (field notes, exported transcripts): the text layer, page by page.

A scanned PDF has no text layer; it fails with a reason instead of becoming an empty interview.
"""

from __future__ import annotations

import io
import logging
import re

from .base import ParsedUtterance, TranscriptError, UnsupportedFile
from .txt import parse_paragraphs

MAX_PDF_PAGES = 2000
DAMAGED_PDF_MESSAGE = "This PDF file is damaged or not a PDF. Open it and save or export it as PDF again."
NO_TEXT_LAYER_MESSAGE = (
    "This PDF has no text layer (it is probably a scan or a picture of text), so there is nothing to read. "
    "Run text recognition (OCR) on it, or export the transcript as text, then upload it again."
)
_PARAGRAPH_BREAK_RE = re.compile(r"\n[ \t]*\n")


def parse(data: bytes) -> tuple[list[ParsedUtterance], str]:
    from pypdf import PdfReader  # noqa: PLC0415 - imported lazily: only PDF uploads pay for pypdf
    from pypdf.errors import PdfReadError  # noqa: PLC0415 - same lazy import as above

    # pypdf logs every repair it makes to a sloppy file as a warning; those are not ours to report.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnsupportedFile("This PDF is protected by a password. Remove the password and upload it again.")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise UnsupportedFile(f"This PDF has {len(reader.pages)} pages; the limit is {MAX_PDF_PAGES}.")
        # Layout mode keeps the vertical gaps between paragraphs as empty lines.
        pages = [page.extract_text(extraction_mode="layout") or "" for page in reader.pages]
    except TranscriptError:
        raise
    except PdfReadError:
        raise TranscriptError(DAMAGED_PDF_MESSAGE) from None
    except Exception:  # pypdf raises many types (KeyError, ValueError, zlib.error...) for broken files
        raise TranscriptError(DAMAGED_PDF_MESSAGE) from None
    paragraphs = [part for page in pages for part in _PARAGRAPH_BREAK_RE.split(page) if part.strip()]
    if not paragraphs:
        raise TranscriptError(NO_TEXT_LAYER_MESSAGE)
    utterances, _ = parse_paragraphs(paragraphs, from_docx=False)
    return utterances, "pdf"
