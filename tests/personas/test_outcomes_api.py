"""Outcomes of messages by API, calibration records and who may read them, the stakeholder basis."""

import pytest
from rest_framework.test import APIClient

from empathy_site.sync.models import ChangeEvent, WebhookEvent
from empathy_site.sync.webhooks import endpoint_create
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create
from personas import services
from personas.models import AssumptionCheck, Outcome
from tests.api_assertions import assert_error


def member_api(actor):
    client = APIClient()
    client.force_login(actor.user)
    client.credentials(HTTP_X_ORGANIZATION=actor.org.slug)
    return client


@pytest.fixture
def api(org_a):
    _, raw = api_key_create(organization=org_a, name="crm", scopes=["read", "write"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def write(org, by, *, taste, predicted, title="m", basis="preference"):
    with tenant_scope(org):
        return services.message_create(
            title=title, channel="email", body="Words.", target_personas=[], by=by,
            check=services.CheckAnswers(basis=basis, own_taste=taste, predicted_reaction=predicted))


def test_post_list_and_read_an_outcome(api, org_a, alice):
    message = write(org_a, alice.user, taste=4, predicted=4)
    with tenant_scope(org_a):
        services.message_revise(message=message, body="Second words.", target_personas=[],
                                check=services.CheckAnswers(basis="preference", own_taste=2, predicted_reaction=5))
    url = f"/api/v1/messages/{message.public_id}/outcomes/"
    created = api.post(url, {"observed_reaction": 3, "metric": {"name": "click-through", "value": 0.031, "baseline": 0.025,
                                                                 "sample_size": 4000, "source": "ab_test"}}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    # The current revision by default: revision 2 predicted 5.
    assert body["revision"] == 2 and body["predicted_reaction"] == 5 and body["signed_error"] == 2
    assert body["metric"] == {"name": "click-through", "value": 0.031, "baseline": 0.025, "sample_size": 4000,
                              "source": "ab_test"}
    first = api.post(url, {"observed_reaction": 5, "revision": 1}, format="json").json()
    assert first["revision"] == 1 and first["signed_error"] == -1 and first["metric"] is None
    listed = api.get(url).json()
    assert listed["next"] is None and [o["id"] for o in listed["results"]] == [first["id"], body["id"]]
    assert api.get(f"{url}{body['id']}/").json() == body


@pytest.mark.parametrize("payload, field", [
    ({}, "observed_reaction"),
    ({"observed_reaction": 6}, "observed_reaction"),
    ({"observed_reaction": 0}, "observed_reaction"),
    ({"observed_reaction": "lots"}, "observed_reaction"),
    ({"observed_reaction": 3, "revision": 9}, "revision"),
    ({"observed_reaction": 3, "metric": {"value": 2}}, "metric"),
    ({"observed_reaction": 3, "metric": {"name": "ctr", "sample_size": 0}}, "metric"),
    ({"observed_reaction": 3, "metric": {"name": "ctr", "source": "horoscope"}}, "metric"),
    ({"observed_reaction": 3, "metric": {"name": "ctr", "value": "NaN"}}, "metric"),
])
def test_bad_outcomes_are_400_and_nothing_is_written(api, org_a, alice, payload, field):
    message = write(org_a, alice.user, taste=3, predicted=3)
    response = api.post(f"/api/v1/messages/{message.public_id}/outcomes/", payload, format="json")
    error = assert_error(response, 400, "invalid")
    assert any(key.split(".")[0] == field for key in error["details"]), error
    with tenant_scope(org_a):
        assert not Outcome.objects.exists()


def test_outcomes_of_another_message_or_org_are_404(api, org_a, org_b, alice, charlie):
    mine = write(org_a, alice.user, taste=3, predicted=3)
    other = write(org_a, alice.user, taste=3, predicted=3, title="other")
    theirs = write(org_b, charlie.user, taste=3, predicted=3)
    with tenant_scope(org_a):
        outcome = services.outcome_record(message=other, observed_reaction=2)
    assert_error(api.get(f"/api/v1/messages/{mine.public_id}/outcomes/{outcome.public_id}/"), 404, "not_found")
    assert_error(api.post(f"/api/v1/messages/{theirs.public_id}/outcomes/", {"observed_reaction": 2}, format="json"),
                 404, "not_found")


def test_viewers_cannot_record_outcomes(org_a, alice, member_factory):
    viewer = member_factory(org_a, "viewer")
    message = write(org_a, alice.user, taste=3, predicted=3)
    response = member_api(viewer).post(f"/api/v1/messages/{message.public_id}/outcomes/", {"observed_reaction": 2},
                                       format="json")
    assert_error(response, 403, "permission_denied")


def test_outcomes_are_in_the_changes_feed_and_webhooks(api, org_a, alice, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True
    with tenant_scope(org_a):
        endpoint_create(url="http://127.0.0.1:9/crm", events=["outcome.created"])
    message = write(org_a, alice.user, taste=3, predicted=4)
    created = api.post(f"/api/v1/messages/{message.public_id}/outcomes/", {"observed_reaction": 2}, format="json").json()
    feed = api.get("/api/v1/changes/", {"types": "outcome"}).json()["results"]
    assert [(e["type"], e["action"], e["id"]) for e in feed] == [("outcome", "created", created["id"])]
    assert feed[0]["object"] == created
    with tenant_scope(org_a):
        event = WebhookEvent.objects.get(event_type="outcome.created")
        assert event.payload["object"]["signed_error"] == 2
        assert ChangeEvent.objects.filter(object_type="outcome").count() == 1


# Calibration ------------------------------------------------------------------------------------------

def record_outcomes(org, by, rows):
    """rows: (own taste, predicted, observed), one message each."""
    for number, (taste, predicted, observed) in enumerate(rows):
        message = write(org, by, taste=taste, predicted=predicted, title=f"m{number}")
        with tenant_scope(org):
            services.outcome_record(message=message, observed_reaction=observed)


ROWS = [(5, 5, 3), (4, 4, 3), (2, 3, 3), (1, 2, 3), (3, 3, 3), (5, 4, 2)]  # tests/personas/test_statistics.py


def test_calibration_figures_and_the_below_five_rule(api, org_a, alice):
    record_outcomes(org_a, alice.user, ROWS[:4])
    assert api.get("/api/v1/calibration/").json() == {
        "n": 4, "mean_signed_error": None, "mean_absolute_error": None, "projection_index": None,
        "projection_interval": None, "enough_data": False}
    record_outcomes(org_a, alice.user, ROWS[4:])
    body = api.get("/api/v1/calibration/", {"author": str(alice.user.public_id)}).json()
    assert body["n"] == 6 and body["enough_data"] is True
    assert body["mean_signed_error"] == pytest.approx(0.667, abs=1e-3)
    assert body["mean_absolute_error"] == 1.0
    assert body["projection_index"] == pytest.approx(0.978, abs=1e-3)
    low, high = body["projection_interval"]
    assert low <= body["projection_index"] <= high
    assert api.get("/api/v1/calibration/", {"author": str(alice.user.public_id)}).json() == body  # reproducible


def test_calibration_query_parameters(api, org_a):
    assert_error(api.get("/api/v1/calibration/", {"writer": "x"}), 400, "invalid")
    assert_error(api.get("/api/v1/calibration/", {"author": "not-a-uuid"}), 400, "invalid")


def test_marketers_see_their_own_record_and_others_only_when_the_org_allows(org_a, alice, member_factory):
    mia = member_factory(org_a, "marketer", "mia@example.test")
    max_ = member_factory(org_a, "marketer", "max@example.test")
    record_outcomes(org_a, mia.user, ROWS)
    record_outcomes(org_a, max_.user, ROWS[:2])
    as_mia = member_api(mia)
    own = as_mia.get("/api/v1/calibration/", {"author": str(mia.user.public_id)})
    assert own.status_code == 200 and own.json()["n"] == 6
    # Another author's record: the same 404 as somebody who is not a member at all.
    assert_error(as_mia.get("/api/v1/calibration/", {"author": str(max_.user.public_id)}), 404, "not_found")
    assert_error(as_mia.get("/api/v1/calibration/", {"author": "00000000-0000-4000-8000-000000000000"}), 404, "not_found")
    assert as_mia.get("/api/v1/calibration/").json()["n"] == 8  # the team as a whole, nobody named
    admin = member_api(alice)
    assert admin.get("/api/v1/calibration/", {"author": str(mia.user.public_id)}).json()["n"] == 6
    assert admin.patch("/api/v1/evidence-policy/", {"records_visible_to_all": True}, format="json").status_code == 200
    assert as_mia.get("/api/v1/calibration/", {"author": str(max_.user.public_id)}).json()["n"] == 2


def test_another_orgs_member_is_404(api, charlie):
    assert_error(api.get("/api/v1/calibration/", {"author": str(charlie.user.public_id)}), 404, "not_found")


# The stakeholder basis -------------------------------------------------------------------------------

def test_stakeholder_basis_needs_a_stakeholder(api, org_a):
    body = {"title": "Price", "channel": "email", "body": "Annual plans only.", "target_personas": [],
            "assumption_check": {"basis": "stakeholder", "own_taste": 2, "predicted_reaction": 2}}
    refused = api.post("/api/v1/messages/", body, format="json")
    assert "stakeholder" in str(assert_error(refused, 400, "invalid")["details"])
    body["assumption_check"]["stakeholder"] = "finance"
    created = api.post("/api/v1/messages/", body, format="json")
    assert created.status_code == 201, created.content
    check = created.json()["current_revision"]["assumption_check"]
    assert check["basis"] == "stakeholder" and check["stakeholder"] == "finance"
    assert created.json()["grounding"] == "ungrounded"  # a constraint is not customer evidence
    body["assumption_check"] = {"basis": "preference", "stakeholder": "legal", "own_taste": 2, "predicted_reaction": 2}
    assert_error(api.post("/api/v1/messages/", body, format="json"), 400, "invalid")
    with tenant_scope(org_a):
        assert AssumptionCheck.objects.count() == 1
