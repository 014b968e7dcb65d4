"""Writes for the interop app; import from here."""

from .imports import (
    ImportTooLarge,
    UnsupportedImport,
    detect_import_format,
    import_job_create,
    import_job_run,
    zip_limits,
)

__all__ = [
    "ImportTooLarge", "UnsupportedImport", "detect_import_format", "import_job_create", "import_job_run", "zip_limits",
]
