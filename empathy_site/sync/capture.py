"""Change capture for the feed: every save and delete of a syncable model writes a ChangeEvent
in the same transaction.

Signals are used on purpose here, and only here: cascaded deletes never call a
model's delete(), and a feed that misses them would be silently wrong.
Bulk writes that bypass signals call `record_changes` themselves.
"""

import contextlib
from contextvars import ContextVar

from django.db.models.signals import post_delete, post_save

from .models import ChangeEvent
from .registry import on_register, type_of

_connected = False
_suppressed: ContextVar[bool] = ContextVar("change_capture_suppressed", default=False)


@contextlib.contextmanager
def capture_suppressed():
    """While a whole organisation is deleted there is nobody left to tell, and its events go with it."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


def record_change(instance, action: str) -> None:
    object_type = type_of(type(instance))
    if object_type is None or _suppressed.get():
        return
    ChangeEvent.unscoped.create(
        organization_id=instance.organization_id, object_type=object_type, object_id=instance.public_id, action=action
    )


def record_changes(model, public_ids, *, organization_id: int, action: str = "updated") -> None:
    """For queryset.update() and bulk writes, which send no signals."""
    object_type = type_of(model)
    if object_type is None:
        return
    ChangeEvent.unscoped.bulk_create([
        ChangeEvent(organization_id=organization_id, object_type=object_type, object_id=public_id, action=action)
        for public_id in public_ids
    ])


def _saved(sender, instance, created, raw=False, **kwargs):
    if not raw:
        record_change(instance, "created" if created else "updated")


def _deleted(sender, instance, **kwargs):
    record_change(instance, "deleted")


def _connect_model(entry) -> None:
    model = entry.model
    post_save.connect(_saved, sender=model, dispatch_uid=f"sync-save-{model._meta.label}")
    post_delete.connect(_deleted, sender=model, dispatch_uid=f"sync-delete-{model._meta.label}")


def connect() -> None:
    """Capture saves and deletes of every syncable model, including those the domain apps register later."""
    global _connected
    if _connected:
        return
    on_register(_connect_model)
    _connected = True
