import pytest
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create
from interviews.models import Highlight, Tag
from tests.api_assertions import assert_error


@pytest.fixture
def api(corpus):
    _, raw = api_key_create(organization=corpus["org"], name="crm", scopes=["read", "write"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def span(interview, a, b, c, d, **extra):
    return {"interview": str(interview.public_id), "start_position": a, "start_offset": b, "end_position": c,
            "end_offset": d, **extra}


def test_tag_crud_and_merge(api, corpus):
    parent = api.post("/api/v1/tags/", {"name": "Money"}, format="json").json()
    cost = api.post("/api/v1/tags/", {"name": "Cost", "parent": parent["id"], "colour": "#ff0000"}, format="json")
    assert cost.status_code == 201 and cost.json()["parent"] == parent["id"]
    price = api.post("/api/v1/tags/", {"name": "Price"}, format="json").json()
    api.post("/api/v1/highlights/", span(corpus["call1"], 0, 0, 0, 2, tags=[price["id"]]), format="json")
    merged = api.post(f"/api/v1/tags/{price['id']}/merge/", {"into": cost.json()["id"]}, format="json")
    assert merged.status_code == 200 and merged.json()["highlight_count"] == 1
    assert_error(api.get(f"/api/v1/tags/{price['id']}/"), 404, "not_found")
    moved = api.patch(f"/api/v1/tags/{cost.json()['id']}/", {"parent": None, "name": "Costs"}, format="json").json()
    assert moved["parent"] is None and moved["name"] == "Costs"
    assert_error(api.post("/api/v1/tags/", {"name": "costs"}, format="json"), 409, "conflict")  # the name is taken
    assert api.delete(f"/api/v1/tags/{parent['id']}/").status_code == 204


def test_highlight_create_edit_and_out_of_range_is_400(api, corpus):
    created = api.post("/api/v1/highlights/", span(corpus["call1"], 0, 3, 0, 24, note="key"), format="json")
    assert created.status_code == 201 and created.json()["quote"] == "compare three vendors"
    hid = created.json()["id"]
    edited = api.patch(f"/api/v1/highlights/{hid}/", {"end_offset": 16}, format="json").json()
    assert edited["quote"] == "compare three" and edited["note"] == "key"
    bad = api.post("/api/v1/highlights/", span(corpus["call1"], 0, 0, 0, 999), format="json")
    assert "past the end" in assert_error(bad, 400, "invalid")["message"]
    backwards = api.patch(f"/api/v1/highlights/{hid}/", {"start_offset": 20, "end_offset": 5}, format="json")
    assert_error(backwards, 400, "invalid")
    assert api.get(f"/api/v1/highlights/{hid}/").json()["quote"] == "compare three"


def test_unknown_tag_or_interview_is_400(api, corpus):
    response = api.post(
        "/api/v1/highlights/", span(corpus["call1"], 0, 0, 0, 2, tags=["00000000-0000-0000-0000-000000000000"]), format="json"
    )
    assert "tag" in assert_error(response, 400, "invalid")["message"]


def test_bulk_create_all_or_nothing(api, corpus):
    items = [span(corpus["call1"], 0, 0, 0, 2), span(corpus["call2"], 0, 0, 0, 3)]
    created = api.post("/api/v1/highlights/bulk/", {"items": items}, format="json")
    assert created.status_code == 201 and len(created.json()["results"]) == 2
    refused = api.post("/api/v1/highlights/bulk/", {"items": items + [span(corpus["call1"], 0, 0, 7, 1)]}, format="json")
    assert "items[2]" in str(assert_error(refused, 400, "invalid"))
    with tenant_scope(corpus["org"]):
        assert Highlight.objects.count() == 2
    too_many = api.post("/api/v1/highlights/bulk/", {"items": [items[0]] * 501}, format="json")
    assert "500" in assert_error(too_many, 400, "invalid")["message"]


def test_highlights_filter_by_interview_and_tag(api, corpus):
    with tenant_scope(corpus["org"]):
        tag = Tag.objects.create(name="T")
    api.post("/api/v1/highlights/", span(corpus["call1"], 0, 0, 0, 2, tags=[str(tag.public_id)]), format="json")
    api.post("/api/v1/highlights/", span(corpus["call2"], 0, 0, 0, 3), format="json")
    assert len(api.get(f"/api/v1/highlights/?interview={corpus['call2'].public_id}").json()["results"]) == 1
    assert len(api.get(f"/api/v1/highlights/?tag={tag.public_id}").json()["results"]) == 1
    assert_error(api.get("/api/v1/highlights/?tag=nope"), 400, "invalid")


def test_search_endpoint_with_filters(api, corpus):
    body = api.get("/api/v1/search/", {"q": "onboard*", "attribute": "role=legal"}).json()
    assert [h["text"] for h in body["results"]] == ["Onboarding takes weeks because legal reviews every contract."]
    assert "<mark>" in body["results"][0]["snippet"]
    empty = api.get("/api/v1/search/", {"q": "onboard*", "attribute": "role=finance", "speaker": "participant"}).json()
    assert empty["results"] == [] and "attribute" in empty["hint"] and "speaker" in empty["hint"]
    study = api.get("/api/v1/search/", {"q": "onboard*", "study": str(corpus["study"].public_id), "kind": "utterances"})
    assert len(study.json()["results"]) == 1


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "x", "date_from": "2026-05-01", "date_to": "2026-01-01"}, {"q": "x", "attribute": "no-equals"},
     {"q": "x", "study": "not-a-uuid"}, {"q": "x", "speaker": "robot"}, {"q": "x", "page": "0"}],
)
def test_bad_search_input_is_400(api, params):
    response = api.get("/api/v1/search/", params)
    assert_error(response, 400, "invalid")
