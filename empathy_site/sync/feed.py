"""Reading the changes feed: an opaque cursor over positions, objects as the API shows them."""

import base64
import binascii
import functools
import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Lookup
from django.utils import timezone
from rest_framework import serializers
from rest_framework.settings import api_settings
from rest_framework.utils.encoders import JSONEncoder

from empathy_site.tenancy.context import require_org_id, tenant_atomic

from .models import ChangeEvent
from .positions import LOCK_NAMESPACE, assign_positions
from .registry import sync_type, sync_types
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


def changes_page(*, after: int, types: list[str], limit: int, context: dict, personal_data: bool) -> tuple[str, int, bool]:
    """Events after `after`, in order; returns (the page's `results` as JSON text, last position, more waiting).

    `context` is the serializers' (the API request), `personal_data` whether this reader sees personal fields
    (what the serializers decide from `context`): objects appear as that caller would read them.

    Entries are written as JSON text in ChangeSerializer's shape (which documents them): a page is up to 500
    changes, and running a serializer over each envelope cost as much as reading the page. Objects of storable
    types (registry.SyncType.storable) come as the text stored when they were last rendered for this kind of
    reader, read in the same query as the events; the others, and those not stored yet, are rendered now (and
    stored when they may be)."""
    assign_positions()
    rows = _page_rows(after=after, types=types, limit=limit, personal_data=personal_data)
    more = len(rows) > limit
    rows = rows[:limit]
    rendered = _render_missing(rows, context, personal_data=personal_data)
    # Bound once per page: the field otherwise looks the active time zone up for every value.
    occurred = serializers.DateTimeField(default_timezone=_default_timezone()).to_representation
    deleted = ChangeEvent.Action.DELETED
    entries = []
    for position, object_type, object_id, action, changed_fields, occurred_at, body, shown, _ in rows:
        if body is None and (object_type, object_id) in rendered:
            body, fields = rendered[(object_type, object_id)]
            shown = json_text([name for name in _json(changed_fields) if name in fields])
        # A deletion (erasures included) is a tombstone: the id and nothing else. Only fields this reader can
        # see are named changed: a key without personal_data is not told that a name changed.
        gone = action == deleted or body is None
        entries.append(
            f'{{"position":{position},"type":{_quoted(object_type)},"id":"{object_id}","action":{_quoted(action)},'
            f'"changed_fields":{"[]" if gone else shown},"occurred_at":"{occurred(occurred_at)}",'
            f'"object":{"null" if gone else body},"deleted":{"true" if gone else "false"}}}'
        )
    last = rows[-1][0] if rows else after
    return f"[{','.join(entries)}]", last, more


def _page_rows(*, after: int, types: list[str], limit: int, personal_data: bool) -> list[tuple]:
    """Up to limit + 1 events after `after`: (position, type, id, action, changed fields, occurred at, stored
    body or None, the changed fields the stored body shows as JSON text or None, the last position handed out)."""
    if connection.vendor != "postgresql":
        # The embedded SQLite of `make run`: the same events, every object rendered on each page, nothing stored.
        events = ChangeEvent.objects.filter(position__gt=after).order_by("position")
        if types:
            events = events.filter(object_type__in=types)
        return [(*row, None, None, None) for row in events.values_list(
            "position", "object_type", "object_id", "action", "changed_fields", "occurred_at")[: limit + 1]]
    org_id = require_org_id()
    type_filter = "AND e.object_type = ANY(%(types)s)" if types else ""
    with connection.cursor() as cursor:
        # For a stored object, the change's fields that its representation shows, as JSON text (see below).
        cursor.execute(
            f"""
            SELECT e.position, e.object_type, e.object_id, e.action, e.changed_fields, e.occurred_at, r.body,
                   CASE WHEN r.body IS NOT NULL THEN COALESCE(
                       (SELECT jsonb_agg(name) FROM jsonb_array_elements_text(e.changed_fields) AS name
                        WHERE r.fields ? name), '[]')::text END,
                   (SELECT max(position) FROM sync_changeevent WHERE organization_id = %(org)s)
            FROM sync_changeevent AS e
            LEFT JOIN sync_storedrepresentation AS r
                ON r.organization_id = e.organization_id AND r.object_type = e.object_type
                AND r.object_id = e.object_id AND r.personal_data = %(personal)s
            WHERE e.organization_id = %(org)s AND e.position > %(after)s {type_filter}
            ORDER BY e.position LIMIT %(limit)s
            """,
            {"org": org_id, "personal": personal_data, "after": after, "types": types, "limit": limit + 1},
        )
        return cursor.fetchall()


