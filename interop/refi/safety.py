"""Untrusted archives and XML: refused before anything is expanded.

Zip members are checked from the central directory's declared sizes (as the DOCX check in
interviews.parsers.detection does) and again while reading, so a lying header cannot pass: total and
per-member size, compression ratio, member count, and names that would leave the archive (absolute paths,
`..`, drive letters, backslashes). XML is parsed by defusedxml with DTDs forbidden (no entities, no XXE).
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

# Below this, a high ratio is harmless (a tiny file of repeated spaces).
_RATIO_FLOOR_BYTES = 1024 * 1024


class ImportRefused(Exception):
    """The file is refused as a whole; `message` is meant for the researcher."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class ZipLimits:
    max_uncompressed_bytes: int = 500 * 1024 * 1024
    max_compression_ratio: int = 100
    max_members: int = 20000


def _unsafe_name(name: str) -> bool:
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name:
        return True
    if len(name) > 1 and name[1] == ":":
        return True  # C:...
    normal = posixpath.normpath(name)
    return normal.startswith("..") or "/../" in f"/{normal}/" or normal.startswith("/")


def _ratio(size: int, compressed: int) -> float:
    return size / max(compressed, 1)


def open_zip(data: bytes, limits: ZipLimits, what: str) -> dict[str, bytes]:
    """Every member's bytes by name, after the checks above. Directories are left out."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise ImportRefused(f"This {what} is not a readable zip archive; export it again from your QDA tool.") from None
    with archive:
        members = archive.infolist()
        if len(members) > limits.max_members:
            raise ImportRefused(f"This {what} holds {len(members)} files; at most {limits.max_members} are accepted.")
        total = total_compressed = 0
        for member in members:
            if _unsafe_name(member.filename):
                raise ImportRefused(
                    f"This {what} was refused: it holds a file named “{member.filename[:80]}” that points outside the "
                    "archive (an absolute path or ..)."
                )
            if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ImportRefused(f"This {what} uses a compression method that is not accepted; save it again.")
            total += member.file_size
            total_compressed += member.compress_size
            if member.file_size > _RATIO_FLOOR_BYTES and _ratio(member.file_size, member.compress_size) > limits.max_compression_ratio:
                raise ImportRefused(f"This {what} was refused: a file in it expands over {limits.max_compression_ratio} "
                                    "times its compressed size; it may be a zip bomb.")
        if total > limits.max_uncompressed_bytes:
            raise ImportRefused(
                f"This {what} was refused: it expands to {total / 1048576:.0f} MB, over the limit of "
                f"{limits.max_uncompressed_bytes / 1048576:.0f} MB; it may be a zip bomb."
            )
        if total > _RATIO_FLOOR_BYTES and _ratio(total, total_compressed) > limits.max_compression_ratio:
            raise ImportRefused(f"This {what} was refused: it expands over {limits.max_compression_ratio} times its "
                                "size; it may be a zip bomb.")
        contents, read_total = {}, 0
        for member in members:
            if member.is_dir():
                continue
            try:
                # Read at most what was declared (+1 to notice a lie): the declared sizes were checked above.
                with archive.open(member) as handle:
                    body = handle.read(member.file_size + 1)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
                raise ImportRefused(f"This {what} is damaged (a file in it cannot be read); export it again.") from None
            if len(body) > member.file_size:
                raise ImportRefused(f"This {what} was refused: a file in it is larger than its header says.")
            read_total += len(body)
            contents[posixpath.normpath(member.filename)] = body
        return contents


def parse_xml(data: bytes, what: str):
    """The root element of untrusted XML. DTDs (and so entities and external references) are refused."""
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ImportRefused(f"This {what} was refused: it declares a DTD or entities, which QDA-XML never needs "
                            "(a sign of an XML attack).") from None
    except SafeET.ParseError as error:
        raise ImportRefused(f"This {what} is not well-formed XML ({error}); export it again.") from None
