"""Thin tasks for webhook delivery and pruning; the work and its state live in the services and the database.

Beat tasks fan out one task per organisation, so one organisation's bad data or failing
receiver never stops another's deliveries or pruning.
"""

from datetime import timedelta

from celery.signals import task_failure
from django.conf import settings
from django.utils import timezone

from empathy_site.api import idempotency
from empathy_site.celery import app, fan_out_per_organisation, tenant_task

from . import webhooks
from .failures import failed_task_record
from .selectors import deliveries_due_exist


@tenant_task(name="sync.webhooks_deliver", single_transaction=False)
def webhooks_deliver_task(org_id: int) -> int:
    return webhooks.deliver_due()


@app.task(name="sync.webhooks_sweep")
def webhooks_sweep_task() -> int:
    """Beat: queue a delivery task for each organisation with something due (retries, lost kicks, dead workers' claims)."""
    return fan_out_per_organisation(webhooks_deliver_task, only_if=deliveries_due_exist)


@tenant_task(name="sync.prune", single_transaction=False)
def prune_task(org_id: int) -> dict:
    """Delete the org's idempotency records past their replay window and its old webhook events."""
    return {
        "idempotency_records": idempotency.idempotency_prune(),
        "webhook_events": webhooks.outbox_prune(
            older_than=timezone.now() - timedelta(days=settings.WEBHOOK_EVENT_RETENTION_DAYS)),
    }


@app.task(name="sync.prune_sweep")
def prune_sweep_task() -> int:
    """Beat: one prune task per organisation."""
    return fan_out_per_organisation(prune_task)


@task_failure.connect
def _record_failed_task(sender=None, task_id=None, exception=None, args=None, kwargs=None, **extra):
    """A task that failed for good becomes a record an admin can see and replay."""
    request = getattr(sender, "request", None)
    retried_for = tuple(getattr(sender, "autoretry_for", ()) or ())
    if request is not None and getattr(sender, "max_retries", None) is not None and request.retries < sender.max_retries \
            and retried_for and isinstance(exception, retried_for):
        return  # it will be retried; any other exception is final at once
    if not args or not isinstance(args[0], int):
        return  # not a tenant task: nothing to scope the record to
    failed_task_record(organization_id=args[0], task_name=sender.name, args=list(args), exception=exception)
