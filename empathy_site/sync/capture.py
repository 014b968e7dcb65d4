"""Change capture: every save and delete of a syncable model writes, in the same transaction, a
ChangeEvent for the feed and the `<type>.<action>` webhook event, each with `changed_fields`; the
objects whose representation embeds the changed one (its registered parents) are recorded too.

Signals are used on purpose here, and only here: cascaded deletes never call a
model's delete(), and a feed that misses them would be silently wrong.
Bulk writes that bypass signals call `record_changes` themselves; services that write an
object in several steps (a highlight and then its tags) wrap them in `one_change`.

`changed_fields` is cheap on purpose, since every write pays it: pre_save reads the row's
columns (one query, syncable types only) and post_save maps the columns that differ to the
API fields serialised from them. Fields computed from other rows (a persona's claims, a tag's
highlight_count) change when those rows do: the parent hook and one_change name them. The
object itself is serialised only for a webhook somebody subscribed to.
"""

import contextlib
import functools
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db.models import Model
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

from empathy_site.tenancy.context import active_org_id, tenant_scope

from .models import ChangeEvent
from .registry import SyncType, on_register, sync_type, sync_type_of
from .selectors import endpoints_subscribed
from .webhooks.delivery import emit, object_payload

_connected = False
_suppressed: ContextVar[bool] = ContextVar("change_capture_suppressed", default=False)
# Changes being gathered by one_change blocks, innermost last.
_held: ContextVar[tuple] = ContextVar("changes_held", default=())


@contextlib.contextmanager
def capture_suppressed():
    """While a whole organisation is deleted there is nobody left to tell, and its events go with it."""
    token = _suppressed.set(True)
    try:
        yield
    finally:
        _suppressed.reset(token)


@dataclass
class _Change:
    entry: SyncType
    instance: Model
    before: dict | None  # the row's columns before the change; None for a new object
    parents_before: dict = field(default_factory=dict)  # (model, pk) -> parent
    embedded: tuple = ()  # API fields computed from other rows that this change changed


def _key(instance) -> tuple:
    return type(instance), instance.pk


def _org_scope(org_id: int):
    """Webhook payloads are read through the tenant manager: a save outside any scope (a management command)
    is told as its own organisation."""
    return contextlib.nullcontext() if active_org_id() == org_id else tenant_scope(org_id)


@functools.cache
def _api_fields(object_type: str) -> dict[str, str | None]:
    """API field name -> the column it is serialised from; None for fields computed from other rows."""
    entry = sync_type(object_type)
    columns = {model_field.name: model_field.attname for model_field in entry.model._meta.concrete_fields}
    fields = {}
    for name, serializer_field in entry.serializer().fields.items():
        source = serializer_field.source or name
        fields[name] = None if source == "*" else columns.get(source.split(".")[0])
    return fields


def _computed_fields(object_type: str) -> list[str]:
    return [name for name, column in _api_fields(object_type).items() if column is None]


def _row(entry: SyncType, instance) -> dict | None:
    columns = {column for column in _api_fields(entry.name).values() if column}
    return entry.model.unscoped.filter(pk=instance.pk).values(*columns).first()


def _changed_fields(entry: SyncType, before: dict | None, instance) -> list[str]:
    if before is None:
        return list(_api_fields(entry.name))
    changed = {column for column, value in before.items() if getattr(instance, column) != value}
    return [name for name, column in _api_fields(entry.name).items() if column in changed]


def _goes_with(instance, origin) -> bool:
    """Whether `instance` is deleted along with `origin` (is it, or one of its descendants)."""
    if not isinstance(origin, Model):
        return False
    if _key(instance) == _key(origin):
        return True
    entry = sync_type_of(type(instance))
    return entry is not None and any(parent is not None and _goes_with(parent, origin) for parent in entry.parents(instance))


def _parents(entry: SyncType, instance, origin=None) -> dict:
    """(type, pk) -> parent: the objects whose representation embeds `instance`, except those being deleted
    with it and those a one_change block will record anyway."""
    found = {}
    with _org_scope(instance.organization_id):
        parents = list(entry.parents(instance))
    for parent in parents:
        if parent is None or parent.pk is None or _goes_with(parent, origin) or _held_change(parent) is not None:
            continue
        found[_key(parent)] = parent
    return found


def _held_change(instance) -> _Change | None:
    for change in _held.get():
        if change.instance is instance or (instance.pk is not None and _key(change.instance) == _key(instance)):
            return change
    return None


def _begin(entry: SyncType, instance, *, snapshot: bool, origin=None, embedded: tuple = ()) -> _Change:
    before = _row(entry, instance) if snapshot and instance.pk is not None else None
    return _Change(entry=entry, instance=instance, before=before,
                   parents_before=_parents(entry, instance, origin), embedded=embedded)


def _record(entry: SyncType, instance, action: str, changed_fields: list[str]) -> None:
    ChangeEvent.unscoped.create(
        organization_id=instance.organization_id, object_type=entry.name, object_id=instance.public_id,
        action=action, changed_fields=changed_fields,
    )
    with _org_scope(instance.organization_id):
        emit(f"{entry.name}.{action}", payload=lambda personal_data: object_payload(
            instance, personal_data=personal_data, changed_fields=changed_fields,
            deleted=action == ChangeEvent.Action.DELETED))


