"""Writes for the interop app; import from here."""

from .backup import org_backup, org_backup_bytes, org_restore
from .exports import build_backup, export_files_eraser, export_job_create, export_job_run
from .imports import (
    ImportTooLarge,
    UnsupportedImport,
    detect_import_format,
    import_job_create,
    import_job_run,
    zip_limits,
)

__all__ = [
    "build_backup", "export_files_eraser", "export_job_create", "export_job_run",
    "org_backup", "org_backup_bytes", "org_restore", "ImportTooLarge", "UnsupportedImport", "detect_import_format", "import_job_create", "import_job_run", "zip_limits",
]
