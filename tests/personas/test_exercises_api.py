"""Predict-then-reveal exercises: truth computed from the evidence, never visible before one's own answer."""

import json

import numpy as np
import pytest
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create
from interviews import services as interview_services
from personas import statistics
from personas.models import ExerciseAnswer
from tests.api_assertions import assert_error


def member_api(actor):
    client = APIClient()
    client.force_login(actor.user)
    client.credentials(HTTP_X_ORGANIZATION=actor.org.slug)
    return client


@pytest.fixture
def tagged(evidence):
    """Audit: Ana (procurement), Cy (legal). Speed: Ana, Ben (procurement), Cy. Price: nobody."""
    h = evidence["h"]
    with tenant_scope(evidence["org"]):
        audit, speed, price = (interview_services.tag_create(name=n) for n in ("Audit", "Speed", "Price"))
        interview_services.highlight_set_tags(highlight=h["ana1"], tags=[audit])
        interview_services.highlight_set_tags(highlight=h["cy"], tags=[audit, speed])
        interview_services.highlight_set_tags(highlight=h["ben"], tags=[speed])
        interview_services.highlight_set_tags(highlight=h["ana2"], tags=[speed])
    return {**evidence, "tags": {"audit": audit, "speed": speed, "price": price}}


def questions(tagged):
    tags, h = tagged["tags"], tagged["h"]
    return [
        {"kind": "share", "tag": str(tags["audit"].public_id), "segment": "procurement"},
        {"kind": "rank", "tags": [str(tags[n].public_id) for n in ("audit", "speed", "price")]},
        {"kind": "quote", "segment": "legal", "highlights": [str(h[n].public_id) for n in ("ana1", "ben", "cy")]},
    ]


@pytest.fixture
def exercise(tagged, bob):
    created = member_api(bob).post("/api/v1/exercises/", {"title": "Know the buyer", "questions": questions(tagged)},
                                   format="json")
    assert created.status_code == 201, created.content
    return created.json()


def test_the_questions_never_carry_their_truth(exercise, alice):
    detail = member_api(alice).get(f"/api/v1/exercises/{exercise['id']}/").json()
    assert detail == exercise
    text = json.dumps(detail)
    assert "truth" not in text and "1 of 2" not in text and "voices" not in text
    assert [q["kind"] for q in detail["questions"]] == ["share", "rank", "quote"]
    assert [o["id"] for o in detail["questions"][2]["options"]] == ["a", "b", "c"]  # letters: no highlight id to look up
    # Nor through the answers endpoint before answering, nor the changes feed.
    assert member_api(alice).get(f"/api/v1/exercises/{exercise['id']}/answers/").json() == {"results": [], "next": None}
    _, raw = api_key_create(organization=alice.org, name="crm", scopes=["read"])
    key = APIClient()
    key.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    feed = key.get("/api/v1/changes/").json()["results"]
    assert not [e for e in feed if "exercise" in e["type"]]


def answer_all(client, exercise, own, prediction):
    qs = exercise["questions"]
    return client.post(f"/api/v1/exercises/{exercise['id']}/answers/", {"answers": [
        {"question": q["id"], "own": o, "prediction": p} for q, o, p in zip(qs, own, prediction, strict=True)
    ]}, format="json")


def labels(exercise, position, wanted):
    """Option letters of a question, in the order of the labels wanted (quote text prefixes or tag names)."""
    options = exercise["questions"][position]["options"]
    return [next(o["id"] for o in options if o["label"].startswith(w)) for w in wanted]


