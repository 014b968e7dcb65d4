"""Webhook delivery: an outbox written with the change, delivered at least once.

emit() writes the event and one delivery per subscribed endpoint in the
caller's transaction. A worker claims due deliveries with SELECT ... FOR
UPDATE SKIP LOCKED, sends, and records the attempt; retry times live in the
database. A delivery claimed by a worker that died is taken over once its
claim is older than WEBHOOK_CLAIM_TIMEOUT_SECONDS.

Sending trusts nothing about the receiver: the URL is read once by one parser,
the host is resolved once and every address checked, the connection goes to a
checked address (no second lookup), redirects are not followed, and the whole
attempt has one deadline. Whatever goes wrong is a failed attempt with backoff.
"""

import functools
import http.client
import io
import socket
import ssl
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import Membership, Role
from empathy_site.tenancy.notifications import notify

from ..models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from ..registry import type_of
from ..representation import as_json, reader_context, represent_one
from ..selectors import deliveries_due, endpoints_subscribed
from .destinations import Address, Destination, check_destination
from .signing import envelope

# Exponential backoff: 30 s, 1 min, 2 min ... capped at 6 h; 16 attempts span well over a day.
MAX_ATTEMPTS = 16
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 6 * 60 * 60
DISABLE_AFTER = timedelta(days=3)


def object_payload(instance, *, personal_data: bool, changed_fields: list[str] | None = None, deleted: bool = False) -> dict:
    """An object's webhook payload: the object as its REST detail endpoint returns it to an API key with the
    `read` scope (and `personal_data` when the endpoint has it); for a change, the API fields that changed."""
    representation = None if deleted else as_json(
        represent_one(instance, context=reader_context(personal_data=personal_data)))
    payload = {"type": type_of(type(instance)), "id": str(instance.public_id), "object": representation}
    if changed_fields is not None:
        # A reader without personal data is not told that a field it cannot see changed.
        payload["changed_fields"] = [name for name in changed_fields if representation is not None and name in representation]
    return payload


def emit(event_type: str, instance=None, payload: dict | Callable[[bool], dict] | None = None) -> WebhookEvent | None:
    """Write the event and its deliveries now, in the caller's transaction; nothing is sent before commit.

    `payload` is the payload, or builds it for endpoints with or without `personal_data` (called at most once
    for each); without one, the payload is `instance` as object_payload shows it.
    """
    if payload is None:
        payload = functools.partial(_instance_payload, instance)
    org_id = require_org_id()
    endpoints = endpoints_subscribed(event_type=event_type)
    if not endpoints:
        return None
    by_payload: dict[bool | None, list[WebhookEndpoint]] = {}
    for endpoint in endpoints:
        # A fixed payload goes to every endpoint alike; a built one is built per personal_data setting.
        by_payload.setdefault(endpoint.personal_data if callable(payload) else None, []).append(endpoint)
    now = timezone.now()
    event = None
    for personal_data, group in by_payload.items():
        body = payload(personal_data) if callable(payload) else payload
        event = WebhookEvent.objects.create(organization_id=org_id, event_type=event_type, payload=body)
        WebhookDelivery.objects.bulk_create([
            WebhookDelivery(organization_id=org_id, endpoint=endpoint, event=event, next_attempt_at=now) for endpoint in group
        ])
    transaction.on_commit(lambda: kick(org_id))
    return event


def _instance_payload(instance, personal_data: bool) -> dict:
    return object_payload(instance, personal_data=personal_data)


def kick(org_id: int) -> None:
    """Best effort: deliver soon. The periodic sweep delivers anyway if this is lost."""
    # Imported here because the tasks module imports this package to run its services.
    from ..tasks import webhooks_deliver_task

    try:
        webhooks_deliver_task.delay(org_id)
    except Exception:  # broker down: the beat sweep will pick the deliveries up
        pass


# Sending -------------------------------------------------------------------------------------


class DeadlineExceeded(TimeoutError):
    pass


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise DeadlineExceeded(f"No complete answer within the {settings.WEBHOOK_SEND_DEADLINE_SECONDS} s deadline.")
    return remaining


class _DeadlineReader(io.RawIOBase):
    """Reads the answer; each read waits at most until the attempt's deadline, so a receiver that
    dribbles a byte at a time cannot hold the worker past it (a socket timeout alone is per read)."""

    def __init__(self, sock: socket.socket, deadline: float):
        super().__init__()
        self._sock, self._deadline = sock, deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self._sock.settimeout(_remaining(self._deadline))
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """What http.client's response reads through (it only calls makefile)."""

    def __init__(self, sock: socket.socket, deadline: float):
        self._sock, self._deadline = sock, deadline

    def makefile(self, mode: str, *args, **kwargs):
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP over a socket already connected to the checked address; http.client never resolves the name.

    The Host header (and, for https, SNI and certificate verification) still use the name.
    """

    def __init__(self, destination: Destination, sock: socket.socket, deadline: float):
        super().__init__(destination.host, destination.port)
        self.default_port = destination.default_port  # Host header: omit only the scheme's own port
        self.sock, self._deadline = sock, deadline
        self.response_class = functools.partial(_deadline_response, deadline=deadline)

    def connect(self):
        raise RuntimeError("A pinned connection is connected before use and never reconnects.")

    def send(self, data):
        self.sock.settimeout(_remaining(self._deadline))
        super().send(data)


def _deadline_response(sock, *args, deadline: float, **kwargs) -> http.client.HTTPResponse:
    return http.client.HTTPResponse(_DeadlineSocket(sock, deadline), *args, **kwargs)


def _open_socket(destination: Destination, addresses: list[Address], deadline: float) -> socket.socket:
    """TCP (and TLS) to one of the checked addresses, tried in the resolver's order."""
    failure: OSError | None = None
    for family, sockaddr in addresses:
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.settimeout(_remaining(deadline))
            sock.connect(sockaddr)
            if destination.scheme != "https":
                return sock
            sock.settimeout(_remaining(deadline))  # the handshake as a whole is bounded by the socket timeout
            return ssl.create_default_context().wrap_socket(sock, server_hostname=destination.host)
        except DeadlineExceeded:
            sock.close()
            raise
        except OSError as error:  # ssl.SSLError is an OSError
            sock.close()
            failure = error
    raise failure or OSError("No address to connect to.")


