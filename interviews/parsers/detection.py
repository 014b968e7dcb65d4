"""Upload-time checks: what kind of file is this, and is it safe to parse?

Everything here must be cheap: it runs inside the upload request. For .docx only
the zip central directory is read, so a zip bomb is refused before any byte is
inflated or any XML parser runs.
"""

from __future__ import annotations

import io
import os
import re
import zipfile

from .base import DAMAGED_DOCX_MESSAGE, DEFAULT_LIMITS, ODT_DAMAGED_MESSAGE, ODT_MIMETYPE, ParseLimits, UnsupportedFile
from .encoding import DecodedText, decode_bytes, peek_text

_EXTENSIONS = {
    ".vtt": "vtt",
    ".webvtt": "vtt",
    ".srt": "srt",
    ".txt": "txt",
    ".docx": "docx",
    ".json": "json",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".md": "md",
    ".markdown": "md",
    ".odt": "odt",
}
ACCEPTED_EXTENSIONS = tuple(_EXTENSIONS)
_ACCEPTED = ".vtt, .srt, .txt, .docx, .json, .pdf, .html, .md or .odt"
# Formats read from the bytes rather than from decoded text.
_BINARY_FORMATS = ("docx", "odt", "pdf")
_PDF_MAGIC = b"%PDF-"
_DOCUMENT_NAMES = {".docx": "a Word document", ".odt": "an OpenDocument text"}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc and password-protected .docx
_ZIP_MAGIC = b"PK\x03\x04"
_MAX_ZIP_MEMBERS = 2000
# Ratios are only meaningful for sizeable members; tiny XML parts can compress
# very well without being dangerous.
_RATIO_FLOOR_BYTES = 64 * 1024
_SRT_START_RE = re.compile(r"\s*(?:\d+\s*\n)?\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->")


def detect_format(data: bytes, filename: str) -> str:
    """Format name from the extension, corrected by content for mislabelled .txt files."""
    if not data:
        raise UnsupportedFile("The file is empty.")
    name = os.path.basename(filename or "")
    extension = os.path.splitext(name)[1].lower()
    if extension == ".doc":
        raise UnsupportedFile(f"'{name}' is an old-style Word .doc file. Save it as .docx in Word and upload that.")
    fmt = _EXTENSIONS.get(extension)
    if fmt is None:
        shown = f"'{name}'" if name else "The file"
        raise UnsupportedFile(f"{shown} is not a supported transcript type. Upload a {_ACCEPTED} file.")
    if fmt == "txt":
        fmt = _sniff_text(data) or fmt
    return fmt


def check_upload(data: bytes, filename: str, limits: ParseLimits = DEFAULT_LIMITS) -> str:
    """Refuse unusable uploads quickly; return the detected format."""
    return inspect_upload(data, filename, limits)[0]


def inspect_upload(data: bytes, filename: str, limits: ParseLimits = DEFAULT_LIMITS) -> tuple[str, DecodedText | None]:
    """Like ``check_upload`` but also hand back the decoded text so it is decoded once."""
    if not data:
        raise UnsupportedFile("The file is empty.")
    if len(data) > limits.max_bytes:
        raise UnsupportedFile(f"The file is {_megabytes(len(data))}; the limit is {_megabytes(limits.max_bytes)}.")
    fmt = detect_format(data, filename)
    if fmt == "docx":
        check_docx_archive(data, limits)
    elif fmt == "odt":
        check_odt_archive(data, limits)
    elif fmt == "pdf":
        check_pdf(data)
    if fmt in _BINARY_FORMATS:
        return fmt, None
    return fmt, decode_bytes(data)


def check_pdf(data: bytes) -> None:
    # The header may follow a little junk; PDF readers accept it within the first kilobyte.
    if _PDF_MAGIC not in data[:1024]:
        raise UnsupportedFile("This .pdf file is not a PDF document. Export it as PDF again and upload that.")


def check_odt_archive(data: bytes, limits: ParseLimits) -> None:
    """An .odt is a zip like a .docx: the same limits, then its mimetype and content.xml must be there."""
    members = _checked_zip_members(data, limits, kind=".odt", damaged=ODT_DAMAGED_MESSAGE)
    names = {member.filename for member in members}
    if "content.xml" not in names or "mimetype" not in names:
        raise UnsupportedFile(ODT_DAMAGED_MESSAGE)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            mimetype = archive.read("mimetype")[:200].strip()
        except Exception:  # corrupt deflate data or a bad CRC in the first member
            raise UnsupportedFile(ODT_DAMAGED_MESSAGE) from None
    if mimetype != ODT_MIMETYPE:
        raise UnsupportedFile(
            "This .odt file is not an OpenDocument text (it may be a spreadsheet or a presentation). "
            "Save the transcript as a text document (.odt) and upload that."
        )