def test_answer_then_reveal_with_the_quotes_and_score(exercise, tagged, member_factory):
    mia = member_factory(tagged["org"], "marketer", "mia@example.test")
    client = member_api(mia)
    rank_own = labels(exercise, 1, ["Price", "Audit", "Speed"])
    rank_prediction = labels(exercise, 1, ["Audit", "Speed", "Price"])
    legal_quote = labels(exercise, 2, ["Legal"])[0]
    spreadsheet = labels(exercise, 2, ["I compare"])[0]
    answered = answer_all(client, exercise, [80, rank_own, spreadsheet], [70, rank_prediction, spreadsheet])
    assert answered.status_code == 201, answered.content
    reveals = answered.json()["results"]
    share, rank, quote = reveals
    assert share["truth"] == [50.0] and share["truth_explanation"] == "1 of 2 procurement participants raised “Audit”."
    assert share["absolute_error"] == 20.0
    assert {e["participant"] for e in share["evidence"]} == {"Ana"}
    # Rank points by voices: Speed 3 (100), Audit 2 (50), Price 0 (0), in option order audit, speed, price.
    assert rank["truth"] == [50.0, 100.0, 0.0]
    assert quote["truth"][["a", "b", "c"].index(legal_quote)] == 100.0 and sum(quote["truth"]) == 100.0
    assert any(e["participant"] == "Cy" for e in quote["evidence"])
    # The score: seven items. Own: 80 | price first (audit 50, speed 0, price 100) | spreadsheet chosen.
    own_items = [80, 50, 0, 100] + [100.0 if x == spreadsheet else 0.0 for x in "abc"]
    prediction_items = [70, 100, 50, 0] + [100.0 if x == spreadsheet else 0.0 for x in "abc"]
    truth_items = [50, 50, 100, 0] + [100.0 if x == legal_quote else 0.0 for x in "abc"]
    expected = statistics.egocentric(own_items, prediction_items, truth_items).as_dict()
    score = client.get("/api/v1/exercises/score/", {"author": str(mia.user.public_id)}).json()
    assert score == expected and score["n"] == 7
    assert score["mean_absolute_error"] == pytest.approx(np.mean(np.abs(np.subtract(prediction_items, truth_items))), abs=1e-3)
    # Final once revealed: answering again is a conflict, and nothing changes.
    again = answer_all(client, exercise, [10, rank_own, spreadsheet], [10, rank_prediction, legal_quote])
    assert_error(again, 409, "conflict")
    with tenant_scope(tagged["org"]):
        assert ExerciseAnswer.objects.filter(user=mia.user).count() == 3


@pytest.mark.parametrize("own, prediction", [
    (101, 50), ("much", 50), (None, 50), (50, [1, 2]),
])
def test_bad_share_answers_are_400(exercise, alice, own, prediction):
    response = member_api(alice).post(f"/api/v1/exercises/{exercise['id']}/answers/", {"answers": [
        {"question": exercise["questions"][0]["id"], "own": own, "prediction": prediction}]}, format="json")
    assert_error(response, 400, "invalid")


def test_bad_rank_and_quote_answers_are_400(exercise, alice):
    client = member_api(alice)
    rank, quote = exercise["questions"][1]["id"], exercise["questions"][2]["id"]
    for answer in ({"question": rank, "own": ["a", "b"], "prediction": ["a", "b", "c"]},
                   {"question": rank, "own": ["a", "a", "b"], "prediction": ["a", "b", "c"]},
                   {"question": quote, "own": "z", "prediction": "a"},
                   {"question": "00000000-0000-4000-8000-000000000000", "own": "a", "prediction": "a"}):
        assert_error(client.post(f"/api/v1/exercises/{exercise['id']}/answers/", {"answers": [answer]}, format="json"),
                     400, "invalid")


def test_roles_build_answer_and_read_scores(exercise, tagged, alice, member_factory):
    mia = member_factory(tagged["org"], "marketer", "mia@example.test")
    viewer = member_factory(tagged["org"], "viewer", "vic@example.test")
    assert_error(member_api(mia).post("/api/v1/exercises/", {"title": "x", "questions": questions(tagged)}, format="json"),
                 403, "permission_denied")
    assert_error(member_api(viewer).post(f"/api/v1/exercises/{exercise['id']}/answers/", {"answers": []}, format="json"),
                 403, "permission_denied")
    _, raw = api_key_create(organization=alice.org, name="crm", scopes=["read", "write"])
    key = APIClient()
    key.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = key.post(f"/api/v1/exercises/{exercise['id']}/answers/", {"answers": [
        {"question": exercise["questions"][0]["id"], "own": 5, "prediction": 5}]}, format="json")
    assert "person" in assert_error(response, 400, "invalid")["message"]
    # Another marketer's score is a 404 for a marketer; the admin sees it.
    assert_error(member_api(viewer).get("/api/v1/exercises/score/", {"author": str(mia.user.public_id)}), 404, "not_found")
    assert member_api(alice).get("/api/v1/exercises/score/", {"author": str(mia.user.public_id)}).json()["n"] == 0


def test_questions_the_evidence_cannot_answer_are_refused(tagged, bob):
    client = member_api(bob)
    bad = [
        [{"kind": "share", "tag": str(tagged["tags"]["audit"].public_id), "segment": "astronauts"}],
        [{"kind": "rank", "tags": [str(tagged["tags"]["audit"].public_id)]}],
        # Both Ana's and Ben's quotes are procurement: no single right answer.
        [{"kind": "quote", "segment": "procurement", "highlights": [str(tagged["h"][n].public_id) for n in ("ana1", "ben")]}],
    ]
    for spec in bad:
        assert_error(client.post("/api/v1/exercises/", {"title": "x", "questions": spec}, format="json"), 400, "invalid")
