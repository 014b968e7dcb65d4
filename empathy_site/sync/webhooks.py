"""Webhooks: an outbox written with the change, delivered at least once, signed per Standard Webhooks.

emit() writes the event and one delivery per subscribed endpoint in the
caller's transaction. A worker claims due deliveries with SELECT ... FOR
UPDATE SKIP LOCKED, sends, and records the attempt; retry times live in the
database. A delivery claimed by a worker that died is taken over once its
claim is older than the send timeout.
"""

import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from empathy_site.tenancy.context import require_org_id, tenant_atomic

from .models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

SEND_TIMEOUT_SECONDS = 10
# Exponential backoff: 30 s, 1 min, 2 min ... capped at 6 h; 16 attempts span well over a day.
MAX_ATTEMPTS = 16
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 6 * 60 * 60
DISABLE_AFTER = timedelta(days=3)


def new_secret() -> str:
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def check_destination(url: str) -> None:
    """https only, and never to private, loopback or link-local addresses (unless a test allows it)."""
    parts = urlsplit(url)
    allow_private = getattr(settings, "WEBHOOK_ALLOW_PRIVATE_URLS", False)
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise ValidationError({"url": "Webhook URLs must use https."})
    if not parts.hostname:
        raise ValidationError({"url": "The URL has no host."})
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)}
    except socket.gaierror:
        raise ValidationError({"url": f"The host {parts.hostname} does not resolve."}) from None
    if allow_private:
        return
    for address in addresses:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified:
            raise ValidationError({"url": f"{parts.hostname} resolves to a private address ({ip}); webhooks go to public hosts only."})


def emit(event_type: str, instance=None, payload: dict | None = None) -> WebhookEvent | None:
    """Write the event and its deliveries now, in the caller's transaction; nothing is sent before commit."""
    if payload is None:
        from .registry import sync_types, type_of

        object_type = type_of(type(instance))
        model, serializer, _ = sync_types()[object_type]
        payload = {"type": object_type, "id": str(instance.public_id), "object": json.loads(json.dumps(
            serializer(instance).data, default=str))}
    org_id = require_org_id()
    endpoints = [e for e in WebhookEndpoint.objects.filter(enabled=True) if event_type in (e.events or [])]
    if not endpoints:
        return None
    event = WebhookEvent.objects.create(organization_id=org_id, event_type=event_type, payload=payload)
    now = timezone.now()
    WebhookDelivery.objects.bulk_create([
        WebhookDelivery(organization_id=org_id, endpoint=endpoint, event=event, next_attempt_at=now) for endpoint in endpoints
    ])
    transaction.on_commit(lambda: _kick(org_id))
    return event


def _kick(org_id: int) -> None:
    """Best effort: deliver soon. The periodic sweep delivers anyway if this is lost."""
    from .tasks import webhooks_deliver_task

    try:
        webhooks_deliver_task.delay(org_id)
    except Exception:  # broker down: the beat sweep will pick the deliveries up
        pass


def envelope(delivery: WebhookDelivery) -> tuple[str, dict]:
    body = json.dumps({
        "type": delivery.event.event_type,
        "timestamp": delivery.event.created_at.isoformat(),
        "data": delivery.event.payload,
    }, separators=(",", ":"), default=str)
    msg_id = f"msg_{delivery.event.public_id.hex}"
    sent_at = datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "user-agent": "Groundwork-Webhooks/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(delivery.endpoint.secret).sign(msg_id, sent_at, body),
    }
    return body, headers


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a redirect could lead to a private address: treat it as a failure


def _post(url: str, body: str, headers: dict) -> int:
    opener = urllib.request.build_opener(_NoRedirect)
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with opener.open(request, timeout=SEND_TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS))


def claim_due(limit: int = 20) -> list[int]:
    """Claim due deliveries of the active org; concurrent workers skip each other's rows."""
    now = timezone.now()
    # A claim older than this belongs to a worker that died mid-send.
    stale = now - timedelta(seconds=getattr(settings, "WEBHOOK_CLAIM_TIMEOUT_SECONDS", SEND_TIMEOUT_SECONDS * 3))
    with tenant_atomic():
        due = WebhookDelivery.objects.filter(
            Q(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=WebhookDelivery.Status.SENDING, claimed_at__lt=stale)
        ).order_by("next_attempt_at")
        if connection.vendor == "postgresql":
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        WebhookDelivery.objects.filter(pk__in=ids).update(status=WebhookDelivery.Status.SENDING, claimed_at=now)
    return ids


def deliver(delivery_id: int) -> WebhookDelivery | None:
    """Send one claimed delivery and record the outcome. Never raises for the receiver's faults."""
    with tenant_atomic():
        delivery = WebhookDelivery.objects.select_related("endpoint", "event").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != WebhookDelivery.Status.SENDING:
        return delivery
    started = time.monotonic()
    status_code, error = None, ""
    try:
        check_destination(delivery.endpoint.url)  # again at send time: DNS may have changed
        body, headers = envelope(delivery)
        status_code = _post(delivery.endpoint.url, body, headers)
    except ValidationError as refused:
        error = " ".join(refused.messages)[:300]
    except (OSError, urllib.error.URLError) as failure:
        error = str(failure)[:300] or type(failure).__name__
    latency = int((time.monotonic() - started) * 1000)
    return _record(delivery, status_code, error, latency)


