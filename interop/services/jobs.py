"""What import and export jobs share: a worker claims a job (queued, or processing with no live worker holding
its row), holds its row while it works, and finishes it done or failed in the same transaction."""

from __future__ import annotations

from django.utils import timezone

from empathy_site.tenancy.context import tenant_atomic

from ..models import Job, JobStatus


def job_claim(model: type[Job], job_id: int) -> bool:
    """Queued, or processing with no live worker holding it (one that died): now processing."""
    with tenant_atomic():
        job = (model.objects.select_for_update(skip_locked=True)
               .filter(pk=job_id, status__in=[JobStatus.QUEUED, JobStatus.PROCESSING]).first())
        if job is None:
            return False
        job.status, job.progress, job.error = JobStatus.PROCESSING, 10, None
        job.save(update_fields=["status", "progress", "error", "updated_at"])
        return True


def job_hold(model: type[Job], job_id: int) -> Job | None:
    """The claimed job, its row held until the caller's transaction ends (a second run of the same task waits
    here, then finds it finished); None when it is not processing any more. Precondition: inside tenant_atomic()."""
    job = model.objects.select_for_update().filter(pk=job_id).first()
    if job is None or job.status != JobStatus.PROCESSING:
        return None
    return job


def job_finish(job: Job, *, status: str, error: str | None, fields: tuple = ()) -> Job:
    """Done or failed; `fields`: what else the caller set on the job, saved with it."""
    job.status, job.error, job.progress, job.finished_at = status, error, 100, timezone.now()
    job.save(update_fields=["status", "error", "progress", "finished_at", "updated_at", *fields])
    return job
