import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from empathy_site.sync import webhooks
from empathy_site.sync.models import DeliveryAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Notification
from interviews import services

from .receiver import Receiver


@pytest.fixture(autouse=True)
def local_receivers_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


def subscribe(org, url, events=("highlight.created", "persona.published", "participant.erased")):
    with tenant_scope(org):
        return webhooks.endpoint_create(url=url, events=list(events))


def deliver_now(org):
    from empathy_site.tenancy.context import activate_without_transaction, deactivate

    token = activate_without_transaction(org.pk)
    try:
        return webhooks.deliver_due()
    finally:
        deactivate(token)


def test_registration_refuses_http_and_private_addresses(org_a, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    with tenant_scope(org_a):
        for url, message in [("http://example.com/hook", "https"), ("https://127.0.0.1/hook", "private"),
                             ("https://10.1.2.3/x", "private"), ("https://169.254.169.254/latest", "private"),
                             ("https://[::1]/hook", "private")]:
            with pytest.raises(ValidationError, match=message):
                webhooks.endpoint_create(url=url, events=["highlight.created"])
        with pytest.raises(ValidationError, match="Choose events"):
            webhooks.endpoint_create(url="https://example.com/x", events=["nope"])


def test_send_time_check_refuses_a_host_that_now_resolves_privately(org_a, settings):
    with Receiver() as receiver:
        subscribe(org_a, receiver.url)
        with tenant_scope(org_a):
            services.tag_create(name="t")
            webhooks.emit("persona.published", payload={"type": "persona", "id": "x"})
        settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
        deliver_now(org_a)
        assert receiver.requests == []
    with tenant_scope(org_a):
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "pending" and delivery.attempts == 1  # refused before any byte left
        assert "https" in delivery.last_error or "private" in delivery.last_error


def test_a_rollback_sends_nothing(org_a):
    with Receiver() as receiver:
        subscribe(org_a, receiver.url)
        with pytest.raises(RuntimeError), tenant_scope(org_a), transaction.atomic():
            webhooks.emit("persona.published", payload={"type": "persona", "id": "x"})
            raise RuntimeError("the change failed")
        with tenant_scope(org_a):
            assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()
        deliver_now(org_a)
        assert receiver.requests == []


def test_signed_delivery_verifies_with_standardwebhooks(org_a):
    from tests.interviews.evidence_fixtures import make_interview

    with Receiver() as receiver:
        endpoint = subscribe(org_a, receiver.url)
        interview = make_interview(org_a, [("A", "Hello world")], title="Call")
        with tenant_scope(org_a):
            highlight = services.highlight_create(interview=interview, span=services.Span(0, 0, 0, 5))
        deliver_now(org_a)
        headers, body = receiver.requests[0]
        payload = Webhook(endpoint.secret).verify(body, headers)
        assert payload["type"] == "highlight.created" and payload["data"]["id"] == str(highlight.public_id)
        assert payload["data"]["object"]["quote"] == "Hello"
        with pytest.raises(WebhookVerificationError):
            Webhook(webhooks.new_secret()).verify(body, headers)


def test_retry_after_a_500_with_backoff_kept_in_the_database(org_a):
    with Receiver(statuses=[500, 503]) as receiver:
        endpoint = subscribe(org_a, receiver.url)
        with tenant_scope(org_a):
            webhooks.emit("persona.published", payload={"type": "persona", "id": "x"})
        deliver_now(org_a)
        with tenant_scope(org_a):
            delivery = WebhookDelivery.objects.get()
            assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
            assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=20)
        assert deliver_now(org_a) == 0  # not due yet: nothing is resent early
        for expected_status in ("pending", "succeeded"):
            with tenant_scope(org_a):
                WebhookDelivery.objects.update(next_attempt_at=timezone.now())
            deliver_now(org_a)
            with tenant_scope(org_a):
                assert WebhookDelivery.objects.get().status == expected_status
        with tenant_scope(org_a):
            log = list(DeliveryAttempt.objects.order_by("number").values_list("number", "status_code"))
            assert log == [(1, 500), (2, 503), (3, 200)]
            endpoint.refresh_from_db()
            assert endpoint.failing_since is None
        assert len({h["webhook-id"] for h, _ in receiver.requests}) == 1  # retries keep the event's id


def test_backoff_spans_more_than_a_day():
    total = sum((webhooks.backoff(n) for n in range(1, webhooks.MAX_ATTEMPTS)), timedelta())
    assert total > timedelta(days=1)