def _finish(change: _Change, action: str, origin=None) -> None:
    entry, instance = change.entry, change.instance
    if action == ChangeEvent.Action.DELETED:
        _record(entry, instance, action, [])
    else:
        changed = _changed_fields(entry, None if action == ChangeEvent.Action.CREATED else change.before, instance)
        changed += [name for name in change.embedded if name not in changed]
        # A save that changes nothing a reader can see is not a change to sync.
        if changed:
            _record(entry, instance, action, changed)
    parents = _parents(entry, instance, origin)
    for key, parent in change.parents_before.items():
        parents.setdefault(key, parent)
    for parent in parents.values():
        if _held_change(parent) is not None or not type(parent).unscoped.filter(pk=parent.pk).exists():
            continue
        parent_entry = sync_type_of(type(parent))
        _record(parent_entry, parent, ChangeEvent.Action.UPDATED, _computed_fields(parent_entry.name))


@contextlib.contextmanager
def one_change(instance, *, embedded: tuple = ()):
    """Record the writes to `instance` in the block (its saves, and writes to what its representation
    embeds, named in `embedded`: a highlight's tags, a message's first revision) as one change, on leaving
    the block. Without it a webhook would carry a half-written object."""
    entry = sync_type_of(type(instance))
    if entry is None or _suppressed.get():
        yield
        return
    change = _begin(entry, instance, snapshot=True, embedded=embedded)
    token = _held.set((*_held.get(), change))
    try:
        yield
    finally:
        _held.reset(token)
    if instance.pk is not None:
        _finish(change, ChangeEvent.Action.CREATED if change.before is None else ChangeEvent.Action.UPDATED)


def record_changes(model, public_ids, *, organization_id: int, changed_fields: list[str], action: str = "updated") -> None:
    """For queryset.update() and bulk writes, which send no signals: the caller names what changed."""
    entry = sync_type_of(model)
    public_ids = list(public_ids)
    if entry is None or _suppressed.get() or not public_ids:
        return
    ChangeEvent.unscoped.bulk_create([
        ChangeEvent(organization_id=organization_id, object_type=entry.name, object_id=public_id, action=action,
                    changed_fields=changed_fields)
        for public_id in public_ids
    ])
    with _org_scope(organization_id):
        if not endpoints_subscribed(event_type=f"{entry.name}.{action}"):
            return  # nobody to tell: do not read the objects
        for instance in model.objects.filter(public_id__in=public_ids):
            emit(f"{entry.name}.{action}", payload=lambda personal_data, instance=instance: object_payload(
                instance, personal_data=personal_data, changed_fields=changed_fields))


def record_created(model, public_ids, *, organization_id: int, parents=()) -> None:
    """For bulk_create, which sends no signals: each object recorded as created (every field), and each of
    `parents` (the objects whose representation embeds them, given by the caller, who knows them without a
    query per object) recorded once as updated in its computed fields, as a one_change block would record it."""
    entry = sync_type_of(model)
    if entry is None or _suppressed.get():
        return
    record_changes(model, public_ids, organization_id=organization_id, changed_fields=list(_api_fields(entry.name)),
                   action=ChangeEvent.Action.CREATED)
    by_model: dict[type, dict] = {}
    for parent in parents:
        by_model.setdefault(type(parent), {})[parent.pk] = parent
    for parent_model, found in by_model.items():
        parent_entry = sync_type_of(parent_model)
        if parent_entry is not None:
            record_changes(parent_model, [parent.public_id for parent in found.values()], organization_id=organization_id,
                           changed_fields=_computed_fields(parent_entry.name))


def _saving(sender, instance, raw=False, **kwargs):
    if raw or _suppressed.get() or _held_change(instance) is not None:
        return
    instance._sync_change = _begin(sync_type_of(sender), instance, snapshot=True)


def _saved(sender, instance, created, raw=False, **kwargs):
    if raw or _suppressed.get() or _held_change(instance) is not None:
        return
    change = instance.__dict__.pop("_sync_change", None) or _begin(sync_type_of(sender), instance, snapshot=False)
    _finish(change, ChangeEvent.Action.CREATED if created else ChangeEvent.Action.UPDATED)


def _deleting(sender, instance, origin=None, **kwargs):
    if _suppressed.get():
        return
    instance._sync_change = _begin(sync_type_of(sender), instance, snapshot=False, origin=origin)


def _deleted(sender, instance, origin=None, **kwargs):
    if _suppressed.get():
        return
    change = instance.__dict__.pop("_sync_change", None) or _Change(sync_type_of(sender), instance, None)
    _finish(change, ChangeEvent.Action.DELETED, origin=origin)


def _connect_model(entry: SyncType) -> None:
    model, label = entry.model, entry.model._meta.label
    pre_save.connect(_saving, sender=model, dispatch_uid=f"sync-presave-{label}")
    post_save.connect(_saved, sender=model, dispatch_uid=f"sync-save-{label}")
    pre_delete.connect(_deleting, sender=model, dispatch_uid=f"sync-predelete-{label}")
    post_delete.connect(_deleted, sender=model, dispatch_uid=f"sync-delete-{label}")


def connect() -> None:
    """Capture saves and deletes of every syncable model, including those the domain apps register later."""
    global _connected
    if _connected:
        return
    on_register(_connect_model)
    _connected = True

