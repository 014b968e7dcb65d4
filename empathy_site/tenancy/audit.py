"""Writing the audit log. One function, so every record has the same shape."""

from .models import AuditEvent


def client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