def test_replay_sends_the_same_event_again(org_a):
    with Receiver(secret=None) as receiver:
        subscribe(org_a, receiver.url)
        with tenant_scope(org_a):
            webhooks.emit("persona.published", payload={"type": "persona", "id": "x"})
        deliver_now(org_a)
        with tenant_scope(org_a):
            webhooks.delivery_replay(delivery=WebhookDelivery.objects.get())
        deliver_now(org_a)
        ids = [h["webhook-id"] for h, _ in receiver.requests]
        assert len(ids) == 2 and ids[0] == ids[1]


def test_an_endpoint_failing_for_days_is_disabled_and_admins_told(org_a, alice):
    with Receiver(statuses=[500] * 3) as receiver:
        endpoint = subscribe(org_a, receiver.url)
        with tenant_scope(org_a):
            webhooks.emit("persona.published", payload={"type": "persona", "id": "x"})
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(days=4))
        deliver_now(org_a)
        with tenant_scope(org_a):
            endpoint.refresh_from_db()
            assert not endpoint.enabled and "failing since" in endpoint.disabled_reason
            assert Notification.objects.filter(user=alice.user, kind="webhook_disabled").exists()
            webhooks.emit("persona.published", payload={"type": "persona", "id": "y"})
            assert WebhookEvent.objects.count() == 1  # nobody subscribed any more: nothing queued


def test_erasure_event_carries_no_content(org_a):
    from tests.interviews.evidence_fixtures import make_interview
    from tests.interviews.factories import ParticipantFactory

    with Receiver() as receiver:
        subscribe(org_a, receiver.url)
        with tenant_scope(org_a):
            person = ParticipantFactory(organization=org_a, pseudonym="P-Z", name="Zed Secretname")
        interview = make_interview(org_a, [("Zed", "classified words")], title="Z", participant=person)
        with tenant_scope(org_a):
            services.highlight_create(interview=interview, span=services.Span(0, 0, 0, 10))
            services.participant_erase(participant=person)
            assert [e.event_type for e in WebhookEvent.objects.all()] == ["participant.erased"]  # the quote's event went too
        deliver_now(org_a)
        bodies = [json.loads(body) for _, body in receiver.requests]
        assert bodies[-1]["data"] == {"type": "participant", "id": str(person.public_id), "erased": True}
        assert "classified" not in str(bodies) and "Secretname" not in str(bodies)


def test_admin_api_registers_and_lists_deliveries(client, alice, org_a):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(alice.user)
    headers = {"HTTP_X_ORGANIZATION": org_a.slug}
    with Receiver() as receiver:
        created = api.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["persona.published"]}, format="json", **headers)
        assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
        wid = created.json()["id"]
        assert "secret" not in api.get(f"/api/v1/webhooks/{wid}/", **headers).json()
        with tenant_scope(org_a):
            webhooks.emit("persona.published", payload={"type": "persona", "id": "x"})
        deliver_now(org_a)
        deliveries = api.get(f"/api/v1/webhooks/{wid}/deliveries/", **headers).json()["results"]
        assert deliveries[0]["status"] == "succeeded" and deliveries[0]["attempt_log"][0]["status_code"] == 200
        replay = api.post(f"/api/v1/webhooks/{wid}/deliveries/{deliveries[0]['id']}/replay/", **headers)
        assert replay.status_code == 200 and replay.json()["status"] == "pending"


def test_a_task_that_fails_for_good_is_recorded_and_can_be_replayed(org_a, alice, client, monkeypatch):
    from django.urls import reverse

    from empathy_site.sync.models import FailedTask
    from empathy_site.sync.tasks import webhooks_deliver_task

    def broken():
        raise RuntimeError("receiver config exploded")

    monkeypatch.setattr(webhooks, "deliver_due", broken)
    result = webhooks_deliver_task.apply(args=[org_a.pk], throw=False)
    assert result.failed()
    with tenant_scope(org_a):
        failed = FailedTask.objects.get()
    assert failed.task_name == "sync.webhooks_deliver" and failed.args == [org_a.pk] and "exploded" in failed.error
    monkeypatch.setattr(webhooks, "deliver_due", lambda: 0)
    client.force_login(alice.user)
    page = client.get(reverse("webhooks", args=[org_a.slug])).content.decode()
    assert "failed for good" in page and "sync.webhooks_deliver" in page
    client.post(reverse("failed_task_replay", args=[org_a.slug, failed.public_id]))
    with tenant_scope(org_a):
        assert FailedTask.objects.get().replayed_at is not None
