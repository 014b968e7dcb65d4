"""Thin tasks: take ids (org first), call one service."""

from django.db import OperationalError

from empathy_site.celery import app, tenant_task

from . import services


@tenant_task(
    name="interviews.process",
    single_transaction=False,  # the service commits the claim first, so progress is visible
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    retry_backoff_max=300,
    max_retries=6,
)
def interview_process_task(org_id: int, interview_id: int) -> str | None:
    interview = services.interview_process(interview_id=interview_id)
    return interview.status if interview is not None else None


@app.task(name="interviews.retention_all", acks_late=True)
def retention_all_task() -> list:
    """Daily (beat): each organisation's retention policy, run in that organisation's scope."""
    return services.retention_run_all()
