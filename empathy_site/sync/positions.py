"""Assigning feed positions after commit, one organisation at a time.

A plain sequence or updated_at cursor loses rows: transaction T1 takes number
10, T2 takes 11 and commits first, a consumer reads 11 and moves its cursor
past 10, then T1 commits and 10 is never seen. Here positions are handed out
only to rows that are already committed, under a per-org lock, each batch
above everything handed out before; so nothing can appear behind a cursor.

Positioning a change also deletes the representations the feed stored of its object (StoredRepresentation):
they are older than the change. The feed stores one under the same lock (feed.py), so the two cannot cross.
"""

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from empathy_site.tenancy.context import require_org_id, tenant_atomic

from .models import ChangeEvent

BATCH = 10_000
LOCK_NAMESPACE = 71_003  # pg_advisory_xact_lock(namespace, org id)


def assign_positions() -> int:
    """Position every committed, unpositioned change of the active org. Returns how many."""
    org_id = require_org_id()
    assigned = 0
    while True:
        # No savepoint: this runs before every feed page, and a failure here fails the page anyway.
        with tenant_atomic(savepoint=False):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # Two statements, one round trip: the second takes its snapshot once it holds the lock.
                    cursor.execute(
                        """
                        SELECT pg_advisory_xact_lock(%s, %s);
                        WITH base AS (
                            SELECT COALESCE(MAX(position), 0) AS top FROM sync_changeevent WHERE organization_id = %s
                        ), next AS (
                            SELECT id, (SELECT top FROM base) + row_number() OVER (ORDER BY id) AS pos
                            FROM sync_changeevent
                            WHERE organization_id = %s AND position IS NULL
                            ORDER BY id LIMIT %s
                        ), positioned AS (
                            UPDATE sync_changeevent AS c SET position = next.pos, positioned_at = clock_timestamp()
                            FROM next WHERE c.id = next.id
                            RETURNING c.object_type, c.object_id
                        ), outdated AS (
                            DELETE FROM sync_storedrepresentation AS r USING positioned AS p
                            WHERE r.organization_id = %s AND r.object_type = p.object_type AND r.object_id = p.object_id
                        )
                        SELECT count(*) FROM positioned
                        """,
                        [LOCK_NAMESPACE, org_id, org_id, org_id, BATCH, org_id],
                    )
                    cursor.nextset()
                    count = cursor.fetchone()[0]
            else:
                top = ChangeEvent.objects.aggregate(top=Max("position"))["top"] or 0
                pending = list(ChangeEvent.objects.filter(position__isnull=True).order_by("id")[:BATCH])
                now = timezone.now()
                for offset, event in enumerate(pending, start=1):
                    event.position, event.positioned_at = top + offset, now
                ChangeEvent.objects.bulk_update(pending, ["position", "positioned_at"])
                count = len(pending)
        assigned += count
        if count < BATCH:
            return assigned


