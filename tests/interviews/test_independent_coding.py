"""Independent coding: assignments, blind mode hiding and revealing, agreement, disagreements, reconciliation."""

import re

import krippendorff
import numpy as np
import pytest
from django.urls import reverse
from sklearn.metrics import cohen_kappa_score

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Role
from interviews.models import Highlight, Interview
from personas import services as persona_services
from tests.api_assertions import assert_error

from .coding_fixtures import TEXTS, assign, done, highlight, listed, session


def test_blind_mode_hides_until_done_then_reveals(team, client):
    alice, bob, carol = session(team["alice"]), session(team["bob"]), session(team["carol"])
    bob_assignment = assign(alice, team, team["bob"])
    carol_assignment = assign(alice, team, team["carol"])
    assert (bob_assignment["done"], bob_assignment["coder"]) == (False, str(team["bob"].user.public_id))
    by_bob = highlight(bob, team, 0, "Workarounds")
    by_carol = highlight(carol, team, 1, "Workarounds")
    by_alice = highlight(alice, team, 2, "Praise")  # not a coder: her highlights are never hidden

    assert listed(bob, team) == {by_bob}
    assert listed(carol, team) == {by_carol}
    assert listed(alice, team) == {by_alice}
    assert_error(bob.get(f"/api/v1/highlights/{by_carol}/"), 404, "not_found")
    hits = bob.get("/api/v1/search/", {"q": "Excel", "kind": "highlights"}).json()["results"]
    assert hits == []
    # An integration's key is not a person coding: it sees all, as the changes feed does.
    assert listed(team["key"], team) == {by_bob, by_carol, by_alice}

    # Only the coder (or an admin) marks an assignment done.
    assert_error(done(carol, bob_assignment), 403, "permission_denied")
    assert done(bob, bob_assignment).json()["done"] is True
    assert listed(bob, team) == {by_bob, by_carol, by_alice}
    assert listed(carol, team) == {by_carol}
    assert listed(alice, team) == {by_alice}

    assert done(carol, carol_assignment).json()["done"] is True
    assert listed(alice, team) == {by_bob, by_carol, by_alice}
    assert listed(carol, team) == {by_bob, by_carol, by_alice}
    hits = alice.get("/api/v1/search/", {"q": "Excel", "kind": "highlights"}).json()["results"]
    assert [hit["id"] for hit in hits] == [by_carol]


def test_blind_mode_on_the_transcript_page_with_each_coders_colour(team, client):
    alice, bob, carol = session(team["alice"]), session(team["bob"]), session(team["carol"])
    bob_assignment = assign(alice, team, team["bob"])
    carol_assignment = assign(alice, team, team["carol"])
    by_bob = highlight(bob, team, 0, "Workarounds")
    by_carol = highlight(carol, team, 1, "Workarounds")
    url = reverse("interview_detail", args=[team["org"].slug, team["interview"].public_id])

    client.force_login(team["bob"].user)
    page = client.get(url).content.decode()
    assert f'id="h-{by_bob}"' in page and f'id="h-{by_carol}"' not in page
    assert re.search(r'<mark class="hl [^"]*coder-0"', page) and "coder-1" not in page
    done(bob, bob_assignment)
    done(carol, carol_assignment)
    client.force_login(team["alice"].user)
    page = client.get(url).content.decode()
    assert f'id="h-{by_bob}"' in page and f'id="h-{by_carol}"' in page
    # Bob was assigned first (coder-0), Carol second (coder-1): their own colours on the transcript.
    assert re.search(r'<mark class="hl [^"]*coder-0"', page) and re.search(r'<mark class="hl [^"]*coder-1"', page)


def _reference(first, second):
    data = np.array([first, second], dtype=float)
    return cohen_kappa_score(first, second), krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")


def _code_the_fixture(team):
    """Bob: Workarounds on u0, u1 and Praise on u3. Carol: Workarounds on u1, u2 and Praise on u3."""
    alice, bob, carol = session(team["alice"]), session(team["bob"]), session(team["carol"])
    assignments = [assign(alice, team, team["bob"]), assign(alice, team, team["carol"])]
    ids = {
        "bob_u0": highlight(bob, team, 0, "Workarounds"), "bob_u1": highlight(bob, team, 1, "Workarounds", 0, 8),
        "bob_u3": highlight(bob, team, 3, "Praise"),
        "carol_u1": highlight(carol, team, 1, "Workarounds", 3, 12), "carol_u2": highlight(carol, team, 2, "Workarounds"),
        "carol_u3": highlight(carol, team, 3, "Praise"),
    }
    return alice, bob, carol, assignments, ids


