"""Ingest can never get stuck: every interview ends ready or failed with a sentence, on PostgreSQL.

Covers the service (savepoint + failure state + FailedTask), the stale-claim sweep
(beat, fanned out per organisation, bounded), reprocess of a stalled interview, a
live worker that must not be taken over, and a real worker killed with SIGKILL.
"""

import hashlib
import json
import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

import empathy_site.sync.tasks  # noqa: F401  (connects the task-failure signal, as the worker's autodiscovery does)
from empathy_site.sync.models import FailedTask
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create
from interviews import parsers, services
from interviews import tasks as interview_tasks
from interviews.models import Interview, Utterance
from tests.api_assertions import assert_error
from tests.worker import start_worker, wait_until_ready

from .factories import InterviewFactory, UtteranceFactory
from .parsers.test_clean_output import DIRTY, cues

pytestmark = pytest.mark.postgres

GOOD_SRT = b"1\n00:00:01,000 --> 00:00:02,000\nAnn: Hello.\n\n2\n00:00:02,000 --> 00:00:03,000\nBen: Hi.\n"
BACKWARDS_SRT = (
    b"1\n00:00:10,000 --> 00:00:12,000\nAnn: Later words.\n\n"
    b"2\n00:00:01,000 --> 00:00:02,000\nAnn: Earlier words.\n"
)
TRACE_MARKERS = ("Traceback", "Error:", "IntegrityError", "DataError", "OverflowError", "RuntimeError", "psycopg")


@pytest.fixture
def upload(org_a, django_capture_on_commit_callbacks):
    """Upload as org A and run the queued processing task (eager Celery)."""

    def do(data, name):
        with django_capture_on_commit_callbacks(execute=True), tenant_scope(org_a):
            interview = services.interview_upload(upload=services.Upload(name=name, data=data))
        with tenant_scope(org_a):
            return Interview.objects.get(pk=interview.pk)

    return do


def queued_interview(org, data=GOOD_SRT, name="call.srt", **fields):
    with tenant_scope(org):
        return InterviewFactory(
            organization=org, status=Interview.Status.QUEUED, original_filename=name, detected_format="",
            original_file=ContentFile(data, name=name), content_hash=hashlib.sha256(data + name.encode()).hexdigest(),
            **fields,
        )


def process(org, interview):
    with tenant_scope(org):
        services.interview_process(interview_id=interview.pk)
        return Interview.objects.get(pk=interview.pk)


def assert_readable_failure(interview):
    assert interview.status == "failed", (interview.status, interview.error)
    assert interview.error and interview.error.endswith(".")
    assert not any(marker in interview.error for marker in TRACE_MARKERS), interview.error


def assert_clean_rows(org, interview):
    with tenant_scope(org):
        rows = list(Utterance.objects.filter(interview=interview).values_list("speaker__label", "start_ms", "end_ms", "text"))
    for label, start, end, text in rows:
        assert not DIRTY.search(label) and not DIRTY.search(text)
        assert start is None or end is None or end >= start
    return rows


def make_stale(org, interview, minutes=11, **fields):
    with tenant_scope(org):
        Interview.objects.filter(pk=interview.pk).update(
            status=Interview.Status.PROCESSING, claimed_at=timezone.now() - timedelta(minutes=minutes), **fields
        )


# The examples from the issue, through upload and the task ---------------------------------


def test_srt_whose_cues_go_back_in_time_is_ready_with_a_warning(upload, org_a):
    interview = upload(BACKWARDS_SRT, "backwards.srt")
    assert interview.status == "ready", interview.error
    assert assert_clean_rows(org_a, interview) == [("Ann", 1000, 12000, "Later words. Earlier words.")]
    assert any("back in time" in warning for warning in interview.parse_warnings)


def test_json_with_nul_in_text_and_speaker_is_ready_and_clean(upload, org_a):
    data = json.dumps([{"speaker": "Ann\u0000", "start": 1, "end": 2, "text": "Hel\u0000lo"}]).encode()
    interview = upload(data, "nul.json")
    assert interview.status == "ready", interview.error
    assert assert_clean_rows(org_a, interview) == [("Ann", 1000, 2000, "Hello")]


def test_json_with_a_start_of_1e306_fails_with_a_reason(upload, org_a):
    interview = upload(b'[{"speaker": "Ann", "start": 1e306, "end": 2, "text": "hi"}]', "huge.json")
    assert_readable_failure(interview)
    assert "Segment 1" in interview.error
    with interview.original_file.open("rb") as handle:
        assert b"1e306" in handle.read()


