"""The first sync's bulk export: one consistent snapshot of the organisation as NDJSON, then a feed cursor.

Each line is `{"type", "id", "object"}` with the object as the changes feed shows it to the caller; the last line
is `{"cursor": ...}`, where to follow the feed from. A stream that ends without it was cut short: start again.

Consistency: every line is read in one REPEATABLE READ transaction, so a write committed while the stream runs
is either wholly in it or not at all. The cursor is the top feed position inside that same snapshot, taken after
positioning every committed change and before reading any object: every change the snapshot shows sits at or
below it, every change it misses gets a position above it. Objects may reappear in the feed after the cursor;
none is lost.

Streamed: the request's transaction and tenant are gone by the time the response body is read (the API base view
closes both when the view returns), so the generator activates the tenant, opens its own transaction and binds
row-level security to it, and reads each type through a server-side cursor a chunk at a time.
"""

from collections.abc import Iterator
from itertools import islice

from django.db import connection, transaction
from django.db.models import Max
from rest_framework.utils.encoders import JSONEncoder

from empathy_site.tenancy.context import activate_without_transaction, bind_transaction_to_org, deactivate

from .feed import encode_cursor, objects_as_shown
from .models import ChangeEvent
from .positions import assign_positions
from .registry import sync_types

MEDIA_TYPE = "application/x-ndjson"
# Objects read and serialised at a time: memory stays flat however large the organisation.
CHUNK_SIZE = 500

_encoder = JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def snapshot_lines(*, org_id: int, types: list[str], context: dict) -> Iterator[bytes]:
    """The organisation's objects of `types` (every syncable type when empty), one NDJSON line each, then the cursor.

    Precondition: called outside any tenant scope or request transaction (a response body being streamed).
    """
    token = activate_without_transaction(org_id)
    try:
        # Commits positions for every change committed so far, in its own transactions.
        assign_positions()
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:
                _repeatable_read()
            bind_transaction_to_org(org_id)
            top = ChangeEvent.objects.aggregate(top=Max("position"))["top"] or 0
            for object_type in types or list(sync_types()):
                for public_id, data in _objects(object_type, context):
                    yield _line({"type": object_type, "id": str(public_id), "object": data})
            yield _line({"cursor": encode_cursor(top)})
    finally:
        deactivate(token)


def _repeatable_read() -> None:
    """Make the transaction just opened REPEATABLE READ: one snapshot for every statement that follows.

    Precondition: nothing has run in it yet. Only for an outermost transaction: nested in a caller's (a test's),
    the caller's isolation stands, and PostgreSQL refuses the SET after a transaction's first query.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def _objects(object_type: str, context: dict) -> Iterator[tuple]:
    model = sync_types()[object_type][0]
    # A server-side cursor over the ids; each chunk is loaded and serialised as the feed does a page.
    ids = model.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(islice(ids, CHUNK_SIZE)):
        yield from objects_as_shown(object_type, model.objects.filter(pk__in=chunk).order_by("pk"), context)


def _line(value: dict) -> bytes:
    return (_encoder.encode(value) + "\n").encode()
