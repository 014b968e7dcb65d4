"""Telling a member something needs them: one function every layer above uses."""

from .context import require_org_id
from .models import Notification, User


def notify(*, user: User | None, kind: str, message: str, link: str = "") -> None:
    """Write a notification for `user` in the active organisation; nobody to tell (None) is not an error."""
    if user is None:
        return
    Notification.objects.create(organization_id=require_org_id(), user=user, kind=kind, message=message[:500], link=link)