def check_docx_archive(data: bytes, limits: ParseLimits) -> None:
    """Validate a .docx zip using only its central directory (declared sizes)."""
    if data.startswith(_OLE_MAGIC):
        raise UnsupportedFile(
            "This file is an old-style .doc or a password-protected Word document. "
            "Remove the password or save it as .docx, then upload it again."
        )
    members = _checked_zip_members(data, limits, kind=".docx", damaged=DAMAGED_DOCX_MESSAGE)
    if not any(member.filename == "[Content_Types].xml" for member in members):
        raise UnsupportedFile(DAMAGED_DOCX_MESSAGE)


def _checked_zip_members(data: bytes, limits: ParseLimits, *, kind: str, damaged: str) -> list[zipfile.ZipInfo]:
    """The members of an office zip (.docx, .odt), refused when it could be a zip bomb or is encrypted."""
    if not data.startswith(_ZIP_MAGIC):
        raise UnsupportedFile(damaged)
    declared = _declared_member_count(data)
    if declared is not None and declared > _MAX_ZIP_MEMBERS:
        # Checked before ZipFile, which would spend seconds reading every entry.
        raise UnsupportedFile(f"This {kind} archive has {declared} parts, far more than {_DOCUMENT_NAMES[kind]}.")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise UnsupportedFile(damaged) from None

    if len(members) > _MAX_ZIP_MEMBERS:
        raise UnsupportedFile(f"This {kind} archive has {len(members)} parts, far more than {_DOCUMENT_NAMES[kind]}.")

    total = 0
    total_compressed = 0
    for member in members:
        if member.flag_bits & 0x1:
            raise UnsupportedFile(f"This {kind} file is encrypted. Remove the password and upload it again.")
        if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsupportedFile(damaged)
        total += member.file_size
        total_compressed += member.compress_size
        if (
            member.file_size > _RATIO_FLOOR_BYTES
            and _ratio(member.file_size, member.compress_size) > limits.docx_max_compression_ratio
        ):
            raise UnsupportedFile(
                _bomb_message(kind, f"its part '{member.filename}' is compressed suspiciously well")
            )
        if total > limits.docx_max_uncompressed_bytes:
            raise UnsupportedFile(
                _bomb_message(kind, f"it would expand to more than {_megabytes(limits.docx_max_uncompressed_bytes)}")
            )
    if total > _RATIO_FLOOR_BYTES and _ratio(total, total_compressed) > limits.docx_max_compression_ratio:
        raise UnsupportedFile(_bomb_message(kind, "it is compressed suspiciously well"))
    return members


def _declared_member_count(data: bytes) -> int | None:
    """Entry count from the end-of-central-directory record (or its ZIP64 twin)."""
    end = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if end < 0 or end + 12 > len(data):
        return None
    count = int.from_bytes(data[end + 10 : end + 12], "little")
    if count != 0xFFFF:
        return count
    locator = end - 20
    if locator < 0 or data[locator : locator + 4] != b"PK\x06\x07":
        return None
    record = int.from_bytes(data[locator + 8 : locator + 16], "little")
    if data[record : record + 4] != b"PK\x06\x06" or record + 40 > len(data):
        return None
    return int.from_bytes(data[record + 32 : record + 40], "little")


def _ratio(size: int, compressed: int) -> float:
    return size / compressed if compressed else float("inf")


def _bomb_message(kind: str, reason: str) -> str:
    return f"This {kind} file was refused because {reason}; it may be a zip bomb."


def _sniff_text(data: bytes) -> str | None:
    """Recognise captions saved with a .txt extension (a common browser download)."""
    head = peek_text(data).replace("\r", "\n").lstrip("\ufeff \t\n")
    if head[:6].upper() == "WEBVTT" and (len(head) == 6 or head[6] in " \t\n"):
        return "vtt"
    if _SRT_START_RE.match(head):
        return "srt"
    return None


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"
    return f"{size / (1024 * 1024):.1f} MB"