def test_agreement_per_tag_and_overall_equal_the_references(team):
    alice, bob, carol, _, _ = _code_the_fixture(team)
    body = alice.get("/api/v1/agreement/", {"interview": str(team["interview"].public_id)}).json()
    coders = sorted([str(team["bob"].user.public_id), str(team["carol"].user.public_id)])
    assert body["coders"] == coders
    by_tag = {row["tag"]: row for row in body["tags"]}
    workarounds = by_tag[str(team["tags"]["Workarounds"].public_id)]
    # Units u0..u3: Bob 1,1,0,0 / Carol 0,1,1,0 -> agree on u1, u3: 50 %.
    kappa, alpha = _reference([1, 1, 0, 0], [0, 1, 1, 0])
    assert workarounds["units"] == 4 and workarounds["percent_agreement"] == pytest.approx(0.5, abs=1e-12)
    assert workarounds["kappa"] == pytest.approx(kappa, abs=1e-9) and workarounds["kappa"] == pytest.approx(0.0, abs=1e-12)
    assert workarounds["alpha"] == pytest.approx(alpha, abs=1e-9)
    praise = by_tag[str(team["tags"]["Praise"].public_id)]
    # Praise: both on u3 only -> perfect agreement: kappa = alpha = 1.
    assert praise == {"tag": praise["tag"], "kappa": 1.0, "alpha": 1.0, "percent_agreement": 1.0, "units": 4}
    kappa, alpha = _reference([1, 1, 0, 0, 0, 0, 0, 1], [0, 1, 1, 0, 0, 0, 0, 1])
    overall = body["overall"]
    assert overall["units"] == 8 and overall["percent_agreement"] == pytest.approx(0.75, abs=1e-12)
    assert overall["kappa"] == pytest.approx(kappa, abs=1e-9) and overall["alpha"] == pytest.approx(alpha, abs=1e-9)
    # The study holds just this interview, the only one with coders: the same figures.
    by_study = alice.get("/api/v1/agreement/", {"study": str(team["study"].public_id)}).json()
    assert by_study == body
    assert alice.get("/api/v1/agreement/").json() == body
    # The same for an API key and for the coders themselves (figures reveal nobody's highlights).
    assert team["key"].get("/api/v1/agreement/", {"interview": str(team["interview"].public_id)}).json() == body


def test_agreement_with_no_coders_is_all_null(team):
    body = session(team["alice"]).get("/api/v1/agreement/", {"interview": str(team["interview"].public_id)}).json()
    assert body == {"coders": [], "overall": {"kappa": None, "alpha": None, "percent_agreement": None, "units": 0},
                    "tags": []}


@pytest.mark.parametrize("params", [{"interview": "x"}, {"interview": None, "study": None}, {"unknown": "1"}])
def test_agreement_query_names_an_interview_or_a_study_not_both(team, params):
    if params.get("interview", "") is None:
        params = {"interview": str(team["interview"].public_id), "study": str(team["study"].public_id)}
    assert_error(session(team["alice"]).get("/api/v1/agreement/", params), 400, "invalid")


