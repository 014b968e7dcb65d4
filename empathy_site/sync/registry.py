"""What the domain apps tell the sync layer about themselves, in their AppConfig.ready().

Sync sits below the domain apps and never imports them: each registers its syncable
types (model, API serializer, queryset preparation) and the webhook events it emits.
The changes feed, change capture and webhooks read this table.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SyncType:
    name: str
    model: type
    serializer: type
    # Adds the select_related/prefetch_related the serializer needs, so a page serialises in a fixed number of queries.
    prepare: Callable


_types: dict[str, SyncType] = {}
_type_by_model: dict[type, str] = {}
_webhook_events: list[str] = []
# Called with each SyncType as it is registered (change capture connects its signals so).
_listeners: list[Callable[[SyncType], None]] = []


def register_sync_type(name: str, *, model: type, serializer: type, prepare: Callable = lambda queryset: queryset) -> None:
    existing = _types.get(name)
    if existing is not None and existing.model is not model:
        raise ValueError(f"The sync type {name!r} is already registered for {existing.model.__name__}.")
    entry = SyncType(name=name, model=model, serializer=serializer, prepare=prepare)
    _types[name] = entry
    _type_by_model[model] = name
    for listener in _listeners:
        listener(entry)


def on_register(listener: Callable[[SyncType], None]) -> None:
    """Call `listener` for every sync type, those registered already and those to come."""
    _listeners.append(listener)
    for entry in list(_types.values()):
        listener(entry)


def register_webhook_events(*event_types: str) -> None:
    for event_type in event_types:
        if event_type not in _webhook_events:
            _webhook_events.append(event_type)


def sync_types() -> dict[str, tuple]:
    """type name -> (model, serializer class, queryset preparation)."""
    return {name: (entry.model, entry.serializer, entry.prepare) for name, entry in _types.items()}


def type_of(model) -> str | None:
    return _type_by_model.get(model)


def webhook_event_types() -> list[str]:
    """Every event a webhook endpoint can subscribe to, in registration order."""
    return list(_webhook_events)
