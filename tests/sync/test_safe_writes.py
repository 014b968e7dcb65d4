import threading

import pytest
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create
from interviews.models import Participant, Study
from tests.api_assertions import assert_error


def client_for(org, scopes=("read", "write")):
    _, raw = api_key_create(organization=org, name="crm", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def api(org_a):
    # A CRM sync reads and writes names, so its key carries the personal_data scope.
    return client_for(org_a, scopes=("read", "write", "personal_data"))


def test_same_key_same_body_replays_without_doing_the_work_again(api, org_a):
    first = api.post("/api/v1/studies/", {"name": "Churn"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post("/api/v1/studies/", {"name": "Churn"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    with tenant_scope(org_a):
        assert Study.objects.count() == 1


def test_same_key_other_body_is_refused(api):
    api.post("/api/v1/studies/", {"name": "Churn"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    other = api.post("/api/v1/studies/", {"name": "Pricing"}, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert "different request" in assert_error(other, 400, "invalid")["message"]


def test_keys_are_scoped_to_the_api_key(org_a):
    first, second = client_for(org_a), client_for(org_a)
    assert first.post("/api/v1/studies/", {"name": "A"}, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 201
    assert second.post("/api/v1/studies/", {"name": "B"}, format="json", HTTP_IDEMPOTENCY_KEY="same").status_code == 201


def test_a_refused_request_can_be_retried_with_its_key(api):
    bad = api.post("/api/v1/studies/", {"name": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert_error(bad, 400, "invalid")
    replay = api.post("/api/v1/studies/", {"name": ""}, format="json", HTTP_IDEMPOTENCY_KEY="k-3")
    assert_error(replay, 400, "invalid")
    assert replay["Idempotent-Replayed"] == "true"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_do_the_work_once(org_a):
    """Two identical POSTs at once: one does the work, the other waits and replays it."""
    _, raw = api_key_create(organization=org_a, name="crm", scopes=["read", "write"])
    results, barrier = [], threading.Barrier(2)

    def post():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        barrier.wait(5)
        response = client.post("/api/v1/studies/", {"name": "Race"}, format="json", HTTP_IDEMPOTENCY_KEY="race")
        results.append((response.status_code, response.json()["id"]))
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert len(results) == 2 and results[0] == results[1] and results[0][0] == 201
    with tenant_scope(org_a):
        assert Study.objects.filter(name="Race").count() == 1


def test_etag_and_if_match(api):
    created = api.post("/api/v1/participants/", {"pseudonym": "P1"}, format="json").json()
    url = f"/api/v1/participants/{created['id']}/"
    etag = api.get(url)["ETag"]
    assert etag.startswith('"')
    updated = api.patch(url, {"name": "Ana"}, format="json", HTTP_IF_MATCH=etag)
    assert updated.status_code == 200 and updated["ETag"] != etag
    stale = api.patch(url, {"name": "Bea"}, format="json", HTTP_IF_MATCH=etag)
    assert_error(stale, 412, "precondition_failed")
    assert_error(api.delete(url, HTTP_IF_MATCH=etag), 412, "precondition_failed")
    assert api.patch(url, {"name": "Cy"}, format="json").status_code == 200  # without If-Match it still works
    assert api.delete(url, HTTP_IF_MATCH="*").status_code == 204


def test_upsert_by_external_id_all_or_nothing(api, org_a):
    rows = [{"external_id": "101", "pseudonym": "H-101", "attributes": {"role": "buyer"}},
            {"external_id": "102", "name": "Bo"}]
    first = api.post("/api/v1/participants/upsert/", {"system": "hubspot", "participants": rows}, format="json")
    assert first.status_code == 200, first.content
    assert [p["created"] for p in first.json()["results"]] == [True, True]
    again = api.post("/api/v1/participants/upsert/", {"system": "hubspot", "participants": [
        {"external_id": "101", "name": "Ada"}, {"external_id": "103"}]}, format="json").json()["results"]
    assert [(p["created"], p["external_ids"]["hubspot"]) for p in again] == [(False, "101"), (True, "103")]
    assert again[0]["name"] == "Ada" and again[0]["pseudonym"] == "H-101"
    refused = api.post("/api/v1/participants/upsert/", {"system": "hubspot", "participants": [
        {"external_id": "104"}, {"external_id": "105", "attributes": "not a map"}]}, format="json")
    assert "participants[1]" in str(assert_error(refused, 400, "invalid"))
    with tenant_scope(org_a):
        assert Participant.objects.count() == 3
    found = api.get("/api/v1/participants/", {"external_id": "hubspot:101"}).json()["results"]
    assert [p["name"] for p in found] == ["Ada"]
    assert_error(api.get("/api/v1/participants/", {"external_id": "nocolon"}), 400, "invalid")


def test_a_crm_id_belongs_to_one_participant(api):
    api.post("/api/v1/participants/", {"pseudonym": "A", "external_ids": {"salesforce": "003X"}}, format="json")
    clash = api.post("/api/v1/participants/", {"pseudonym": "B", "external_ids": {"salesforce": "003X"}}, format="json")
    assert "003X" in assert_error(clash, 409, "conflict")["message"]


@override_settings(API_RATE_LIMIT="3/min")
def test_rate_limit_per_api_key(org_a):
    from django.core.cache import cache

    cache.clear()
    limited, other = client_for(org_a), client_for(org_a)
    statuses = [limited.get("/api/v1/studies/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = limited.get("/api/v1/studies/")
    assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert other.get("/api/v1/studies/").status_code == 200  # per key, not per org
    cache.clear()


def test_scopes_are_checked_on_every_write(org_a):
    reader = client_for(org_a, scopes=["read"])
    assert reader.get("/api/v1/changes/").status_code == 200
    for path, body in [("/api/v1/participants/upsert/", {"system": "x", "participants": [{"external_id": "1"}]}),
                       ("/api/v1/tags/", {"name": "t"}), ("/api/v1/personas/", {"name": "p"})]:
        assert_error(reader.post(path, body, format="json"), 403, "permission_denied")
