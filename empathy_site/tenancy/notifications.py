"""Telling a member something needs them: one function every layer above uses, and the daily email digest."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .context import require_org_id
from .mail import send_after_commit
from .models import Membership, Notification, NotificationKind, Organization, User


def notify(*, user: User | None, kind: str, message: str, link: str = "") -> None:
    """Write a notification for `user` in the active organisation; nobody to tell (None) is not an error."""
    if user is None:
        return
    Notification.objects.create(organization_id=require_org_id(), user=user, kind=kind, message=message[:500], link=link)


def notifications_mark_read(*, user: User, notification: Notification | None = None) -> int:
    """One notification, or all of the member's unread ones in the active organisation. Idempotent."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())


def notification_email_kinds_set(*, membership: Membership, kinds) -> Membership:
    kinds = list(dict.fromkeys(kinds))
    unknown = [kind for kind in kinds if kind not in NotificationKind.EMAILABLE]
    if unknown:
        raise ValidationError({"email_kinds": f"Choose from: {', '.join(NotificationKind.EMAILABLE)}."})
    Membership.objects.filter(pk=membership.pk).update(email_notification_kinds=kinds)
    membership.email_notification_kinds = kinds
    return membership


def _raw_kinds(groups) -> set[str]:
    """The notification kinds stored on rows that belong to these email groups."""
    groups = set(groups)
    return groups | {kind for kind, group in NotificationKind.GROUPS.items() if group in groups}


def _absolute(link: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{link}" if link.startswith("/") and settings.SITE_URL else link


def digest_send() -> int:
    """The active organisation's daily digest: each member who asked gets one email listing the notifications of
    the kinds they chose that are unread and were never mailed. Returns how many emails were queued.

    Each notification is claimed (digested_at) in the same transaction that queues its mail, with rows locked and
    locked ones skipped: two runs at once never mail the same notification twice, and a rollback mails nothing.
    """
    org_id = require_org_id()
    organization = Organization.objects.get(pk=org_id)
    sent = 0
    members = Membership.objects.filter(organization_id=org_id).exclude(email_notification_kinds=[]).select_related("user")
    for membership in members:
        if not membership.email_notification_kinds or not membership.user.is_active:
            continue
        with transaction.atomic():
            claimed = list(
                Notification.objects.select_for_update(skip_locked=True)
                .filter(user=membership.user, read_at__isnull=True, digested_at__isnull=True,
                        kind__in=_raw_kinds(membership.email_notification_kinds))
                .order_by("created_at", "id")
            )
            if not claimed:
                continue
            Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(digested_at=timezone.now())
            lines = [f"- {n.message}" + (f"\n  {_absolute(n.link)}" if n.link else "") for n in claimed]
            body = (
                f"Hello {membership.user.display_name},\n\nWhat needs you in {organization.name}:\n\n"
                + "\n".join(lines)
                + "\n\nChange which notifications reach you by email on the notifications page.\n"
            )
            count = len(claimed)
            send_after_commit(
                to=membership.user.email,
                subject=f"{organization.name}: {count} notification{'s' if count != 1 else ''} for you",
                body=body,
            )
            sent += 1
    return sent