def test_warnings_are_shown_in_the_api(upload, org_a):
    interview = upload(BACKWARDS_SRT, "backwards.srt")
    _, raw = api_key_create(organization=org_a, name="crm", scopes=["read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = client.get(f"/api/v1/interviews/{interview.public_id}/").json()
    assert body["status"] == "ready" and any("back in time" in w for w in body["warnings"])


# Anything the database or the code throws ends the interview failed --------------------


def _parsed(*utterances):
    return parsers.ParsedTranscript(format="srt", utterances=list(utterances))


@pytest.mark.parametrize(
    "parsed",
    [
        _parsed(parsers.ParsedUtterance("Ann", 5000, 1000, "end before start")),  # check constraint
        _parsed(parsers.ParsedUtterance("Ann", 0, 1000, "NUL \x00 inside")),  # PostgreSQL refuses NUL
        _parsed(parsers.ParsedUtterance("Ann", 2**70, None, "bigint overflow")),
    ],
    ids=["check-constraint", "nul", "overflow"],
)
def test_a_database_error_while_storing_fails_the_interview_and_rolls_the_write_back(org_a, monkeypatch, parsed):
    """Simulates a parser bug letting bad data through: the service must still end the interview."""
    interview = queued_interview(org_a)
    with tenant_scope(org_a):
        old = UtteranceFactory(speaker__interview=interview, position=0, text="from an earlier run")
    monkeypatch.setattr(parsers, "parse_transcript", lambda *args, **kwargs: parsed)
    interview = process(org_a, interview)
    assert_readable_failure(interview)
    with tenant_scope(org_a):
        # The failing write was rolled back to its savepoint: the earlier transcript is untouched.
        assert list(Utterance.objects.filter(interview=interview).values_list("pk", "text")) == [(old.pk, old.text)]
        failed = FailedTask.objects.get()
    assert failed.task_name == "interviews.reprocess" and failed.args == [org_a.pk, interview.pk]
    assert "Error" in failed.error  # the admin sees the technical cause; the researcher does not
    with interview.original_file.open("rb") as handle:
        assert handle.read() == GOOD_SRT


def test_an_unexpected_exception_is_recorded_and_the_admin_can_run_it_again(
    org_a, alice, client, monkeypatch, django_capture_on_commit_callbacks
):
    interview = queued_interview(org_a)

    def explode(*args, **kwargs):
        raise RuntimeError("parser exploded")

    real_parse = parsers.parse_transcript
    monkeypatch.setattr(parsers, "parse_transcript", explode)
    interview = process(org_a, interview)
    assert_readable_failure(interview)
    with tenant_scope(org_a):
        failed = FailedTask.objects.get()
    assert "RuntimeError: parser exploded" in failed.error

    monkeypatch.setattr(parsers, "parse_transcript", real_parse)
    client.force_login(alice.user)
    assert "interviews.reprocess" in client.get(reverse("webhooks", args=[org_a.slug])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("failed_task_replay", args=[org_a.slug, failed.public_id]))
    with tenant_scope(org_a):
        assert Interview.objects.get(pk=interview.pk).status == "ready"


def test_a_task_that_raises_something_not_retried_is_recorded_at_once(org_a, monkeypatch):
    """The signal handler used to assume every failure of an autoretry task would be retried."""
    interview = queued_interview(org_a)

    def explode(**kwargs):
        raise KeyError("outside the service's guard")

    monkeypatch.setattr(services, "interview_process", explode)
    result = interview_tasks.interview_process_task.apply(args=[org_a.pk, interview.pk], throw=False)
    assert result.failed()
    with tenant_scope(org_a):
        assert FailedTask.objects.get().task_name == "interviews.process"


# Worker killed mid-task: the sweep ------------------------------------------------------


def sweep(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        interview_tasks.stale_claims_sweep_task.apply()


def test_a_stale_claim_is_requeued_and_then_processed(org_a, django_capture_on_commit_callbacks):
    interview = queued_interview(org_a)
    make_stale(org_a, interview)
    sweep(django_capture_on_commit_callbacks)
    with tenant_scope(org_a):
        interview = Interview.objects.get(pk=interview.pk)
    assert interview.status == "ready" and interview.stale_requeues == 1


def test_a_fresh_claim_is_left_alone(org_a, django_capture_on_commit_callbacks):
    interview = queued_interview(org_a)
    make_stale(org_a, interview, minutes=2)
    sweep(django_capture_on_commit_callbacks)
    with tenant_scope(org_a):
        assert Interview.objects.get(pk=interview.pk).status == "processing"


def test_the_claim_timeout_is_its_own_setting(org_a, settings):
    settings.INTERVIEW_CLAIM_TIMEOUT_SECONDS = 60
    interview = queued_interview(org_a)
    make_stale(org_a, interview, minutes=2)
    with tenant_scope(org_a):
        assert services.interview_claim(interview_id=interview.pk) is True


def test_after_the_last_requeue_the_interview_fails_instead_of_looping(org_a, django_capture_on_commit_callbacks):
    interview = queued_interview(org_a)
    make_stale(org_a, interview, stale_requeues=services.MAX_STALE_REQUEUES)
    sweep(django_capture_on_commit_callbacks)
    with tenant_scope(org_a):
        interview = Interview.objects.get(pk=interview.pk)
        failed = FailedTask.objects.get()
    assert_readable_failure(interview)
    assert "stopped" in interview.error and failed.args == [org_a.pk, interview.pk]


def test_one_organisations_failure_does_not_stop_anothers(org_a, org_b, monkeypatch, django_capture_on_commit_callbacks):
    from empathy_site.tenancy.context import require_org_id

    stuck_a, stuck_b = queued_interview(org_a), queued_interview(org_b)
    make_stale(org_a, stuck_a)
    make_stale(org_b, stuck_b)
    real = services.interviews_requeue_stale

    def broken_for_a():
        if require_org_id() == org_a.pk:
            raise RuntimeError("org A's data is broken")
        return real()

    monkeypatch.setattr(services, "interviews_requeue_stale", broken_for_a)
    sweep(django_capture_on_commit_callbacks)
    with tenant_scope(org_b):
        assert Interview.objects.get(pk=stuck_b.pk).status == "ready"
    with tenant_scope(org_a):
        assert Interview.objects.get(pk=stuck_a.pk).status == "processing"


# Reprocess of a stalled interview -------------------------------------------------------


def test_reprocess_refuses_an_interview_a_worker_is_on_but_takes_a_stalled_one(org_a, django_capture_on_commit_callbacks):
    interview = queued_interview(org_a)
    make_stale(org_a, interview, minutes=1)
    with tenant_scope(org_a), pytest.raises(ValidationError) as caught:
        services.interview_reprocess(interview=Interview.objects.get(pk=interview.pk))
    assert "being processed" in caught.value.messages[0]
    make_stale(org_a, interview, minutes=11, stale_requeues=2)
    with django_capture_on_commit_callbacks(execute=True), tenant_scope(org_a):
        services.interview_reprocess(interview=Interview.objects.get(pk=interview.pk))
    with tenant_scope(org_a):
        interview = Interview.objects.get(pk=interview.pk)
    assert interview.status == "ready" and interview.stale_requeues == 0


def test_reprocess_of_a_stalled_interview_through_the_api(org_a, django_capture_on_commit_callbacks):
    _, raw = api_key_create(organization=org_a, name="crm", scopes=["read", "write"])
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    interview = queued_interview(org_a)
    make_stale(org_a, interview, minutes=1)
    refused = api.post(f"/api/v1/interviews/{interview.public_id}/reprocess/")
    assert "being processed" in assert_error(refused, 400, "invalid")["message"]
    make_stale(org_a, interview, minutes=11)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/v1/interviews/{interview.public_id}/reprocess/")
    assert response.status_code == 202, response.content
    assert api.get(f"/api/v1/interviews/{interview.public_id}/").json()["status"] == "ready"


def test_the_interview_page_offers_reprocess_when_processing_stalled(org_a, bob, client):
    interview = queued_interview(org_a)
    make_stale(org_a, interview, minutes=1)
    client.force_login(bob.user)
    url = reverse("interview_detail", args=[org_a.slug, interview.public_id])
    assert "Reprocess" not in client.get(url).content.decode()
    make_stale(org_a, interview, minutes=11)
    page = client.get(url).content.decode()
    assert "Processing seems to have stopped" in page and "Reprocess" in page


# A live worker keeps its claim, however old -------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_live_worker_past_the_timeout_is_not_taken_over(org_a, monkeypatch):
    interview = queued_interview(org_a)
    parsing, release = threading.Event(), threading.Event()
    real_parse = parsers.parse_transcript

    def slow_parse(*args, **kwargs):
        parsing.set()
        assert release.wait(30)
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(parsers, "parse_transcript", slow_parse)
    outcome = {}

    def worker():
        try:
            from empathy_site.tenancy.context import activate_without_transaction, deactivate

            token = activate_without_transaction(org_a.pk)
            try:
                outcome["result"] = services.interview_process(interview_id=interview.pk)
            finally:
                deactivate(token)
        except Exception as error:  # reported below
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        assert parsing.wait(30)
        with tenant_scope(org_a):  # the worker is alive but its claim looks old
            Interview.objects.filter(pk=interview.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
        with tenant_scope(org_a):
            assert services.interviews_requeue_stale() == {"requeued": 0, "failed": 0}
        with tenant_scope(org_a), pytest.raises(ValidationError):
            services.interview_reprocess(interview=Interview.objects.get(pk=interview.pk))
        with tenant_scope(org_a):
            assert services.interview_claim(interview_id=interview.pk) is False
    finally:
        release.set()
        thread.join(60)
    assert "error" not in outcome, outcome
    with tenant_scope(org_a):
        interview = Interview.objects.get(pk=interview.pk)
    assert interview.status == "ready" and interview.stale_requeues == 0


# A real worker killed with SIGKILL -----------------------------------------------------


@pytest.mark.worker
def test_a_worker_killed_mid_task_is_recovered_by_the_sweep(celery_worker, org_a, tmp_path):
    from django.db import connections

    from empathy_site.celery import app

    # Hold a lock the worker needs after it has claimed the interview, so it is
    # deterministically mid-task when killed.
    blocker = connections.create_connection("default")
    try:
        with blocker.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("LOCK TABLE interviews_utterance IN ACCESS EXCLUSIVE MODE")
        with tenant_scope(org_a):
            interview = services.interview_upload(upload=services.Upload(name="call.srt", data=GOOD_SRT))

        def status():
            with tenant_scope(org_a):
                return Interview.objects.get(pk=interview.pk).status

        assert _wait(lambda: status() == "processing", 60), "the worker never claimed the interview"
        celery_worker.kill()
        celery_worker.wait(10)
    finally:
        with blocker.cursor() as cursor:
            cursor.execute("ROLLBACK")
        blocker.close()
    assert status() == "processing"
    with tenant_scope(org_a):
        Interview.objects.filter(pk=interview.pk).update(claimed_at=timezone.now() - timedelta(minutes=11))
    second = start_worker(tmp_path / "worker-2.log")
    try:
        wait_until_ready()

        def recovered():
            interview_tasks.stale_claims_requeue_task.delay(org_a.pk)  # what the beat sweep queues each minute
            return status() == "ready"

        assert _wait(recovered, 90), "the killed worker's interview was never processed"
    finally:
        second.terminate()
        second.wait(20)
        app.control.purge()
    with tenant_scope(org_a):
        assert Interview.objects.get(pk=interview.pk).stale_requeues == 1


def _wait(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


# Property: arbitrary input never leaves an interview processing ----------------------------

EXTENSIONS = ["vtt", "srt", "txt", "json", "docx"]
_counter = iter(range(10**9))


def _check_processed(org, interview):
    interview = process(org, interview)
    assert interview.status in ("ready", "failed")
    if interview.status == "failed":
        assert interview.error
    else:
        assert interview.utterance_count > 0
        assert_clean_rows(org, interview)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.binary(min_size=1, max_size=400), extension=st.sampled_from(EXTENSIONS))
def test_arbitrary_bytes_end_ready_or_failed_with_a_reason(org_a, data, extension):
    interview = queued_interview(org_a, data=data, name=f"upload-{next(_counter)}.{extension}")
    _check_processed(org_a, interview)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(cue_list=cues)
def test_arbitrary_cue_lists_end_ready_or_failed_with_a_reason(org_a, monkeypatch, cue_list):
    """Cue lists straight from a format parser (before the normalising step), as a buggy parser might emit."""
    monkeypatch.setitem(parsers._TEXT_PARSERS, "srt", lambda text: (list(cue_list), "generic"))
    interview = queued_interview(org_a, name=f"cues-{next(_counter)}.srt")
    _check_processed(org_a, interview)
