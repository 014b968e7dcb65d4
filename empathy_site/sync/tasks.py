"""Thin tasks for webhook delivery; the work and its state live in webhooks.py and the database."""

from celery.signals import task_failure

from empathy_site.celery import app, tenant_task
from empathy_site.tenancy.context import activate_without_transaction, deactivate, tenant_scope
from empathy_site.tenancy.models import Organization

from . import webhooks


@tenant_task(name="sync.webhooks_deliver", single_transaction=False)
def webhooks_deliver_task(org_id: int) -> int:
    return webhooks.deliver_due()


@app.task(name="sync.webhooks_sweep")
def webhooks_sweep_task() -> int:
    """Beat: deliver whatever is due in every organisation (retries, lost kicks, dead workers' claims)."""
    sent = 0
    for organization in Organization.objects.order_by("pk"):
        token = activate_without_transaction(organization.pk)
        try:
            sent += webhooks.deliver_due()
        finally:
            deactivate(token)
    return sent


@task_failure.connect
def _record_failed_task(sender=None, task_id=None, exception=None, args=None, kwargs=None, **extra):
    """A task that failed for good becomes a record an admin can see and replay."""
    from .models import FailedTask

    request = getattr(sender, "request", None)
    if request is not None and getattr(sender, "max_retries", None) is not None and request.retries < sender.max_retries \
            and getattr(sender, "autoretry_for", ()):
        return  # it will be retried
    if not args or not isinstance(args[0], int):
        return  # not a tenant task: nothing to scope the record to
    try:
        with tenant_scope(args[0]):
            FailedTask.objects.create(task_name=sender.name, args=list(args), error=f"{type(exception).__name__}: {exception}"[:500])
    except Exception:  # recording must never mask the original failure
        pass
