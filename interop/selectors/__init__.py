"""Reads for the interop app; import from here."""

from .imports import import_job_list
from .project import codebook_codes, project_snapshot

__all__ = ["codebook_codes", "import_job_list", "project_snapshot"]
