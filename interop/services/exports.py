"""Whole-project exports (QDPX) and the organisation's backup, built by a background job when large.

A request that would build more than EXPORT_BACKGROUND_UTTERANCES utterances' worth queues an ExportJob instead
(or returns the same one already queued for the same file); a Celery task claims it, builds the file into default
storage and finishes it, and the file is then read through a signed, expiring link (/files/<token>, as the
recordings are) that names the organisation and the job. Run twice (a redelivery), the second run waits on the
job's row and then finds it done; a worker that dies leaves it processing with nothing kept, and the
redelivered task takes it over.
"""

from __future__ import annotations

import contextlib
import logging
import uuid

from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import OperationalError, transaction

from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import Organization, User

from .. import exports
from ..models import ExportJob
from .backup import org_backup
from .jobs import job_claim, job_finish, job_hold

logger = logging.getLogger(__name__)

EXPORT_FAILURE = (
    "Something went wrong on our side while building this export, so there is no file. Try again; if it fails "
    "again, tell support."
)
BACKUP = exports.Export("zip", "application/zip")


def export_job_create(*, kind: str, personal_data: bool, study=None, by: User | None = None) -> ExportJob:
    """Queue the export, or return the same export already waiting for a worker (asking again starts nothing)."""
    with tenant_atomic():
        same = ExportJob.objects.filter(kind=kind, study=study, personal_data=personal_data,
                                        status__in=[ExportJob.Status.QUEUED, ExportJob.Status.PROCESSING])
        job = same.order_by("-created_at", "-id").first()
        if job is not None:
            return job
        job = ExportJob.objects.create(organization_id=require_org_id(), kind=kind, study=study,
                                       personal_data=personal_data, created_by=by)
        org_id, job_id = job.organization_id, job.pk
        transaction.on_commit(lambda: _queue(org_id, job_id))
    return job


def _queue(org_id: int, job_id: int) -> None:
    from ..tasks import export_run_task  # not at the top: the tasks module imports these services

    export_run_task.delay(org_id, job_id)


def build_backup() -> exports.ExportFile:
    """The organisation's backup as a file, as `manage.py export_org` writes it."""
    stream = exports.base.spooled()
    org_backup(target=stream)
    slug = Organization.objects.only("slug").get(pk=require_org_id()).slug
    return exports.base.finished(stream, exports.base.filename(f"{slug}-backup", BACKUP), BACKUP)


def _build(job: ExportJob) -> exports.ExportFile:
    if job.kind == ExportJob.Kind.BACKUP:
        return build_backup()
    return exports.project_qdpx(personal_data=job.personal_data, study=job.study)


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Build the export into storage; safe to run twice (see the module's docstring). None: nothing to do."""
    if not job_claim(ExportJob, job_id):
        return None
    with tenant_atomic():
        job = job_hold(ExportJob, job_id)  # held until the outcome commits
        if job is None:
            return ExportJob.objects.filter(pk=job_id).first()
        stored = None
        try:
            built = _build(job)
            stored = default_storage.save(f"exports/{job.organization_id}/{uuid.uuid4()}/{built.filename}",
                                          File(built.stream))
            job.filename, job.media_type, job.file_name = built.filename, built.media_type, stored
            job.file_size = default_storage.size(stored)
        except OperationalError:
            _delete_later(stored)
            raise
        except Exception:
            logger.exception("Export %s of organisation %s failed", job_id, job.organization_id)
            _delete_later(stored)
            job.file_name, job.file_size = "", 0
            return job_finish(job, status=ExportJob.Status.FAILED, error=EXPORT_FAILURE,
                              fields=("file_name", "file_size"))
        return job_finish(job, status=ExportJob.Status.DONE, error=None,
                          fields=("filename", "media_type", "file_name", "file_size"))


def _delete_later(name: str | None) -> None:
    if name:
        default_storage.delete(name)


@contextlib.contextmanager
def export_files_eraser(organization):
    """Registered with tenancy's organisation deletion (apps.py): the cascade takes the jobs, this their files,
    once the deletion has committed. Precondition: the organisation is the active tenant."""
    names = [name for name in ExportJob.objects.values_list("file_name", flat=True) if name]
    yield
    transaction.on_commit(lambda: [default_storage.delete(name) for name in names])
