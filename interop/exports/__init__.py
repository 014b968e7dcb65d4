"""Exports: files made from what the reader may see. Each returns an ExportFile (a stream, its name and type).

Large files are written to a temporary file (spooled to disk past a few megabytes) and streamed from there, so
memory stays flat whatever the organisation's size.
"""

from .base import Export, ExportFile
from .refi import CODEBOOK_QDC, PROJECT_QDPX, codebook_qdc, project_qdpx

__all__ = ["CODEBOOK_QDC", "PROJECT_QDPX", "Export", "ExportFile", "codebook_qdc", "project_qdpx"]
