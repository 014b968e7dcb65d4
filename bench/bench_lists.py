"""API lists in a big organisation: page 1 against the last page.

Issue: lists stay fast on their first page as an organisation grows; at 50,000
highlights page 1 is within 1.5x of the last page (it was 5x slower: with no
index in the lists' order, page 1 scanned and sorted the whole organisation).

Data (setup, not measured): one organisation with 50,000 highlights (every
fifth tagged) over one 200-utterance interview, and another with 50,000
participants; `created_at` one second apart, as rows written over time;
VACUUM ANALYZE as autovacuum would.
Measured: GET /api/v1/<list>/ (default page size and order, newest first)
through Django's test client with an API key, page 1 and the last page (the
cursor DRF hands out for it, built with the API's own paginator), interleaved
round by round after a warm-up; medians.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime
from unittest import mock

from .report import Row

HIGHLIGHTS = 50_000
PARTICIPANTS = 50_000
UTTERANCES = 200
ROUNDS = 30
RATIO_TARGET = 1.5
START = datetime(2024, 1, 1, tzinfo=UTC)
# Every table the lists read, analyzed after loading as autovacuum would: with no statistics the planner
# guesses a few rows per organisation and picks plans it would not pick in production.
ANALYZED = ("interviews_highlight", "interviews_highlighttag", "interviews_tag", "interviews_utterance",
            "interviews_interview", "interviews_participant")


def _spread_created_at(queryset) -> None:
    """One second apart in id order: distinct, so the last page's cursor is a plain position."""
    from django.db.models.expressions import RawSQL

    queryset.update(created_at=RawSQL("%s + id * interval '1 second'", [START]))


def _load_highlights(ctx, org) -> None:
    from empathy_site.tenancy.context import activate_without_transaction, deactivate, tenant_scope
    from interviews import services
    from interviews.models import Highlight, HighlightTag, Utterance
    from interviews.tasks import interview_process_task

    text = "\n".join(f"{'Dana' if n % 2 else 'Sam'}: Line {n} about invoices, certificates and the quarter." for n in range(UTTERANCES))
    with mock.patch.object(interview_process_task, "delay"), tenant_scope(org):
        interview = services.interview_upload(upload=services.Upload(name="call.txt", data=text.encode()), title="Call")
    token = activate_without_transaction(org.pk)
    try:
        services.interview_process(interview_id=interview.pk)
    finally:
        deactivate(token)
    count = ctx.scaled(HIGHLIGHTS)
    with tenant_scope(org):
        person = services.participant_create(pseudonym="P-Dana")
        tags = [services.tag_create(name=f"Tag {n}") for n in range(10)]
        utterances = list(Utterance.objects.filter(interview=interview).order_by("position"))
        highlights = Highlight.objects.bulk_create([
            Highlight(organization=org, interview=interview, start_utterance=u, end_utterance=u, start_position=u.position,
                      end_position=u.position, start_offset=0, end_offset=10, quote=u.text[:10], participant=person)
            for u in (utterances[n % len(utterances)] for n in range(count))
        ], batch_size=5000)
        HighlightTag.objects.bulk_create([
            HighlightTag(organization=org, highlight=h, tag=tags[n % len(tags)]) for n, h in enumerate(highlights) if n % 5 == 0
        ], batch_size=5000)
        _spread_created_at(Highlight.objects.all())


def _load_participants(ctx, org) -> None:
    from empathy_site.tenancy.context import tenant_scope
    from interviews.models import Participant

    with tenant_scope(org):
        Participant.objects.bulk_create(
            [Participant(organization=org, pseudonym=f"P{n:06d}", attributes={"role": "buyer"}) for n in range(ctx.scaled(PARTICIPANTS))],
            batch_size=5000,
        )
        _spread_created_at(Participant.objects.all())


def _vacuum_analyze(ctx, *tables: str) -> None:
    connection = ctx.raw_connection(as_owner=True)  # VACUUM and ANALYZE need the table's owner
    try:
        for table in tables:
            connection.execute(f"VACUUM ANALYZE {table}")
    finally:
        connection.close()


def _last_page_url(org, model, path: str) -> str:
    """The URL `next` leads to for the last page: the position of the last row of the page before it."""
    from django.conf import settings
    from rest_framework.pagination import Cursor

    from empathy_site.api.pagination import CursorPagination
    from empathy_site.tenancy.context import tenant_scope

    page_size = settings.REST_FRAMEWORK["PAGE_SIZE"]
    with tenant_scope(org):
        total = model.objects.count()
        before_last = model.objects.order_by("-created_at", "-id").values_list("created_at", flat=True)[total - page_size - 1]
    paginator = CursorPagination()
    paginator.base_url = path
    return paginator.encode_cursor(Cursor(offset=0, reverse=False, position=str(before_last)))


def _measure(ctx, org, model, path: str) -> tuple[float, float, int]:
    from django.test import Client

    from empathy_site.tenancy.services import api_key_create

    _, raw = api_key_create(organization=org, name="lists benchmark", scopes=["read"])
    client, auth = Client(raise_request_exception=True), f"Bearer {raw}"
    urls = {"first": path, "last": _last_page_url(org, model, path)}

    def get(url):
        started = time.perf_counter()
        with ctx.profiled():
            # secure=True: outside DEBUG the settings redirect plain http to https.
            response = client.get(url, HTTP_AUTHORIZATION=auth, secure=True)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}: {response.content[:300]!r}")
        return elapsed, response.json()

    _, last = get(urls["last"])
    _, first = get(urls["first"])
    if last["next"] is not None or not last["results"] or first["next"] is None:
        raise RuntimeError(f"{path}: the last-page cursor does not lead to the last page")
    times = {"first": [], "last": []}
    for round_number in range(ROUNDS + 1):
        order = ("first", "last") if round_number % 2 else ("last", "first")
        for which in order:
            elapsed, _ = get(urls[which])
            if round_number:  # round 0 warms up
                times[which].append(elapsed)
    return statistics.median(times["first"]), statistics.median(times["last"]), len(first["results"])


def run(ctx) -> list[Row]:
    from interviews.models import Highlight, Participant

    rows = []
    for label, model, loader, path in (
        ("highlights", Highlight, _load_highlights, "/api/v1/highlights/"),
        ("participants", Participant, _load_participants, "/api/v1/participants/"),
    ):
        org = ctx.organization(f"lists-{label}")
        loader(ctx, org)
        _vacuum_analyze(ctx, *ANALYZED)
        first, last, page = _measure(ctx, org, model, path)
        count = ctx.scaled(HIGHLIGHTS if model is Highlight else PARTICIPANTS)
        rows.append(Row(f"{label} list, page 1 ({page} of {count:,}), median", first * 1000, "ms", last * 1000,
                        "last page, same run", f"≤ {RATIO_TARGET}x", first <= RATIO_TARGET * last))
    return rows
