"""Self-service webhooks through the API (the `webhooks` scope, paginated deliveries, ping), the event
catalogue in the OpenAPI document and the docs, and rate limiting with RateLimit headers that holds under
concurrent bursts."""

import json
import re
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient
from standardwebhooks.webhooks import Webhook

from empathy_site.sync import webhooks
from empathy_site.sync.api.webhook_schema import catalogue, component_name
from empathy_site.sync.models import WebhookDelivery
from empathy_site.sync.registry import sync_types, webhook_event_types
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_authenticate, api_key_create
from interviews import services
from tests.api_assertions import assert_error
from tests.interviews.evidence_fixtures import make_interview

from .receiver import Receiver
from .test_webhooks import deliver_now, subscribe


@pytest.fixture(autouse=True)
def local_receivers_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def client_for(org, scopes):
    _, raw = api_key_create(organization=org, name="crm", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


# --- managing endpoints with an API key ------------------------------------------------------------------------


def test_a_key_with_the_webhooks_scope_manages_endpoints(org_a):
    hooks = client_for(org_a, ["webhooks"])
    created = hooks.post("/api/v1/webhooks/", {"url": "https://127.0.0.1:9/hook", "events": ["persona.published"]},
                         format="json")
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    url = f"/api/v1/webhooks/{created.json()['id']}/"
    assert [e["id"] for e in hooks.get("/api/v1/webhooks/").json()["results"]] == [created.json()["id"]]
    assert hooks.get(url).json()["events"] == ["persona.published"]
    changed = hooks.patch(url, {"events": ["interview.ready", "persona.published"], "enabled": False}, format="json")
    assert changed.status_code == 200 and changed.json()["enabled"] is False
    assert hooks.get(f"{url}deliveries/").json() == {"results": [], "next": None}
    assert hooks.delete(url).status_code == 204
    assert_error(hooks.get(url), 404, "not_found")


def test_other_keys_are_refused_and_other_orgs_endpoints_do_not_exist(org_a, org_b):
    endpoint = subscribe(org_a, "https://127.0.0.1:9/hook")
    url = f"/api/v1/webhooks/{endpoint.public_id}/"
    crm = client_for(org_a, ["read", "write", "personal_data"])
    for response in [crm.get("/api/v1/webhooks/"), crm.get(url), crm.get(f"{url}deliveries/"),
                     crm.post(f"{url}ping/"), crm.delete(url),
                     crm.post("/api/v1/webhooks/", {"url": "https://127.0.0.1:9/x", "events": ["interview.ready"]},
                              format="json")]:
        assert_error(response, 403, "permission_denied")
    outsider = client_for(org_b, ["webhooks"])
    for response in [outsider.get(url), outsider.get(f"{url}deliveries/"), outsider.post(f"{url}ping/"),
                     outsider.patch(url, {"enabled": False}, format="json"), outsider.delete(url)]:
        assert_error(response, 404, "not_found")
    assert outsider.get("/api/v1/webhooks/").json()["results"] == []
    with tenant_scope(org_a):
        endpoint.refresh_from_db()
        assert endpoint.enabled and not WebhookDelivery.objects.exists()


def test_create_api_key_accepts_the_webhooks_scope(org_a, capsys):
    call_command("create_api_key", "--org", org_a.slug, "--name", "CRM hooks", "--scopes", "read,webhooks")
    key = api_key_authenticate(raw_key=capsys.readouterr().out.strip())
    assert key is not None and key.scopes == ["read", "webhooks"]


# --- the deliveries log -------------------------------------------------------------------------------------------


def test_the_deliveries_log_pages_to_the_end(org_a):
    endpoint = subscribe(org_a, "https://127.0.0.1:9/hook", events=["persona.published"])
    with tenant_scope(org_a):
        for number in range(5):
            webhooks.emit("persona.published", payload={"type": "persona", "id": str(number)})
        expected = [str(d.public_id) for d in WebhookDelivery.objects.order_by("-created_at", "-id")]
    hooks = client_for(org_a, ["webhooks"])
    seen, url, pages = [], f"/api/v1/webhooks/{endpoint.public_id}/deliveries/?page_size=2", 0
    while url:
        page = hooks.get(url).json()
        seen += [delivery["id"] for delivery in page["results"]]
        url, pages = page["next"], pages + 1
    assert seen == expected and pages == 3
    assert_error(hooks.get(f"/api/v1/webhooks/{endpoint.public_id}/deliveries/?page_size=0"), 400, "invalid")


# --- ping -----------------------------------------------------------------------------------------------------------


def test_ping_sends_a_signed_test_event_to_that_endpoint_alone(org_a):
    hooks = client_for(org_a, ["webhooks"])
    with Receiver() as receiver, Receiver() as bystander:
        # Subscribed to something else: a ping goes whatever the endpoint subscribed to.
        created = hooks.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["message.approved"]},
                             format="json").json()
        subscribe(org_a, bystander.url, events=webhook_event_types())
        pinged = hooks.post(f"/api/v1/webhooks/{created['id']}/ping/")
        assert pinged.status_code == 202
        assert pinged.json()["event_type"] == "webhook.ping" and pinged.json()["status"] == "pending"
        deliver_now(org_a)
        assert len(receiver.requests) == 1 and bystander.requests == []
        headers, body = receiver.requests[0]
        event = Webhook(created["secret"]).verify(body, headers)  # raises unless signed with the endpoint's secret
        assert event["type"] == "webhook.ping"
        assert event["data"] == {"type": "webhook", "id": created["id"], "ping": True}
    deliveries = hooks.get(f"/api/v1/webhooks/{created['id']}/deliveries/").json()["results"]
    assert [(d["id"], d["status"]) for d in deliveries] == [(pinged.json()["id"], "succeeded")]


