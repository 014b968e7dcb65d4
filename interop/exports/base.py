"""What every export returns."""

import re
import tempfile
from dataclasses import dataclass

from django.utils import timezone

SPOOL_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Export:
    extension: str
    media_type: str


@dataclass
class ExportFile:
    stream: object  # a binary file object positioned at its start
    filename: str
    media_type: str


def spooled():
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)


def filename(stem: str, export: Export) -> str:
    """A safe file name: the subject, today's date, the extension."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")[:60] or "export"
    return f"{stem}-{timezone.localdate().isoformat()}.{export.extension}"


def finished(stream, name: str, export: Export) -> ExportFile:
    stream.seek(0)
    return ExportFile(stream=stream, filename=name, media_type=export.media_type)
