"""Reading the changes feed: an opaque cursor over positions, objects as the API shows them."""

import base64
import binascii
import json

from django.core.exceptions import ValidationError

from .models import ChangeEvent
from .positions import assign_positions
from .registry import sync_types

MAX_PAGE = 500


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"v": 1, "p": position}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        position = int(data["p"])
    except (binascii.Error, ValueError, KeyError, TypeError, json.JSONDecodeError):
        raise ValidationError({"cursor": "This cursor is not one we handed out; start without one or use `next`."}) from None
    if position < 0:
        raise ValidationError({"cursor": "This cursor is not one we handed out."})
    return position


def parse_types(raw: str) -> list[str]:
    if not raw:
        return []
    types = [t.strip() for t in raw.split(",") if t.strip()]
    unknown = sorted(set(types) - set(sync_types()))
    if unknown:
        raise ValidationError({"types": f"Unknown type {', '.join(unknown)}; choose from {', '.join(sync_types())}."})
    return types


def changes_page(*, after: int, types: list[str], limit: int) -> tuple[list[dict], int, bool]:
    """Events after `after`, in order; returns (entries, last position, more waiting)."""
    assign_positions()
    events = ChangeEvent.objects.filter(position__gt=after).order_by("position")
    if types:
        events = events.filter(object_type__in=types)
    events = list(events[: limit + 1])
    more = len(events) > limit
    events = events[:limit]
    objects = _load_objects(events)
    entries = []
    for event in events:
        current = objects.get((event.object_type, event.object_id))
        gone = event.action == ChangeEvent.Action.DELETED or current is None
        entries.append({
            "position": event.position,
            "type": event.object_type,
            "id": str(event.object_id),
            "action": event.action,
            "occurred_at": event.occurred_at,
            # A deletion (erasures included) is a tombstone: the id and nothing else.
            "object": None if gone else current,
            "deleted": gone,
        })
    last = events[-1].position if events else after
    return entries, last, more


def _load_objects(events) -> dict:
    wanted: dict[str, set] = {}
    for event in events:
        if event.action != ChangeEvent.Action.DELETED:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    loaded = {}
    for object_type, ids in wanted.items():
        model, serializer, hook = sync_types()[object_type]
        instances = list(hook(model.objects.filter(public_id__in=ids)))
        # many=True: one serializer for the batch; building one per object costs ~1 ms each.
        for instance, data in zip(instances, serializer(instances, many=True).data, strict=True):
            loaded[(object_type, instance.public_id)] = data
    return loaded