# --- the catalogue --------------------------------------------------------------------------------------------------


def test_every_event_has_a_schema_component_and_a_line_in_the_docs(alice, org_a):
    api = APIClient()
    api.force_login(alice.user)
    schema = api.get("/api/v1/schema/?format=json", HTTP_X_ORGANIZATION=org_a.slug).json()
    assert schema["openapi"].startswith("3.0")
    components = schema["components"]["schemas"]
    docs = (Path(settings.BASE_DIR) / "docs" / "webhooks.md").read_text()
    events = catalogue()
    # Every change of every sync type, the workflow events and the ping.
    assert {f"{name}.{action}" for name in sync_types() for action in ("created", "updated", "deleted")} <= set(events)
    assert {"interview.ready", "participant.erased", "webhook.ping"} <= set(events)
    for event in events:
        component = components[component_name(event)]
        assert component["properties"]["type"]["enum"] == [event]
        assert f"`{event}`" in docs, f"docs/webhooks.md does not list {event}"
        data = component["properties"]["data"]["properties"]
        if event.endswith(".deleted"):
            assert data["object"]["nullable"] and data["changed_fields"]["type"] == "array"
        elif "object" in data:  # the REST representation, by reference to the sync type's component
            ref = data["object"]["allOf"][0]["$ref"]
            assert ref.removeprefix("#/components/schemas/") in components, ref
    union = components["WebhookEvent"]
    assert union["discriminator"]["mapping"] == {event: f"#/components/schemas/{component_name(event)}" for event in events}


def test_an_object_event_body_matches_its_component(alice, org_a):
    """The component describes what is sent: envelope, data and the object's fields."""
    with Receiver() as receiver:
        subscribe(org_a, receiver.url, events=["highlight.created"])
        interview = make_interview(org_a, [("Ana", "the onboarding was slow")], title="I")
        with tenant_scope(org_a):
            highlight = services.highlight_create(interview=interview, span=services.Span(0, 0, 0, 10))
        deliver_now(org_a)
        bodies = [json.loads(body) for _, body in receiver.requests]
    api = APIClient()
    api.force_login(alice.user)
    components = api.get("/api/v1/schema/?format=json", HTTP_X_ORGANIZATION=org_a.slug).json()["components"]["schemas"]
    component = components[component_name("highlight.created")]
    body = next(body for body in bodies if body["type"] == "highlight.created")
    assert set(component["required"]) <= set(body) <= set(component["properties"])
    data = component["properties"]["data"]
    assert set(data["required"]) <= set(body["data"]) <= set(data["properties"])
    assert body["data"]["id"] == str(highlight.public_id)
    highlight_component = components[data["properties"]["object"]["allOf"][0]["$ref"].rsplit("/", 1)[1]]
    assert set(highlight_component["required"]) <= set(body["data"]["object"]) <= set(highlight_component["properties"])


