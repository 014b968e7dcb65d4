"""Reading the changes feed: an opaque cursor over positions, objects as the API shows them."""

import base64
import binascii
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Lookup
from django.utils import timezone
from rest_framework import serializers

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
    """Events after `after`, in order; returns (entries as the API renders them, last position, more waiting).

    `context` is the serializers' (the API request): objects appear as that caller would read them,
    personal fields included only for callers who may see them.

    Entries come out as JSON-ready values in ChangeSerializer's shape (which documents them): a page is up to
    500 changes, and running a serializer over each envelope cost as much as reading the page."""
    assign_positions()
    events = ChangeEvent.objects.filter(position__gt=after).order_by("position")
    if types:
        events = events.filter(object_type__in=types)
    # Tuples, not model instances: the envelope needs six columns and no behaviour.
    rows = list(events.values_list(*_EVENT_COLUMNS)[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    objects = _load_objects(rows, context)
    # Bound once per page: the field otherwise looks the active time zone up for every value.
    occurred = serializers.DateTimeField(default_timezone=_default_timezone()).to_representation
    deleted = ChangeEvent.Action.DELETED
    entries = []
    for position, object_type, object_id, action, changed_fields, occurred_at in rows:
        current = objects.get((object_type, object_id))
        gone = action == deleted or current is None
        entries.append({
            "position": position,
            "type": object_type,
            "id": str(object_id),
            "action": action,
            # Only fields this reader can see: a key without personal_data is not told that a name changed.
            "changed_fields": [] if gone else [name for name in changed_fields if name in current],
            "occurred_at": occurred(occurred_at),
            # A deletion (erasures included) is a tombstone: the id and nothing else.
            "object": None if gone else current,
            "deleted": gone,
        })
    last = rows[-1][0] if rows else after
    return entries, last, more


_EVENT_COLUMNS = ("position", "object_type", "object_id", "action", "changed_fields", "occurred_at")


def _default_timezone():
    return timezone.get_current_timezone() if settings.USE_TZ else None


def _load_objects(rows, context: dict) -> dict:
    wanted: dict[str, set] = {}
    for _, object_type, object_id, action, _, _ in rows:
        if action != ChangeEvent.Action.DELETED:
            wanted.setdefault(object_type, set()).add(object_id)
    loaded = {}
    for object_type, ids in wanted.items():
        model = sync_types()[object_type][0]
        for public_id, data in objects_as_shown(object_type, _with_public_ids(model, ids), context):
            loaded[(object_type, public_id)] = data
    return loaded


def _with_public_ids(model, ids):
    if connection.vendor == "postgresql":
        return model.objects.filter(_EqualsAny(F("public_id"), list(ids)))
    return model.objects.filter(public_id__in=ids)


class _EqualsAny(Lookup):
    """`column = ANY(%s)` with the values as one array parameter, rather than `IN (%s, %s, ...)`: Django binds
    parameters client-side, and splicing a page's worth of ids into the statement cost more than the lookup."""

    lookup_name = "equals_any"
    prepare_rhs = False  # the list goes to psycopg as it is, which sends it as an array

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def objects_as_shown(object_type: str, queryset, context: dict) -> list[tuple]:
    """(public id, representation) of each object of `queryset`, as the feed and the snapshot show it to the caller
    in `context`. The queryset is of `object_type`'s model and bounded (a page, a chunk): it is read whole."""
    # The one representation REST detail views and webhooks use too.
    return list(represent(object_type, queryset, context=context).items())
