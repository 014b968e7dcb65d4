"""Following the changes feed through 100,000 changes: flat page time, and the cost against raw SQL.

Issue: syncing 100,000 changes by following the cursor, the time per page
stays flat from the first page to the last (last page within 1.5x of the
first), and the whole sync is measured against a raw SQL keyset scan of the
same rows in the same run.

Data (setup, not measured): 10,000 participants and 100,000 `updated` change
events pointing at them, positioned by the relay (whose time is reported).
Measured: GET /api/v1/changes/?limit=500 through Django's test client with an
API key (after one warm-up request for another type), following `next` to the
end (200 pages), against a psycopg keyset
scan as the runtime role that reads the same event rows and the same
participant rows page by page.
"""

from __future__ import annotations

import statistics
import time

from .report import Row

CHANGES = 100_000
PARTICIPANTS = 10_000
PAGE = 500
SYNC_TARGET = 1.5  # issue #13: the whole sync against the raw keyset scan
EDGE_PAGES = 5  # first and last pages averaged over this many


def _load(ctx, org) -> float:
    from empathy_site.sync.models import ChangeEvent
    from empathy_site.sync.positions import assign_positions
    from empathy_site.tenancy.context import activate_without_transaction, deactivate, tenant_scope
    from interviews.models import Participant

    participants = ctx.scaled(PARTICIPANTS)
    changes = ctx.scaled(CHANGES)
    with tenant_scope(org):
        people = Participant.objects.bulk_create(
            [Participant(organization=org, pseudonym=f"P{n:05d}", attributes={"role": "buyer"}) for n in range(participants)],
            batch_size=5000,
        )
        ids = [p.public_id for p in people]
        ChangeEvent.unscoped.bulk_create(
            [ChangeEvent(organization=org, object_type="participant", object_id=ids[n % len(ids)], action="updated")
             for n in range(changes)],
            batch_size=5000,
        )
    token = activate_without_transaction(org.pk)
    try:
        started = time.perf_counter()
        assign_positions()
        return time.perf_counter() - started
    finally:
        deactivate(token)


def _follow_endpoint(org) -> list[float]:
    from django.test import Client

    from empathy_site.tenancy.services import api_key_create

    _, raw = api_key_create(organization=org, name="sync benchmark", scopes=["read"])
    client, auth = Client(raise_request_exception=True), f"Bearer {raw}"
    # Warm-up, not measured: the first request of a process imports the URLconf and every view. It asks for a
    # type this org has no changes of, so it reads, renders and stores nothing of the data measured.
    client.get("/api/v1/changes/?types=tag", HTTP_AUTHORIZATION=auth, secure=True)
    url, times, seen = f"/api/v1/changes/?limit={PAGE}", [], 0
    while url:
        started = time.perf_counter()
        # secure=True: outside DEBUG the settings redirect plain http to https.
        response = client.get(url, HTTP_AUTHORIZATION=auth, secure=True)
        times.append(time.perf_counter() - started)
        body = response.json()
        seen += len(body["results"])
        url = body["next"]
    return times, seen


def _follow_raw(ctx, org) -> list[float]:
    connection = ctx.raw_connection()
    times, after, seen = [], 0, 0
    try:
        while True:
            started = time.perf_counter()
            with connection.transaction(), connection.cursor() as cursor:
                cursor.execute("SELECT set_config('app.org_id', %s, true)", [str(org.pk)])
                cursor.execute(
                    "SELECT position, object_type, object_id, action, occurred_at FROM sync_changeevent "
                    "WHERE organization_id = %s AND position > %s ORDER BY position LIMIT %s",
                    [org.pk, after, PAGE + 1],
                )
                rows = cursor.fetchall()[:PAGE]
                ids = list({row[2] for row in rows})
                cursor.execute(
                    "SELECT public_id, pseudonym, name, email, attributes, external_ids, consent_given_at, consent_scope, "
                    "consent_expires_at, consent_withdrawn_at, created_at, updated_at "
                    "FROM interviews_participant WHERE organization_id = %s AND public_id = ANY(%s)",
                    [org.pk, ids],
                )
                cursor.fetchall()
            times.append(time.perf_counter() - started)
            seen += len(rows)
            if len(rows) < PAGE:
                return times, seen
            after = rows[-1][0]
    finally:
        connection.close()


def run(ctx) -> list[Row]:
    org = ctx.organization("sync")
    relay_seconds = _load(ctx, org)
    changes = ctx.scaled(CHANGES)
    raw_times, raw_seen = _follow_raw(ctx, org)
    with ctx.profiled():
        endpoint_times, seen = _follow_endpoint(org)
    if seen != changes or raw_seen != changes:
        raise RuntimeError(f"expected {changes} changes, the feed gave {seen} and the raw scan {raw_seen}")
    edge = min(EDGE_PAGES, max(1, len(endpoint_times) // 4))
    first = statistics.mean(endpoint_times[:edge])
    last = statistics.mean(endpoint_times[-edge - 1:-1] or endpoint_times[-edge:])  # the final page may be short
    raw_first = statistics.mean(raw_times[:edge])
    raw_last = statistics.mean(raw_times[-edge - 1:-1] or raw_times[-edge:])
    total, raw_total = sum(endpoint_times), sum(raw_times)
    pages = len(endpoint_times)
    return [
        Row(f"sync {changes:,} changes via /changes/ ({pages} pages of {PAGE})", total, "s", raw_total,
            "raw SQL keyset scan + object rows", f"≤ {SYNC_TARGET}x", total <= SYNC_TARGET * raw_total),
        Row("  page time, last pages vs first pages", last * 1000, "ms", first * 1000, "first pages, same run",
            "≤ 1.5x", last <= 1.5 * first),
        Row("  raw keyset page, last vs first", raw_last * 1000, "ms", raw_first * 1000, "first pages", "", None),
        Row("  median page", statistics.median(endpoint_times) * 1000, "ms",
            statistics.median(raw_times) * 1000, "raw SQL median page", "", None),
        Row(f"relay: position {changes:,} committed changes", relay_seconds, "s", None, "", "", None),
    ]


