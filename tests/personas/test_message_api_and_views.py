import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create
from personas import services
from personas.models import AssumptionCheck, Message, MessageRevision
from tests.api_assertions import assert_error

from .fixtures import cite


@pytest.fixture
def claim(evidence, persona):
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="pain_point", statement="Hates rebuilding the spreadsheet")
        cite(claim, evidence["h"]["ana1"], evidence["h"]["ben"])
    return claim


@pytest.fixture
def api(evidence):
    _, raw = api_key_create(organization=evidence["org"], name="crm", scopes=["read", "write"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def check_body(claim=None, basis="insight"):
    return {"basis": basis, "claims": [str(claim.public_id)] if claim else [], "own_taste": 4, "predicted_reaction": 3,
            "predicted_customer_words": "Finally", "rationale": "Two customers said so"}


def test_api_refuses_a_message_without_a_check(api, evidence, persona):
    response = api.post("/api/v1/messages/", {"title": "t", "channel": "email", "body": "b",
                                              "target_personas": [str(persona.public_id)]}, format="json")
    assert "assumption check" in assert_error(response, 400, "invalid")["message"]
    with tenant_scope(evidence["org"]):
        assert not Message.objects.exists()


def test_api_create_revise_and_approve(api, evidence, persona, claim):
    created = api.post("/api/v1/messages/", {
        "title": "Spring", "channel": "email", "body": "Stop rebuilding spreadsheets",
        "target_personas": [str(persona.public_id)], "assumption_check": check_body(claim),
    }, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["grounding"] == "grounded" and body["current_revision"]["assumption_check"]["evidence_voices"] == 2
    mid = body["id"]
    refused = api.patch(f"/api/v1/messages/{mid}/", {"body": "Sneaky edit"}, format="json")
    assert "assumption check" in assert_error(refused, 400, "invalid")["message"]
    renamed = api.patch(f"/api/v1/messages/{mid}/", {"title": "Spring campaign"}, format="json")
    assert renamed.status_code == 200 and renamed.json()["revision_count"] == 1
    revised = api.patch(f"/api/v1/messages/{mid}/", {"body": "New words", "assumption_check": check_body(basis="preference")},
                        format="json")
    assert revised.status_code == 200 and revised.json()["grounding"] == "ungrounded"
    assert revised.json()["current_revision"]["target_personas"] == [str(persona.public_id)]
    revisions = api.get(f"/api/v1/messages/{mid}/revisions/").json()["results"]
    assert [r["number"] for r in revisions] == [2, 1] and revisions[1]["body"] == "Stop rebuilding spreadsheets"
    not_grounded = api.post(f"/api/v1/messages/{mid}/approve/", {"override_reason": "trust me"}, format="json")
    assert_error(not_grounded, 400, "invalid")  # an API key is never an admin


def test_api_validates_check_answers(api, persona):
    bad = check_body(basis="insight")
    bad["own_taste"] = 9
    response = api.post("/api/v1/messages/", {"title": "t", "channel": "email", "body": "b",
                                              "target_personas": [str(persona.public_id)], "assumption_check": bad}, format="json")
    assert_error(response, 400, "invalid")


def test_ui_save_without_answering_the_check_is_refused(client, evidence, persona, bob):
    client.force_login(bob.user)
    url = reverse("message_create", args=[evidence["org"].slug])
    page = client.get(url).content.decode()
    assert "Assumption check" in page and "Would you, personally, find this compelling?" in page
    response = client.post(url, {"title": "t", "channel": "email", "body": "words", "target_personas": [str(persona.public_id)]})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    with tenant_scope(evidence["org"]):
        assert not Message.objects.exists()


def test_ui_write_with_check_then_revise_and_compare(client, evidence, persona, claim, bob):
    client.force_login(bob.user)
    org = evidence["org"].slug
    response = client.post(reverse("message_create", args=[org]), {
        "title": "Spring", "channel": "email", "body": "Line one\nLine two", "target_personas": [str(persona.public_id)],
        "basis": "insight", "claims": [str(claim.public_id)], "own_taste": "4", "predicted_reaction": "3",
    })
    assert response.status_code == 302
    with tenant_scope(evidence["org"]):
        message = Message.objects.get()
    assert message.grounding == "grounded"
    revise = client.get(reverse("message_revise", args=[org, message.public_id])).content.decode()
    assert "Line two" in revise and "Your last 1 revision" in revise
    client.post(reverse("message_revise", args=[org, message.public_id]), {
        "body": "Line one\nLine three", "target_personas": [str(persona.public_id)], "basis": "preference",
        "own_taste": "5", "predicted_reaction": "2",
    })
    detail = client.get(reverse("message_detail", args=[org, message.public_id]), {"a": 1, "b": 2}).content.decode()
    assert "<del>- Line two</del>" in detail and "<ins>+ Line three</ins>" in detail and "projection risk" in detail
    with tenant_scope(evidence["org"]):
        assert MessageRevision.objects.count() == 2 and AssumptionCheck.objects.count() == 2


def test_evidence_panel_shows_targeted_personas_claims_and_track_record(client, evidence, persona, claim, bob):
    client.force_login(bob.user)
    panel = client.get(reverse("message_evidence_panel", args=[evidence["org"].slug]),
                       {"target_personas": [str(persona.public_id)]}).content.decode()
    assert "Hates rebuilding the spreadsheet" in panel and "2 voices" in panel and "first check" in panel


def test_admin_override_in_the_ui(client, evidence, persona, alice, bob):
    with tenant_scope(evidence["org"]):
        message = services.message_create(title="t", channel="ad", body="b", target_personas=[persona],
                                          check=services.CheckAnswers(basis="preference", own_taste=3, predicted_reaction=3))
    org = evidence["org"].slug
    client.force_login(bob.user)
    client.post(reverse("message_approve", args=[org, message.public_id]), {"override_reason": "please"})
    with tenant_scope(evidence["org"]):
        message.refresh_from_db()
        assert message.status == "draft"
    client.force_login(alice.user)
    client.post(reverse("message_approve", args=[org, message.public_id]), {"override_reason": "Regulatory text"})
    with tenant_scope(evidence["org"]):
        message.refresh_from_db()
        assert message.status == "approved" and message.override_reason == "Regulatory text"


def test_viewer_cannot_write_messages(client, evidence, member_factory):
    viewer = member_factory(evidence["org"], "viewer")
    client.force_login(viewer.user)
    assert client.get(reverse("message_list", args=[evidence["org"].slug])).status_code == 200
    assert client.get(reverse("message_create", args=[evidence["org"].slug])).status_code == 403


def test_insights_page_and_csv(client, evidence, persona, claim, bob):
    with tenant_scope(evidence["org"]):
        services.message_create(title="a", channel="email", body="x", target_personas=[persona], by=bob.user,
                                check=services.CheckAnswers(basis="insight", own_taste=5, predicted_reaction=2, claims=[claim]))
    client.force_login(bob.user)
    page = client.get(reverse("message_insights", args=[evidence["org"].slug])).content.decode()
    assert "By channel" in page and "bob@example.test" in page
    csv_text = client.get(reverse("message_insights_csv", args=[evidence["org"].slug])).content.decode()
    assert "channel,email,insight,1,100" in csv_text and f"{bob.user.display_name},5.0,2.0,3.0,1,0" in csv_text


def test_revising_twice_through_the_api_counts_revisions(api, evidence, persona):
    created = api.post("/api/v1/messages/", {
        "title": "t", "channel": "email", "body": "b", "target_personas": [str(persona.public_id)],
        "assumption_check": check_body(basis="preference"),
    }, format="json").json()
    for expected in (2, 3):
        response = api.patch(f"/api/v1/messages/{created['id']}/", {"title": "x", "assumption_check": check_body(basis="preference")},
                             format="json")
        assert response.status_code == 200 and response.json()["revision_count"] == expected