def test_disagreements_reconcile_into_shared_evidence(team):
    alice, bob, carol, assignments, ids = _code_the_fixture(team)
    interview = str(team["interview"].public_id)
    workarounds = str(team["tags"]["Workarounds"].public_id)
    u = [str(x.public_id) for x in team["utterances"]]

    # Blind mode: nobody sees the disagreements before every coder is done; reconciling is refused too.
    assert bob.get("/api/v1/agreement/disagreements/", {"interview": interview}).json() == {"results": []}
    refused = alice.post("/api/v1/reconciliations/", {"utterance": u[0], "tag": workarounds, "decision": "discard"},
                         format="json")
    assert_error(refused, 409, "conflict")
    for assignment, client in zip(assignments, (bob, carol), strict=True):
        done(client, assignment)

    rows = alice.get("/api/v1/agreement/disagreements/", {"interview": interview, "tag": workarounds}).json()["results"]
    assert [(row["position"], row["text"]) for row in rows] == [(0, TEXTS[0]), (2, TEXTS[2])]
    bob_id, carol_id = str(team["bob"].user.public_id), str(team["carol"].user.public_id)
    side_by_side = {c["coder"]: (c["applied"], c["highlights"]) for c in rows[0]["coders"]}
    assert side_by_side == {bob_id: (True, [ids["bob_u0"]]), carol_id: (False, [])}
    assert rows[0]["reconciliation"] is None

    accepted = alice.post("/api/v1/reconciliations/", {
        "utterance": u[0], "tag": workarounds, "decision": "accept", "highlight": ids["bob_u0"],
    }, format="json")
    assert accepted.status_code == 201, accepted.content
    discarded = alice.post("/api/v1/reconciliations/", {"utterance": u[2], "tag": workarounds, "decision": "discard"},
                           format="json")
    assert discarded.status_code == 201 and discarded.json()["highlight"] is None
    again = alice.post("/api/v1/reconciliations/", {"utterance": u[0], "tag": workarounds, "decision": "discard"},
                       format="json")
    assert_error(again, 409, "conflict")

    # Merge on u1, where both coded the tag over different spans: one highlight over both.
    merged = alice.post("/api/v1/reconciliations/", {"utterance": u[1], "tag": workarounds, "decision": "merge"},
                        format="json")
    assert merged.status_code == 201, merged.content

    with tenant_scope(team["org"]):
        reconciled = {h.start_position: h for h in Highlight.objects.filter(reconciled=True).prefetch_related("tags")}
        assert sorted(reconciled) == [0, 1]
        assert (reconciled[0].start_offset, reconciled[0].end_offset, reconciled[0].quote) == (0, 5, TEXTS[0][:5])
        assert (reconciled[1].start_offset, reconciled[1].end_offset, reconciled[1].quote) == (0, 12, TEXTS[1][:12])
        assert all([t.name for t in h.tags.all()] == ["Workarounds"] for h in reconciled.values())
        assert str(reconciled[0].public_id) == accepted.json()["highlight"]
        # Personas cite the reconciled highlight: shared evidence.
        persona = persona_services.persona_create(name="Planner")
        claim = persona_services.claim_create(persona=persona, kind="pain_point", statement="Paper planning")
        citation = persona_services.citation_create(claim=claim, highlight=reconciled[0])
        assert citation.highlight_id == reconciled[0].pk
    rows = alice.get("/api/v1/agreement/disagreements/", {"interview": interview, "tag": workarounds}).json()["results"]
    assert [(row["position"], row["reconciliation"]["decision"]) for row in rows] == [(0, "accept"), (2, "discard")]
    # Reconciled highlights are not anyone's coding: the agreement figures do not move.
    body = alice.get("/api/v1/agreement/", {"interview": interview}).json()
    assert {row["tag"]: row["percent_agreement"] for row in body["tags"]}[workarounds] == pytest.approx(0.5)
    # Once reconciled, an assignment cannot be reopened.
    assert_error(done(bob, assignments[0], False), 409, "conflict")


def test_accepting_a_highlight_that_is_not_a_coders_on_that_unit_is_refused(team):
    alice, bob, carol, assignments, ids = _code_the_fixture(team)
    for assignment, client in zip(assignments, (bob, carol), strict=True):
        done(client, assignment)
    response = alice.post("/api/v1/reconciliations/", {
        "utterance": str(team["utterances"][0].public_id), "tag": str(team["tags"]["Workarounds"].public_id),
        "decision": "accept", "highlight": ids["carol_u2"],
    }, format="json")
    assert_error(response, 400, "invalid")