# --- rate limiting --------------------------------------------------------------------------------------------------


def _rate_limit(response) -> dict:
    match = re.fullmatch(r'"default";r=(\d+);t=(\d+)', response["RateLimit"])
    assert match, response["RateLimit"]
    return {"r": int(match[1]), "t": int(match[2])}


@override_settings(API_RATE_LIMIT="5/min")
def test_every_answer_carries_the_ratelimit_headers(org_a):
    api = client_for(org_a, ["read"])
    first = api.get("/api/v1/studies/")
    assert first.status_code == 200 and first["RateLimit-Policy"] == '"default";q=5;w=60'
    assert _rate_limit(first)["r"] == 4 and 1 <= _rate_limit(first)["t"] <= 60
    missing = api.get("/api/v1/studies/00000000-0000-0000-0000-000000000000/")
    assert_error(missing, 404, "not_found")
    assert _rate_limit(missing)["r"] == 3
    # Refused before the throttle counts (a 403): the headers say where the key stands, without counting it.
    refused = api.get("/api/v1/webhooks/")
    assert_error(refused, 403, "permission_denied")
    assert refused["RateLimit-Policy"] == '"default";q=5;w=60' and _rate_limit(refused)["r"] == 3
    assert [_rate_limit(api.get("/api/v1/studies/"))["r"] for _ in range(3)] == [2, 1, 0]
    throttled = api.get("/api/v1/studies/")
    assert_error(throttled, 429, "throttled")
    assert _rate_limit(throttled)["r"] == 0 and int(throttled["Retry-After"]) == _rate_limit(throttled)["t"]
    # Nobody authenticated: limited by address, and told so too.
    anonymous = APIClient().get("/api/v1/studies/")
    assert_error(anonymous, 401, "not_authenticated")
    assert anonymous["RateLimit-Policy"] == '"default";q=5;w=60' and _rate_limit(anonymous)["r"] == 5


@override_settings(API_RATE_LIMIT="5/min")
@pytest.mark.parametrize("method", ["get", "post", "patch", "delete", "options"])
def test_an_unknown_api_path_is_a_json_404_with_the_ratelimit_headers_and_counts(org_a, method):
    api = client_for(org_a, ["read"])
    before = _rate_limit(api.get("/api/v1/studies/"))["r"]
    for path in ("/api/v1/no-such-thing/", "/api/v1/studies/extra/deeper/", "/api/v1/", "/api/v1/studies"):
        response = getattr(api, method)(path)
        assert_error(response, 404, "not_found")
        assert response["RateLimit-Policy"] == '"default";q=5;w=60'
        before -= 1
        assert _rate_limit(response)["r"] == max(0, before), path
        if before == 0:
            break
    # The same key is throttled on unknown paths too: the window is the key's, not the address's.
    throttled = getattr(api, method)("/api/v1/no-such-thing/")
    assert_error(throttled, 429, "throttled")
    assert _rate_limit(throttled)["r"] == 0 and int(throttled["Retry-After"]) == _rate_limit(throttled)["t"]


def test_an_unknown_api_path_answers_404_to_anybody_and_says_when_the_slash_is_missing(db):
    anonymous = APIClient().get("/api/v1/no-such-thing/")
    assert_error(anonymous, 404, "not_found")
    assert anonymous["RateLimit-Policy"].startswith('"default";q=') and _rate_limit(anonymous)
    without_slash = APIClient().get("/api/v1/studies")
    assert_error(without_slash, 404, "not_found")
    assert "/api/v1/studies/" in without_slash.json()["error"]["message"] and "RateLimit" in without_slash
    bad_key = APIClient(HTTP_AUTHORIZATION="Bearer emp_not-a-key").get("/api/v1/no-such-thing/")
    assert_error(bad_key, 401, "authentication_failed")
    assert "RateLimit" in bad_key


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@override_settings(API_RATE_LIMIT="20/min")
def test_a_concurrent_burst_does_not_overshoot_the_limit(org_a):
    _, raw = api_key_create(organization=org_a, name="burst", scopes=["read"])
    statuses, barrier = [], threading.Barrier(40)

    def call():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        try:
            barrier.wait(30)
            statuses.append(client.get("/api/v1/studies/").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=call) for _ in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(statuses) == 40 and set(statuses) <= {200, 429}
    assert 20 <= statuses.count(200) <= 22, statuses
