"""Reading the changes feed: an opaque cursor over positions, objects as the API shows them."""

import base64
import binascii
import json

from django.core.exceptions import ValidationError

from .models import ChangeEvent
from .positions import assign_positions
from .registry import sync_types
from .representation import represent

MAX_PAGE = 500


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"v": 1, "p": position}).encode()).decode().rstrip("=")


# Positions are a PostgreSQL bigint: a cursor past it could only come from somebody else's hand.
_MAX_POSITION = 2**63 - 1


def decode_cursor(cursor: str) -> int:
    """The position in a cursor encode_cursor wrote; anything else (garbage, {"p": 1e400}, a huge or
    negative or non-integer position) is a 400 before it reaches a query."""
    if not cursor:
        return 0
    refused = ValidationError({"cursor": "This cursor is not one we handed out; start without one or use `next`."})
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeError, RecursionError):  # JSONDecodeError is a ValueError
        raise refused from None
    position = data.get("p") if isinstance(data, dict) else None
    # bool is an int to Python; 1e400 parses as inf, "7" as a string: only a plain integer in range passes.
    if type(position) is not int or not 0 <= position <= _MAX_POSITION:
        raise refused
    return position


def parse_types(raw: str) -> list[str]:
    if not raw:
        return []
    types = [t.strip() for t in raw.split(",") if t.strip()]
    unknown = sorted(set(types) - set(sync_types()))
    if unknown:
        raise ValidationError({"types": f"Unknown type {', '.join(unknown)}; choose from {', '.join(sync_types())}."})
    return types


def changes_page(*, after: int, types: list[str], limit: int, context: dict) -> tuple[list[dict], int, bool]:
    """Events after `after`, in order; returns (entries, last position, more waiting).

    `context` is the serializers' (the API request): objects appear as that caller would read them,
    personal fields included only for callers who may see them."""
    assign_positions()
    events = ChangeEvent.objects.filter(position__gt=after).order_by("position")
    if types:
        events = events.filter(object_type__in=types)
    events = list(events[: limit + 1])
    more = len(events) > limit
    events = events[:limit]
    objects = _load_objects(events, context)
    entries = []
    for event in events:
        current = objects.get((event.object_type, event.object_id))
        gone = event.action == ChangeEvent.Action.DELETED or current is None
        entries.append({
            "position": event.position,
            "type": event.object_type,
            "id": str(event.object_id),
            "action": event.action,
            # Only fields this reader can see: a key without personal_data is not told that a name changed.
            "changed_fields": [] if gone else [name for name in event.changed_fields if name in current],
            "occurred_at": event.occurred_at,
            # A deletion (erasures included) is a tombstone: the id and nothing else.
            "object": None if gone else current,
            "deleted": gone,
        })
    last = events[-1].position if events else after
    return entries, last, more


def _load_objects(events, context: dict) -> dict:
    wanted: dict[str, set] = {}
    for event in events:
        if event.action != ChangeEvent.Action.DELETED:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    loaded = {}
    for object_type, ids in wanted.items():
        model = sync_types()[object_type][0]
        for public_id, data in objects_as_shown(object_type, model.objects.filter(public_id__in=ids), context):
            loaded[(object_type, public_id)] = data
    return loaded


def objects_as_shown(object_type: str, queryset, context: dict) -> list[tuple]:
    """(public id, representation) of each object of `queryset`, as the feed and the snapshot show it to the caller
    in `context`. The queryset is of `object_type`'s model and bounded (a page, a chunk): it is read whole."""
    # The one representation REST detail views and webhooks use too.
    return list(represent(object_type, queryset, context=context).items())
