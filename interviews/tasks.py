"""Thin tasks: take ids (org first), call one service."""

from django.core.exceptions import ValidationError
from django.db import OperationalError

from empathy_site.celery import app, fan_out_per_organisation, tenant_task

from . import services
from .models import Interview


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


@tenant_task(name="interviews.reprocess")
def interview_reprocess_task(org_id: int, interview_id: int) -> str | None:
    """"Run again" on failed background work: reprocess the interview from its original file."""
    interview = Interview.objects.filter(pk=interview_id).first()
    if interview is None:
        return None
    try:
        return services.interview_reprocess(interview=interview).status
    except ValidationError as error:  # nothing to redo (ready with highlights, original deleted...): say why
        return " ".join(error.messages)


@tenant_task(name="interviews.stale_claims_requeue", single_transaction=False)
def stale_claims_requeue_task(org_id: int) -> dict:
    return services.interviews_requeue_stale()


@app.task(name="interviews.stale_claims_sweep")
def stale_claims_sweep_task() -> int:
    """Beat, every minute: re-queue interviews whose worker died, one task per organisation."""
    return fan_out_per_organisation(stale_claims_requeue_task)


@tenant_task(name="interviews.retention_org")
def retention_org_task(org_id: int) -> int | None:
    run = services.retention_run_scheduled()
    return run.interview_count if run is not None else None


@app.task(name="interviews.retention_all", acks_late=True)
def retention_all_task() -> int:
    """Daily (beat): one task per organisation runs its retention policy (if on), so one org's failure stops no other."""
    return fan_out_per_organisation(retention_org_task)


# Media work runs ffmpeg outside any transaction; each service step opens its own tenant_atomic(). They claim
# their row first, so a redelivered task (late acks) does nothing twice.
@tenant_task(name="interviews.media_process", single_transaction=False, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=6)
def media_process_task(org_id: int, media_id: int) -> str | None:
    media = services.media_process(media_id=media_id)
    return media.status if media is not None else None


@tenant_task(name="interviews.clip_cut", single_transaction=False, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=6)
def clip_cut_task(org_id: int, clip_id: int) -> str | None:
    clip = services.clip_cut(clip_id=clip_id)
    return clip.status if clip is not None else None


@tenant_task(name="interviews.reel_build", single_transaction=False, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=6)
def reel_build_task(org_id: int, reel_id: int) -> str | None:
    reel = services.reel_build(reel_id=reel_id)
    return reel.status if reel is not None else None


@tenant_task(name="interviews.media_silence", single_transaction=False, autoretry_for=(OperationalError,),
             retry_backoff=True, max_retries=6)
def media_silence_task(org_id: int, media_id: int) -> str | None:
    media = services.media_silence(media_id=media_id)
    return (media.silencing or "done") if media is not None else None


@tenant_task(name="interviews.media_uploads_sweep_org", single_transaction=False)
def media_uploads_sweep_org_task(org_id: int) -> int:
    return services.media_uploads_sweep()


@app.task(name="interviews.media_uploads_sweep")
def media_uploads_sweep_task() -> int:
    """Beat, hourly: chunked uploads abandoned for a day are removed, one task per organisation."""
    return fan_out_per_organisation(media_uploads_sweep_org_task)
