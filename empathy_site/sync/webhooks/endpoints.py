"""Services for webhook endpoints: register, change, delete, ping, and replay a delivery."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from empathy_site.model_update import UNCHANGED, model_update
from empathy_site.tenancy.audit import audit_record
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import AuditAction, User

from ..models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from ..registry import webhook_event_types
from .delivery import kick
from .destinations import check_destination
from .signing import new_secret

ENDPOINT_FIELDS = ("url", "events", "enabled", "description", "personal_data")
# Sent on request to one endpoint, whatever it subscribed to; not an event anyone subscribes to.
PING_EVENT = "webhook.ping"


def _checked_events(events: list[str]) -> list[str]:
    unknown = sorted(set(events) - set(webhook_event_types()))
    if not events or unknown:
        raise ValidationError({"events": f"Choose events from: {', '.join(webhook_event_types())}."})
    return sorted(set(events))


@tenant_atomic()
def endpoint_create(
    *, url: str, events: list[str], description: str = "", personal_data: bool = False, by: User | None = None
) -> WebhookEndpoint:
    events = _checked_events(events)
    check_destination(url)
    endpoint = WebhookEndpoint.objects.create(
        organization_id=require_org_id(), url=url, events=events, description=description,
        personal_data=bool(personal_data), secret=new_secret(), created_by=by,
    )
    audit_record(action=AuditAction.WEBHOOK_CREATED, organization=endpoint.organization, actor=by, target=endpoint)
    return endpoint


@tenant_atomic()
def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str = UNCHANGED,
    events: list[str] = UNCHANGED,
    enabled: bool = UNCHANGED,
    description: str = UNCHANGED,
    personal_data: bool = UNCHANGED,
    by: User | None = None,
) -> WebhookEndpoint:
    """Change what is given. Enabling again forgets why the endpoint was disabled and since when it failed."""
    if url is not UNCHANGED:
        check_destination(url)
    if events is not UNCHANGED:
        events = _checked_events(events)
    if enabled is not UNCHANGED:
        enabled = bool(enabled)
        if enabled:
            endpoint.disabled_reason, endpoint.failing_since = "", None
    model_update(endpoint, fields=ENDPOINT_FIELDS,
                 data={"url": url, "events": events, "enabled": enabled, "description": description,
                       "personal_data": personal_data})
    endpoint.save()
    return endpoint


@tenant_atomic()
def endpoint_delete(*, endpoint: WebhookEndpoint, by: User | None = None) -> None:
    audit_record(action=AuditAction.WEBHOOK_DELETED, organization=endpoint.organization, actor=by, target=endpoint)
    endpoint.delete()


@tenant_atomic()
def endpoint_ping(*, endpoint: WebhookEndpoint, by: User | None = None) -> WebhookDelivery:
    """Queue a signed test event for this endpoint alone, through the outbox like any other event,
    so the answer shows what a real delivery would meet (signature, TLS, the receiver's status)."""
    event = WebhookEvent.objects.create(organization_id=endpoint.organization_id, event_type=PING_EVENT,
                                        payload={"type": "webhook", "id": str(endpoint.public_id), "ping": True})
    delivery = WebhookDelivery.objects.create(organization_id=endpoint.organization_id, endpoint=endpoint,
                                              event=event, next_attempt_at=timezone.now())
    transaction.on_commit(lambda: kick(endpoint.organization_id))
    return delivery


@tenant_atomic()
def delivery_replay(*, delivery: WebhookDelivery, by: User | None = None) -> WebhookDelivery:
    """Send it again (same webhook-id, so receivers can tell it is the same event)."""
    delivery.status, delivery.next_attempt_at, delivery.claimed_at = WebhookDelivery.Status.PENDING, timezone.now(), None
    delivery.save(update_fields=["status", "next_attempt_at", "claimed_at"])
    transaction.on_commit(lambda: kick(delivery.organization_id))
    return delivery
