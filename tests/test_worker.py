import time

import pytest

from empathy_site.celery import ping
from empathy_site.tenancy.context import tenant_scope
from interviews.models import Interview
from interviews.services import Upload, interview_upload

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

VTT = b"WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Dana>I compare three vendors first.\n\n00:00:04.500 --> 00:00:06.000\n<v Sam>Why three?\n"


def test_a_task_round_trips_through_redis_to_a_worker_process(celery_worker):
    assert ping.delay("hello").get(timeout=30) == "hello"


def test_an_upload_is_processed_by_the_real_worker_under_rls(celery_worker, org_a):
    with tenant_scope(org_a):
        interview = interview_upload(upload=Upload(name="call.vtt", data=VTT), title="Call")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with tenant_scope(org_a):
            interview = Interview.objects.get(pk=interview.pk)
        if interview.status in ("ready", "failed"):
            break
        time.sleep(0.3)
    assert interview.status == "ready", interview.error
    with tenant_scope(org_a):
        texts = list(interview.utterances.order_by("position").values_list("speaker__label", "text"))
    assert texts == [("Dana", "I compare three vendors first."), ("Sam", "Why three?")]