def test_assignment_rules(team, member_factory):
    alice = session(team["alice"])
    marketer = member_factory(team["org"], Role.MARKETER)
    viewer = member_factory(team["org"], Role.VIEWER)
    refused = alice.post("/api/v1/assignments/", {
        "interview": str(team["interview"].public_id), "coder": str(marketer.user.public_id),
    }, format="json")
    assert_error(refused, 400, "invalid")
    assign(alice, team, team["bob"])
    duplicate = alice.post("/api/v1/assignments/", {
        "interview": str(team["interview"].public_id), "coder": str(team["bob"].user.public_id),
    }, format="json")
    assert_error(duplicate, 409, "conflict")
    assert_error(session(viewer).post("/api/v1/assignments/", {
        "interview": str(team["interview"].public_id), "coder": str(team["bob"].user.public_id),
    }, format="json"), 403, "permission_denied")
    assert session(viewer).get("/api/v1/agreement/", {"interview": str(team["interview"].public_id)}).status_code == 200
    listed = alice.get("/api/v1/assignments/", {"interview": str(team["interview"].public_id)}).json()["results"]
    assert [row["coder"] for row in listed] == [str(team["bob"].user.public_id)]
    assert alice.delete(f"/api/v1/assignments/{listed[0]['id']}/").status_code == 204
    # No assignments left: blind mode is off.
    with tenant_scope(team["org"]):
        assert not Interview.objects.get(pk=team["interview"].pk).assignments.exists()


def test_coding_page_assign_done_reconcile_and_csv(team, client):
    org, interview = team["org"], team["interview"]
    url = reverse("interview_coding", args=[org.slug, interview.public_id])
    client.force_login(team["alice"].user)
    for coder in (team["bob"], team["carol"]):
        response = client.post(url, {"action": "assign", "coder": str(coder.user.public_id)})
        assert response.status_code == 302
    bob, carol = session(team["bob"]), session(team["carol"])
    by_bob = highlight(bob, team, 0, "Workarounds")
    highlight(carol, team, 1, "Workarounds")
    page = client.get(url).content.decode()
    assert "bob@example.test" in page and "carol@example.test" in page
    assert "Shown once every coder has marked their coding done" in page
    assert client.get(reverse("interview_disagreements_csv", args=[org.slug, interview.public_id])).status_code == 403

    with tenant_scope(org):
        assignments = {a.coder_id: a.public_id for a in interview.assignments.all()}
    # Carol cannot mark Bob's coding done; each marks their own.
    client.force_login(team["carol"].user)
    refused = client.post(url, {"action": "done", "assignment": str(assignments[team["bob"].user.pk])})
    assert refused.status_code == 403
    for coder in (team["bob"], team["carol"]):
        client.force_login(coder.user)
        assert client.post(url, {"action": "done", "assignment": str(assignments[coder.user.pk])}).status_code == 302

    client.force_login(team["alice"].user)
    page = client.get(url).content.decode()
    assert "Disagreements <span class=\"badge\">2</span>" in page
    response = client.post(url, {
        "action": "reconcile", "utterance": str(team["utterances"][0].public_id),
        "tag": str(team["tags"]["Workarounds"].public_id), "decision": "accept", "highlight": by_bob,
    })
    assert response.status_code == 302
    with tenant_scope(org):
        made = Highlight.objects.get(reconciled=True)
        assert (made.start_position, made.start_offset, made.end_offset) == (0, 0, 5)

    agreement_csv = client.get(reverse("interview_agreement_csv", args=[org.slug, interview.public_id]))
    lines = agreement_csv.content.decode().splitlines()
    assert lines[0] == "tag,coders,units,percent_agreement,kappa,alpha"
    # Bob 1,0,0,0 / Carol 0,1,0,0 on u0..u3: agree on u2, u3 (50 %); p_e = .75*.75 + .25*.25 = .625,
    # kappa = (.5 - .625) / .375 = -1/3; alpha = 1 - (4/8) / (2*6*2 / (8*7)) = -1/6. Negative numbers stay numbers.
    assert lines[1] == "Workarounds,2,4,0.5,-0.333333,-0.166667"
    assert lines[2] == "(all tags),2,4,0.5,-0.333333,-0.166667"
    rows = client.get(reverse("interview_disagreements_csv", args=[org.slug, interview.public_id])).content.decode()
    assert rows.splitlines()[1] == f"Workarounds,0,{TEXTS[0]},bob@example.test,carol@example.test,accept"


def test_viewer_cannot_change_coding_in_the_ui(team, client, member_factory):
    viewer = member_factory(team["org"], Role.VIEWER)
    client.force_login(viewer.user)
    url = reverse("interview_coding", args=[team["org"].slug, team["interview"].public_id])
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "assign", "coder": str(team["bob"].user.public_id)}).status_code == 403
