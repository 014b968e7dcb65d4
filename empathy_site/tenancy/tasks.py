"""Tasks of the tenancy layer: sending mail (tenancy/mail.py) and the daily notifications digest."""

from empathy_site.celery import app, fan_out_per_organisation, tenant_task

from .mail import send_email_task  # noqa: F401  (registered with the worker through this module)
from .notifications import digest_send


@tenant_task(name="tenancy.notification_digest")
def notification_digest_task(org_id: int) -> int:
    return digest_send()


@app.task(name="tenancy.notification_digest_sweep")
def notification_digest_sweep_task() -> int:
    """Beat, daily: one digest task per organisation."""
    return fan_out_per_organisation(notification_digest_task)
