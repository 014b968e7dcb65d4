"""Writing the audit log. One function, so every record has the same shape."""

import ipaddress

from django.conf import settings

from .models import AuditEvent


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


def audit_record(
    *,
    action: str,
    organization=None,
    actor=None,
    actor_label: str = "",
    target=None,
    target_label: str = "",
    request=None,
    details: dict | None = None,
) -> AuditEvent:
    target_type = target_id = ""
    if target is not None:
        target_type = type(target).__name__.lower()
        target_id = str(getattr(target, "public_id", None) or target.pk)
        target_label = target_label or str(target)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor if actor is not None and hasattr(actor, "email") else None,
        actor_label=actor_label or (str(actor) if actor is not None else ""),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=target_label[:200],
        ip_address=client_ip(request),
        details=details or {},
    )
