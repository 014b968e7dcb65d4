"""Reads for the interop app; import from here."""

from .exports import export_is_large, export_job_list, export_jobs_visible
from .imports import import_job_list
from .project import codebook_codes, line_label, project_snapshot
from .research import (
    HighlightRow,
    export_codebook,
    export_highlights,
    export_persona,
    export_transcript,
    top_level_of,
)

__all__ = [name for name in dir() if not name.startswith("_")]