def send(url: str, body: str, headers: dict) -> int:
    """POST once, within a total deadline: resolve once, check, connect to that address, never follow redirects."""
    deadline = time.monotonic() + settings.WEBHOOK_SEND_DEADLINE_SECONDS
    destination, addresses = check_destination(url)
    try:
        http_connection = _PinnedConnection(destination, _open_socket(destination, addresses, deadline), deadline)
        try:
            http_connection.request("POST", destination.target, body=body.encode(),
                                    headers={**headers, "connection": "close"})
            response = http_connection.getresponse()
            response.close()  # only the status matters; the body is never read
            return response.status
        finally:
            http_connection.close()
    except DeadlineExceeded:
        raise
    except TimeoutError as timeout:  # a socket timeout, set to what remained of the deadline
        raise DeadlineExceeded(
            f"No complete answer within the {settings.WEBHOOK_SEND_DEADLINE_SECONDS} s deadline.") from timeout


# Claiming, recording, retrying ---------------------------------------------------------------


def _readable(text: str) -> str:
    # What a receiver sends back can hold NUL and other bytes PostgreSQL refuses in text.
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:300]


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS))


def claim_due(limit: int = 20) -> list[int]:
    """Claim due deliveries of the active org; concurrent workers skip each other's rows."""
    now = timezone.now()
    with tenant_atomic():
        due = deliveries_due(now).order_by("next_attempt_at")
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
        body, headers = envelope(delivery)
        status_code = send(delivery.endpoint.url, body, headers)  # checks the destination again: DNS may have changed
        if 300 <= status_code < 400:
            error = f"Answered {status_code}, a redirect; redirects are not followed, so register the final URL."
    except SoftTimeLimitExceeded:
        raise  # the worker is being told to stop: the claim lapses and another worker takes the delivery over
    except ValidationError as refused:
        error = " ".join(refused.messages)
    except Exception as failure:  # whatever the receiver did, it is a failed attempt, never a crashed sweep
        error = f"{type(failure).__name__}: {failure}" if str(failure) else type(failure).__name__
    latency = int((time.monotonic() - started) * 1000)
    return _record(delivery, status_code, _readable(error), latency)


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
    endpoint.enabled = False
    endpoint.disabled_reason = f"Disabled after failing since {endpoint.failing_since:%d %b %Y %H:%M} UTC."
    endpoint.save(update_fields=["enabled", "disabled_reason", "updated_at"])
    for membership in Membership.objects.filter(organization_id=endpoint.organization_id, role=Role.ADMIN).select_related("user"):
        notify(user=membership.user, kind="webhook_disabled",
               message=f"Webhook to {endpoint.url} was disabled: it has failed for over {DISABLE_AFTER.days} days.")


def deliver_due(limit: int = 50) -> int:
    """Claim and send what is due for the active org, one at a time. Returns how many were attempted.

    One claim per send: a batch claimed up front would age while earlier sends run to their deadline,
    and another worker would take the rest over and send them twice.
    """
    sent = 0
    while sent < limit:
        ids = claim_due(limit=1)
        if not ids:
            break
        deliver(ids[0])
        sent += 1
    return sent


def outbox_prune(*, older_than: datetime, batch_size: int = 500) -> int:
    """Delete the active org's webhook events older than `older_than`, with their deliveries and attempts.

    Payloads quote participants, so they are not kept for ever. An event with a delivery still
    pending or being sent is kept: it is delivered (or given up on) first. Returns the events deleted.
    """
    unfinished = [WebhookDelivery.Status.PENDING, WebhookDelivery.Status.SENDING]
    deleted = 0
    while True:
        with tenant_atomic():
            ids = list(WebhookEvent.objects.filter(created_at__lt=older_than).exclude(deliveries__status__in=unfinished)
                       .order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            # Lock the deliveries, then drop events a replay made due again since the query above.
            statuses = WebhookDelivery.objects.select_for_update().filter(event_id__in=ids).values_list("event_id", "status")
            busy = {event_id for event_id, status in statuses if status in unfinished}
            ids = [pk for pk in ids if pk not in busy]
            DeliveryAttempt.objects.filter(delivery__event_id__in=ids).delete()
            WebhookDelivery.objects.filter(event_id__in=ids).delete()
            WebhookEvent.objects.filter(pk__in=ids).delete()
        deleted += len(ids)
        if busy and not ids:
            return deleted
