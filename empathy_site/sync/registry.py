"""What the domain apps tell the sync layer about themselves, in their AppConfig.ready().

Sync sits below the domain apps and never imports them: each registers its syncable
types (model, API serializer, how to read them as the detail endpoint does, which parent
representations embed them) and the webhook events it emits. The changes feed, change
capture and webhooks read this table. Every sync type gets its `<type>.created`,
`<type>.updated` and `<type>.deleted` webhook events on registration.
"""

from collections.abc import Callable
from dataclasses import dataclass

ACTIONS = ("created", "updated", "deleted")


def _no_context(instances: list) -> dict:
    return {}


def _no_parents(instance) -> list:
    return []


@dataclass(frozen=True)
class SyncType:
    name: str
    model: type
    serializer: type
    # Adds the select_related/prefetch_related/annotations the serializer needs, so a page serialises in a
    # fixed number of queries and shows what the detail endpoint shows (a tag's highlight_count).
    prepare: Callable
    # Serializer context for a batch of prepared instances, loaded in a fixed number of queries
    # (a persona's claims with their strength, a message's current revision).
    context: Callable[[list], dict] = _no_context
    # The objects of other sync types whose representation embeds this one (a claim's persona): when this
    # one changes, change capture records them too.
    parents: Callable[[object], list] = _no_parents
    # Whether the feed may keep the rendered representation until the object's next change (StoredRepresentation):
    # only for representations made of the object's own row, so that nothing else can change them without a
    # change event of this object. Not for one that embeds other rows (a citation's quote is its highlight's)
    # or holds what changes by itself (an interview's signed, expiring media link).
    storable: bool = False


_types: dict[str, SyncType] = {}
_type_by_model: dict[type, str] = {}
_webhook_events: list[str] = []
# Called with each SyncType as it is registered (change capture connects its signals so).
_listeners: list[Callable[[SyncType], None]] = []


def register_sync_type(
    name: str,
    *,
    model: type,
    serializer: type,
    prepare: Callable = lambda queryset: queryset,
    context: Callable[[list], dict] = _no_context,
    parents: Callable[[object], list] = _no_parents,
    storable: bool = False,
) -> None:
    existing = _types.get(name)
    if existing is not None and existing.model is not model:
        raise ValueError(f"The sync type {name!r} is already registered for {existing.model.__name__}.")
    entry = SyncType(name=name, model=model, serializer=serializer, prepare=prepare, context=context, parents=parents,
                     storable=storable)
    _types[name] = entry
    _type_by_model[model] = name
    register_webhook_events(*(f"{name}.{action}" for action in ACTIONS))
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


def sync_type(name: str) -> SyncType:
    return _types[name]


def sync_type_of(model) -> SyncType | None:
    name = _type_by_model.get(model)
    return _types[name] if name is not None else None


def type_of(model) -> str | None:
    return _type_by_model.get(model)


def webhook_event_types() -> list[str]:
    """Every event a webhook endpoint can subscribe to, in registration order."""
    return list(_webhook_events)
