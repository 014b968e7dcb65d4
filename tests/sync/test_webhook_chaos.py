"""kill -9 the worker while deliveries are in flight; every event still arrives, one effect each."""

import time

import pytest

from empathy_site.celery import app
from empathy_site.sync import webhooks
from empathy_site.sync.models import WebhookDelivery, WebhookEvent
from empathy_site.sync.tasks import webhooks_deliver_task
from empathy_site.tenancy.context import tenant_scope
from tests.worker import start_worker, wait_until_ready

from .receiver import Receiver

pytestmark = [pytest.mark.worker, pytest.mark.postgres]

WORKER_ENV = {"WEBHOOK_ALLOW_PRIVATE_URLS": "true", "WEBHOOK_CLAIM_TIMEOUT_SECONDS": "2"}
EVENTS = 20


@pytest.fixture
def broker_mode(transactional_db, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.control.purge()
    yield
    app.conf.task_always_eager = True


def _wait(predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_killed_worker_loses_no_event_and_duplicates_have_one_effect(broker_mode, org_a, tmp_path):
    with Receiver(secret=None, delay=0.3) as receiver:
        with tenant_scope(org_a):
            endpoint = webhooks.endpoint_create(url=receiver.url, events=["persona.published"])
        receiver.secret = endpoint.secret
        first = start_worker(tmp_path / "worker-1.log", WORKER_ENV)
        try:
            wait_until_ready()
            with tenant_scope(org_a):  # commits: each emit kicks a delivery task through Redis
                for n in range(EVENTS):
                    webhooks.emit("persona.published", payload={"type": "persona", "id": f"p-{n}"})
            assert _wait(lambda: len(receiver.requests) >= 3, 30), "deliveries never started"
        finally:
            first.kill()  # SIGKILL: no cleanup, claims left in flight
            first.wait(10)
        in_flight = len(receiver.requests)
        assert in_flight < EVENTS, "the worker finished before it could be killed; slow the receiver down"
        second = start_worker(tmp_path / "worker-2.log", WORKER_ENV)
        try:
            wait_until_ready()

            def all_delivered():
                webhooks_deliver_task.delay(org_a.pk)  # what the beat sweep does every 30 s
                with tenant_scope(org_a):
                    return not WebhookDelivery.objects.exclude(status="succeeded").exists()

            assert _wait(all_delivered, 90), "some deliveries never completed after the restart"
        finally:
            second.terminate()
            second.wait(20)
    with tenant_scope(org_a):
        expected = {f"msg_{public_id.hex}" for public_id in WebhookEvent.objects.values_list("public_id", flat=True)}
    received = {headers["webhook-id"] for headers, _ in receiver.requests}
    assert received == expected and len(expected) == EVENTS
    assert set(receiver.side_effects) == expected and all(count == 1 for count in receiver.side_effects.values())
