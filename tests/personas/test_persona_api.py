import pytest
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create
from tests.api_assertions import assert_error


@pytest.fixture
def api(evidence):
    _, raw = api_key_create(organization=evidence["org"], name="crm", scopes=["read", "write"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_build_and_publish_through_the_api(api, evidence):
    h = evidence["h"]
    persona = api.post("/api/v1/personas/", {"name": "Careful Buyer", "segment": {"role": "procurement"}}, format="json")
    assert persona.status_code == 201, persona.content
    pid = persona.json()["id"]
    claim = api.post("/api/v1/claims/", {"persona": pid, "kind": "behaviour", "statement": "Compares vendors"}, format="json")
    assert claim.status_code == 201
    cid = claim.json()["id"]
    first = api.post("/api/v1/citations/", {"claim": cid, "highlight": str(h["ana1"].public_id)}, format="json")
    assert first.status_code == 201 and first.json()["quote"]
    refused = api.post(f"/api/v1/personas/{pid}/publish/")
    error = assert_error(refused, 400, "policy_not_met")
    assert list(error["details"]) == [f"claims.{cid}"]
    assert any("2 supporting citations, has 1" in r for r in error["details"][f"claims.{cid}"])
    api.post("/api/v1/citations/", {"claim": cid, "highlight": str(h["ben"].public_id)}, format="json")
    api.post("/api/v1/citations/", {"claim": cid, "highlight": str(h["cy"].public_id), "stance": "contradicts"}, format="json")
    published = api.post(f"/api/v1/personas/{pid}/publish/")
    assert published.status_code == 200 and published.json()["number"] == 1
    detail = api.get(f"/api/v1/personas/{pid}/").json()
    assert detail["status"] == "published" and detail["current_version"] == 1
    strength = detail["claims"][0]["strength"]
    assert (strength["participants"], strength["supporting_citations"], strength["contradicting_citations"]) == (2, 2, 1)
    assert len(detail["claims"][0]["citations"]) == 3
    versions = api.get(f"/api/v1/personas/{pid}/versions/").json()["results"]
    assert [v["number"] for v in versions] == [1] and versions[0]["snapshot"]["claims"][0]["statement"] == "Compares vendors"


def test_duplicate_citation_is_409_and_unknown_highlight_400(api, evidence):
    pid = api.post("/api/v1/personas/", {"name": "P"}, format="json").json()["id"]
    cid = api.post("/api/v1/claims/", {"persona": pid, "kind": "goal", "statement": "g"}, format="json").json()["id"]
    body = {"claim": cid, "highlight": str(evidence["h"]["ana1"].public_id)}
    assert api.post("/api/v1/citations/", body, format="json").status_code == 201
    assert_error(api.post("/api/v1/citations/", body, format="json"), 409, "conflict")
    unknown = api.post("/api/v1/citations/", {"claim": cid, "highlight": "00000000-0000-0000-0000-000000000000"}, format="json")
    assert "highlight" in assert_error(unknown, 400, "invalid")["message"]
    bad_kind = api.post("/api/v1/claims/", {"persona": pid, "kind": "vibe", "statement": "g"}, format="json")
    assert_error(bad_kind, 400, "invalid")


def test_persona_list_runs_constant_queries(api, evidence, django_assert_max_num_queries):
    from personas import services

    with tenant_scope(evidence["org"]):
        for n in range(6):
            persona = services.persona_create(name=f"P{n}")
            for m in range(3):
                claim = services.claim_create(persona=persona, kind="goal", statement=f"g{m}")
                services.citation_create(claim=claim, highlight=evidence["h"]["ana1"])
    with django_assert_max_num_queries(12):
        body = api.get("/api/v1/personas/").json()
    assert len(body["results"]) == 6 and all(len(p["claims"]) == 3 for p in body["results"])


def test_policy_is_admin_only_to_change(api, evidence, client, member_factory):
    assert api.get("/api/v1/evidence-policy/").json()["min_citations"] == 2
    assert_error(api.patch("/api/v1/evidence-policy/", {"min_citations": 3}, format="json"), 403, "permission_denied")
    admin = APIClient()
    admin.force_login(evidence["owner"])
    response = admin.patch("/api/v1/evidence-policy/", {"min_citations": 3}, format="json", HTTP_X_ORGANIZATION=evidence["org"].slug)
    assert response.status_code == 200 and response.json()["min_citations"] == 3
    bad = admin.patch("/api/v1/evidence-policy/", {"min_participants": 9}, format="json", HTTP_X_ORGANIZATION=evidence["org"].slug)
    assert_error(bad, 400, "invalid")


@pytest.mark.parametrize("colour", ["zz", 0, "#12345g"])
def test_a_bad_avatar_colour_is_400_not_500(api, colour):
    assert_error(api.post("/api/v1/personas/", {"name": "P", "avatar_colour": colour}, format="json"), 400, "invalid")
    pid = api.post("/api/v1/personas/", {"name": f"Q{colour}"}, format="json").json()["id"]
    assert_error(api.patch(f"/api/v1/personas/{pid}/", {"avatar_colour": colour}, format="json"), 400, "invalid")
