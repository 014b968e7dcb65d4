"""Writing the audit log. One function, so every record has the same shape.

The client address comes from the request context (RequestContextMiddleware sets it
for every web and API request), so services never take a `request` argument.
"""

import contextlib
import ipaddress
from contextvars import ContextVar

from django.conf import settings

from .models import AuditAction, AuditEvent, Organization, User

__all__ = ["AuditAction", "audit_record", "client_ip", "request_context", "RequestContextMiddleware"]


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The address of the person making the request: the one function sign-in throttling and the audit log use.

    Behind TRUSTED_PROXY_COUNT proxies, each appended the address it received the
    request from to X-Forwarded-For, so the client is that many entries from the
    right; anything further left was written by the client and is not trusted.
    With no trusted proxy the header is ignored entirely (anyone can send it). A
    malformed or too short header falls back to the connecting address.
    """
    if request is None:
        return None
    remote_addr = _address(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies <= 0 or not forwarded_for:
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",")]
    if len(hops) < proxies:
        return remote_addr
    return _address(hops[-proxies]) or remote_addr


# The client address of the request being served; None in tasks and commands.
_client_address: ContextVar[str | None] = ContextVar("audit_client_address", default=None)


@contextlib.contextmanager
def request_context(request):
    """Remember the request's client address for the audit records written while serving it."""
    token = _client_address.set(client_ip(request))
    try:
        yield
    finally:
        _client_address.reset(token)


class RequestContextMiddleware:
    """Early in the stack, so everything below (views, API, services) writes audit records with the address."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with request_context(request):
            return self.get_response(request)


def audit_record(
    *,
    action: AuditAction,
    organization: Organization | None = None,
    actor: User | None = None,
    actor_label: str = "",
    target=None,
    target_label: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Record what happened. The client address comes from the request being served (request_context)."""
    target_type = target_id = ""
    if target is not None:
        target_type = type(target).__name__.lower()
        target_id = str(getattr(target, "public_id", None) or target.pk)
        target_label = target_label or str(target)
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor,
        actor_label=actor_label or (str(actor) if actor is not None else ""),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:200],
        ip_address=_client_address.get(),
        details=details or {},
    )