@functools.cache
def _quoted(name: str) -> str:
    return json_text(name)


def json_text(value) -> str:
    """`value` as the API's JSON renderer writes it (compact, UTF-8 as is, no NaN), for text spliced into a response."""
    return json.dumps(value, cls=JSONEncoder, ensure_ascii=not api_settings.UNICODE_JSON,
                      allow_nan=not api_settings.STRICT_JSON, separators=_SEPARATORS)


_SEPARATORS = (",", ":") if api_settings.COMPACT_JSON else (", ", ": ")


def _json(value):
    # The cursor leaves jsonb as text (Django parses JSONField values itself).
    return json.loads(value) if isinstance(value, str) else value


def _default_timezone():
    return timezone.get_current_timezone() if settings.USE_TZ else None


def _render_missing(rows, context: dict, *, personal_data: bool) -> dict:
    """(type, id) -> (JSON text, set of field names) of each object of the page that has no stored representation
    and still exists, rendered now; stored when its type may be."""
    wanted, rendered, storing = {}, {}, []
    for _, object_type, object_id, action, _, _, body, _, _ in rows:
        if body is None and action != ChangeEvent.Action.DELETED:
            wanted.setdefault(object_type, set()).add(object_id)
    for object_type, ids in wanted.items():
        entry = sync_type(object_type)
        for public_id, data in objects_as_shown(object_type, _with_public_ids(entry.model, ids), context):
            rendered[(object_type, public_id)] = (json_text(data), set(data))
            if entry.storable and connection.vendor == "postgresql":
                storing.append((object_type, public_id, rendered[(object_type, public_id)][0], json_text(list(data))))
    if storing:
        # Every row carries the last position handed out when the page was read, before anything was rendered.
        _store(storing, personal_data=personal_data, rendered_after=rows[0][-1])
    return rendered


def _store(rendered: list[tuple], *, personal_data: bool, rendered_after: int) -> None:
    """Keep representations rendered from what was committed once changes up to `rendered_after` were positioned.

    Each is kept only when its object has no change that is newer (positioned later, or not positioned yet):
    what such a change did may be missing from it. Under the relay's lock, so that the relay, which deletes
    the representations of the objects it positions changes of, either sees it or is seen by it."""
    org_id = require_org_id()
    types, ids, bodies, fields = (list(column) for column in zip(*rendered, strict=True))
    with tenant_atomic(savepoint=False), connection.cursor() as cursor:
        # Two statements, one round trip: the second takes its snapshot once it holds the lock.
        cursor.execute(
            """
            SELECT pg_advisory_xact_lock(%(namespace)s, %(org)s);
            INSERT INTO sync_storedrepresentation (organization_id, public_id, object_type, object_id, personal_data, body, fields)
            SELECT %(org)s, gen_random_uuid(), v.object_type, v.object_id, %(personal)s, v.body, v.fields
            FROM unnest(%(types)s::varchar[], %(ids)s::uuid[], %(bodies)s::text[], %(fields)s::jsonb[])
                AS v(object_type, object_id, body, fields)
            WHERE NOT EXISTS (
                SELECT 1 FROM sync_changeevent AS e
                WHERE e.organization_id = %(org)s AND e.object_type = v.object_type AND e.object_id = v.object_id
                AND (e.position IS NULL OR e.position > %(after)s)
            )
            ON CONFLICT (organization_id, object_type, object_id, personal_data) DO NOTHING
            """,
            {"namespace": LOCK_NAMESPACE, "org": org_id, "personal": personal_data, "types": types, "ids": ids,
             "bodies": bodies, "fields": fields, "after": rendered_after},
        )


def _with_public_ids(model, ids):
    if connection.vendor != "postgresql":
        return model.objects.filter(public_id__in=ids)
    return model.objects.filter(_EqualsAny(F("public_id"), list(ids)))


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
