"""Webhooks: an outbox written with the change, delivered at least once, signed per Standard Webhooks.

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
import ipaddress
import json
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from empathy_site.tenancy.context import require_org_id, tenant_atomic

from .models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

# Exponential backoff: 30 s, 1 min, 2 min ... capped at 6 h; 16 attempts span well over a day.
MAX_ATTEMPTS = 16
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 6 * 60 * 60
DISABLE_AFTER = timedelta(days=3)

# Destinations are allowed, not denied: an address must be is_global and outside every range below.
# is_global (Python 3.11) still passes several of these: shared address space is covered, but
# multicast, 6to4, NAT64, site-local and the 6to4 relay are not. The IPv6 tunnel and translation
# forms (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo) are refused whole rather than decoded:
# a public IPv4 receiver can be registered by its IPv4 address, and a private one hides inside them.
_NOT_PUBLIC_V4 = tuple(ipaddress.IPv4Network(net) for net in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
    "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
))
# Only global unicast (2000::/3) may pass; within it, these are not reachable receivers.
_IPV6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
_NOT_PUBLIC_V6 = tuple(ipaddress.IPv6Network(net) for net in (
    "::/96", "::ffff:0:0/96", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32",
    "2002::/16", "3fff::/20", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8",
))


def new_secret() -> str:
    import base64

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if ip.version == 6:
        if ip not in _IPV6_GLOBAL_UNICAST or any(ip in net for net in _NOT_PUBLIC_V6):
            return False
    elif any(ip in net for net in _NOT_PUBLIC_V4):
        return False
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Destination:
    """A webhook URL read once. Registration checks and sending use this same reading, never the raw string."""

    scheme: str
    host: str  # lower-case ASCII name, or an IP literal without brackets
    port: int
    target: str  # path and query: the request target

    @property
    def default_port(self) -> int:
        return 443 if self.scheme == "https" else 80


def _refuse(message: str) -> ValidationError:
    return ValidationError({"url": message})


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def parse_destination(url: str) -> Destination:
    """Read the URL strictly: anything two parsers could read differently is refused, not guessed at."""
    allow_private = getattr(settings, "WEBHOOK_ALLOW_PRIVATE_URLS", False)
    if not url.isprintable() or " " in url or "\\" in url:
        # urllib and urlsplit disagree about backslashes (https://127.0.0.1\@8.8.8.8/) and about
        # stripped whitespace; control characters would also split the request line.
        raise _refuse("The URL contains spaces, control characters or backslashes; percent-encode them.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # unbalanced brackets, a port that is not a number from 0 to 65535
        raise _refuse("The URL is not valid; the port, if any, must be a number from 1 to 65535.") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (allow_private and scheme == "http"):
        raise _refuse("Webhook URLs must use https.")
    if "@" in parts.netloc:
        raise _refuse("Put no user name or password in the URL; receivers verify deliveries with the signing secret.")
    host = parts.hostname or ""
    if not host:
        raise _refuse("The URL has no host.")
    if port is None:
        port = 443 if scheme == "https" else 80
    if not 1 <= port <= 65535:
        raise _refuse("The port must be a number from 1 to 65535.")
    if "[" in parts.netloc and not _is_ip_literal(host):
        raise _refuse("Only IPv6 addresses go in brackets.")
    if not _is_ip_literal(host):
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise _refuse("The host name is not valid.") from None
        if not all(ch.isalnum() or ch in "-._" for ch in host):
            raise _refuse("The host name is not valid.")
    if "%" in host:
        raise _refuse("Address literals with a zone are not accepted.")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if not target.isascii():
        raise _refuse("Percent-encode non-ASCII characters in the path and query.")
    return Destination(scheme=scheme, host=host, port=port, target=target)


def resolve_destination(destination: Destination) -> list[tuple[int, tuple]]:
    """Resolve once and check every address; the send connects only to what is returned here."""
    try:
        infos = socket.getaddrinfo(destination.host, destination.port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise _refuse(f"The host {destination.host} does not resolve.") from None
    addresses = list(dict.fromkeys((family, sockaddr) for family, _, _, _, sockaddr in infos))
    if not addresses:
        raise _refuse(f"The host {destination.host} does not resolve.")
    if getattr(settings, "WEBHOOK_ALLOW_PRIVATE_URLS", False):
        return addresses
    for _, sockaddr in addresses:
        ip = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if not is_public_address(ip):
            raise _refuse(
                f"{destination.host} resolves to {ip}, which is not a public internet address (private, loopback, "
                "link-local, shared, reserved, multicast or an IPv6 tunnel form of one); webhooks go to public hosts only."
            )
    return addresses


def check_destination(url: str) -> tuple[Destination, list[tuple[int, tuple]]]:
    """https only, and only to globally routable addresses (unless a test allows local receivers)."""
    destination = parse_destination(url)
    return destination, resolve_destination(destination)


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


def _open_socket(destination: Destination, addresses: list[tuple[int, tuple]], deadline: float) -> socket.socket:
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


def _readable(text: str) -> str:
    # What a receiver sends back can hold NUL and other bytes PostgreSQL refuses in text.
    return "".join(ch if ch.isprintable() else "?" for ch in text)[:300]


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_CAP_SECONDS))


def _due(now: datetime) -> Q:
    # A claim older than the claim timeout belongs to a worker that died mid-send. The timeout must
    # exceed WEBHOOK_SEND_DEADLINE_SECONDS, or a slow live send would be taken over and sent twice.
    stale = now - timedelta(seconds=settings.WEBHOOK_CLAIM_TIMEOUT_SECONDS)
    return (Q(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
            | Q(status=WebhookDelivery.Status.SENDING, claimed_at__lt=stale))


def has_due() -> bool:
    """Whether the active org has a delivery to send now (the beat sweep queues a task only then)."""
    return WebhookDelivery.objects.filter(_due(timezone.now())).exists()


def claim_due(limit: int = 20) -> list[int]:
    """Claim due deliveries of the active org; concurrent workers skip each other's rows."""
    now = timezone.now()
    with tenant_atomic():
        due = WebhookDelivery.objects.filter(_due(now)).order_by("next_attempt_at")
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
    from empathy_site.tenancy.models import Membership, Role
    from personas.services import notify

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
