"""Thin tasks: take ids (org first), call one service."""

from django.db import OperationalError

from empathy_site.celery import tenant_task

from . import services


@tenant_task(
    name="interop.import_run",
    single_transaction=False,  # the service commits its claim first, so `processing` is visible
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=6,
)
def import_run_task(org_id: int, job_id: int) -> str | None:
    job = services.import_job_run(job_id=job_id)
    return job.status if job is not None else None


@tenant_task(
    name="interop.export_run",
    single_transaction=False,  # the service commits its claim first, so `processing` is visible
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=6,
)
def export_run_task(org_id: int, job_id: int) -> str | None:
    job = services.export_job_run(job_id=job_id)
    return job.status if job is not None else None
