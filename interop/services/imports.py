"""Imports: a REFI-QDA project (.qdpx) or codebook (.qdc), or a codebook spreadsheet (.csv, .xlsx), as a job.

The upload is stored and a Celery task runs it. The task claims the job, then applies the whole file in one
transaction holding the job's row: all or nothing per file, and a second run of the same task (late acks, a
redelivery) waits for the first and then finds the job done, so nothing is created twice. A worker that dies
mid-import leaves the job processing with nothing written; the redelivered task takes it over.
"""

from __future__ import annotations

import io
import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import OperationalError, transaction

from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import User

from .. import refi
from ..models import ImportJob
from .apply import apply_codebook, apply_project
from .jobs import job_claim, job_finish, job_hold
from .spreadsheets import read_codebook_table

logger = logging.getLogger(__name__)

UNEXPECTED_FAILURE = (
    "Something went wrong on our side while importing this file, so nothing from it was imported. "
    "Try again; if it fails again, send the file to support."
)


class UnsupportedImport(refi.ImportRefused):
    """Not a file this import takes: answered 415 (unsupported_file)."""


class ImportTooLarge(refi.ImportRefused):
    """Over IMPORT_MAX_BYTES: answered 413 (too_large)."""


def zip_limits() -> refi.ZipLimits:
    return refi.ZipLimits(
        max_uncompressed_bytes=settings.IMPORT_MAX_UNCOMPRESSED_BYTES,
        max_compression_ratio=settings.DOCX_MAX_COMPRESSION_RATIO,
        max_members=settings.IMPORT_MAX_ZIP_MEMBERS,
    )


def detect_import_format(name: str, head: bytes) -> str:
    """qdpx, qdc, csv or xlsx, from the extension checked against the first bytes."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    is_zip = head.startswith(b"PK\x03\x04")
    if extension in ("qdpx", "xlsx") and is_zip:
        return extension
    if extension in ("qdc", "xml") and not is_zip and b"\x00" not in head[:1024]:
        return "qdc"
    if extension == "csv" and not is_zip and b"\x00" not in head[:4096]:
        return "csv"
    raise UnsupportedImport(
        "Import takes a REFI-QDA project (.qdpx), a REFI-QDA codebook (.qdc), or a codebook as .csv or .xlsx; "
        "this file is none of those (or its content does not match its extension)."
    )


def import_job_create(*, uploaded_file, split_names: bool = False, by: User | None = None) -> ImportJob:
    """Store the upload and queue its import. Raises ImportTooLarge or UnsupportedImport at once."""
    size = getattr(uploaded_file, "size", None)
    limit = settings.IMPORT_MAX_BYTES
    if size is not None and size > limit:
        raise ImportTooLarge(f"The file is {size / 1048576:.1f} MB; the import limit is {limit / 1048576:g} MB.")
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise ImportTooLarge(f"The file is over the import limit of {limit / 1048576:g} MB.")
    if not data:
        raise UnsupportedImport("The file is empty.")
    name = (getattr(uploaded_file, "name", "") or "upload").rsplit("/", 1)[-1][-255:]
    fmt = detect_import_format(name, data[:4096])
    storage = ImportJob._meta.get_field("file").storage
    stored = storage.save(f"imports/{require_org_id()}/{uuid.uuid4()}/upload.{fmt}", ContentFile(data))
    try:
        with tenant_atomic():
            job = ImportJob.objects.create(
                organization_id=require_org_id(), filename=name, format=fmt, file=stored, file_size=len(data),
                split_names=split_names, created_by=by,
            )
            org_id, job_id = job.organization_id, job.pk
            transaction.on_commit(lambda: _queue(org_id, job_id))
    except Exception:
        storage.delete(stored)
        raise
    return job


def _queue(org_id: int, job_id: int) -> None:
    from ..tasks import import_run_task  # not at the top: the tasks module imports these services

    import_run_task.delay(org_id, job_id)


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run the import; safe to run twice (see the module's docstring). None: nothing to do."""
    if not job_claim(ImportJob, job_id):
        return None
    with tenant_atomic():
        # Held until the import commits: a second run waits here, then sees the job done.
        job = job_hold(ImportJob, job_id)
        if job is None:
            return ImportJob.objects.filter(pk=job_id).first()
        try:
            with transaction.atomic():  # a savepoint: a failure undoes every write, the failure state commits
                report = _run(job)
        except (refi.ImportRefused, ValidationError) as error:
            message = error.message if isinstance(error, refi.ImportRefused) else " ".join(error.messages)
            return _finish(job, status=ImportJob.Status.FAILED, error=message, report={})
        except OperationalError:
            raise
        except Exception:
            logger.exception("Import %s of organisation %s failed", job_id, job.organization_id)
            return _finish(job, status=ImportJob.Status.FAILED, error=UNEXPECTED_FAILURE, report={})
        return _finish(job, status=ImportJob.Status.DONE, error=None, report=report)


def _finish(job: ImportJob, *, status: str, error: str | None, report: dict) -> ImportJob:
    job.report = report
    job_finish(job, status=status, error=error, fields=("report",))
    name, storage = job.file.name, job.file.storage
    if name:  # the upload goes once the outcome is committed; it is not needed again
        transaction.on_commit(lambda: storage.delete(name))
    return job


def _run(job: ImportJob) -> dict:
    try:
        with job.file.open("rb") as handle:
            data = handle.read()
    except (FileNotFoundError, ValueError):
        raise refi.ImportRefused("The uploaded file is missing from storage; upload it again.") from None
    by = job.created_by
    if job.format == ImportJob.Format.QDPX:
        report = apply_project(refi.read_project(data, zip_limits()), split_names=job.split_names, by=by)
    elif job.format == ImportJob.Format.QDC:
        report = apply_codebook(refi.read_codebook(data), split_names=job.split_names, by=by)
    else:
        codes = read_codebook_table(io.BytesIO(data), fmt=job.format, limits=zip_limits())
        report = apply_codebook(codes, split_names=job.split_names, by=by)
    return {"format": job.format, **report}