@tenant_atomic()
def _record(delivery: WebhookDelivery, status_code, error: str, latency: int) -> WebhookDelivery:
    delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
    delivery.attempts += 1
    DeliveryAttempt.objects.create(organization_id=delivery.organization_id, delivery=delivery, number=delivery.attempts,
                                   status_code=status_code, latency_ms=latency, error=error)
    endpoint = delivery.endpoint
    delivery.last_status_code, delivery.last_error = status_code, error
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at = WebhookDelivery.Status.SUCCEEDED, timezone.now()
        if endpoint.failing_since:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since", "updated_at"])
    else:
        endpoint.failing_since = endpoint.failing_since or timezone.now()
        endpoint.save(update_fields=["failing_since", "updated_at"])
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
        else:
            delivery.status = WebhookDelivery.Status.PENDING
            delivery.next_attempt_at = timezone.now() + backoff(delivery.attempts)
        if timezone.now() - endpoint.failing_since > DISABLE_AFTER and endpoint.enabled:
            _disable(endpoint)
    delivery.claimed_at = None
    delivery.save()
    return delivery


def _disable(endpoint: WebhookEndpoint) -> None:
    from empathy_site.tenancy.models import Membership, Role
    from personas.services import notify

    endpoint.enabled = False
    endpoint.disabled_reason = f"Disabled after failing since {endpoint.failing_since:%d %b %Y %H:%M} UTC."
    endpoint.save(update_fields=["enabled", "disabled_reason", "updated_at"])
    for membership in Membership.objects.filter(organization_id=endpoint.organization_id, role=Role.ADMIN).select_related("user"):
        notify(user=membership.user, kind="webhook_disabled",
               message=f"Webhook to {endpoint.url} was disabled: it has failed for over {DISABLE_AFTER.days} days.")


def deliver_due(limit: int = 50) -> int:
    """Claim and send what is due for the active org. Returns how many were attempted."""
    sent = 0
    while sent < limit:
        ids = claim_due(limit=min(20, limit - sent))
        if not ids:
            break
        for delivery_id in ids:
            deliver(delivery_id)
        sent += len(ids)
    return sent


@tenant_atomic()
def delivery_replay(*, delivery: WebhookDelivery, by=None) -> WebhookDelivery:
    """Send it again (same webhook-id, so receivers can tell it is the same event)."""
    delivery.status, delivery.next_attempt_at, delivery.claimed_at = WebhookDelivery.Status.PENDING, timezone.now(), None
    delivery.save(update_fields=["status", "next_attempt_at", "claimed_at"])
    transaction.on_commit(lambda: _kick(delivery.organization_id))
    return delivery


@tenant_atomic()
def endpoint_create(*, url: str, events: list[str], description: str = "", by=None) -> WebhookEndpoint:
    unknown = sorted(set(events) - set(WebhookEndpoint.EVENTS))
    if not events or unknown:
        raise ValidationError({"events": f"Choose events from: {', '.join(WebhookEndpoint.EVENTS)}."})
    check_destination(url)
    from empathy_site.tenancy.audit import audit_record

    endpoint = WebhookEndpoint.objects.create(
        organization_id=require_org_id(), url=url, events=sorted(set(events)), description=description,
        secret=new_secret(), created_by=by if getattr(by, "email", None) else None,
    )
    audit_record(action="webhook_created", organization=endpoint.organization, actor=by, target=endpoint)
    return endpoint


@tenant_atomic()
def endpoint_update(*, endpoint: WebhookEndpoint, by=None, **values) -> WebhookEndpoint:
    if "url" in values:
        check_destination(values["url"])
        endpoint.url = values["url"]
    if "events" in values:
        unknown = sorted(set(values["events"]) - set(WebhookEndpoint.EVENTS))
        if not values["events"] or unknown:
            raise ValidationError({"events": f"Choose events from: {', '.join(WebhookEndpoint.EVENTS)}."})
        endpoint.events = sorted(set(values["events"]))
    if "enabled" in values:
        endpoint.enabled = bool(values["enabled"])
        if endpoint.enabled:
            endpoint.disabled_reason, endpoint.failing_since = "", None
    if "description" in values:
        endpoint.description = values["description"]
    endpoint.save()
    return endpoint


@tenant_atomic()
def endpoint_delete(*, endpoint: WebhookEndpoint, by=None) -> None:
    from empathy_site.tenancy.audit import audit_record

    audit_record(action="webhook_deleted", organization=endpoint.organization, actor=by, target=endpoint)
    endpoint.delete()
