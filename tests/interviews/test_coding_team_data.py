"""Independent coding as tenant data and as evidence: assignments and reconciliations in the changes feed, webhooks
and audit log, erasure reaching them; reconciled highlights replacing the coders' own in the evidence pickers and
the citation API; a study's agreement page with its CSV and per-tag disagreements."""

import csv
import io

import pytest
from django.urls import reverse

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import AuditEvent, Role
from interviews import services
from interviews.models import Highlight, Reconciliation
from personas import services as persona_services
from tests.api_assertions import assert_error

from .coding_fixtures import TEXTS, assign, done, highlight, session
from .factories import SpeakerFactory, UtteranceFactory


def follow(api, **params):
    entries = []
    page = api.get("/api/v1/changes/", params).json()
    while True:
        entries += page["results"]
        if not page["next"]:
            return entries
        page = api.get(page["next"]).json()


def full(client, team, position, tag):
    """A highlight over the whole utterance."""
    return highlight(client, team, position, tag, 0, len(TEXTS[position]))


def coded_and_done(team):
    """Bob tags u0 and u1 Workarounds, Carol u1 only; both done. u0 is a disagreement, u1 an agreement."""
    alice, bob, carol = session(team["alice"]), session(team["bob"]), session(team["carol"])
    assignments = [assign(alice, team, team["bob"]), assign(alice, team, team["carol"])]
    ids = {"bob_u0": full(bob, team, 0, "Workarounds"), "bob_u1": full(bob, team, 1, "Workarounds"),
           "carol_u1": full(carol, team, 1, "Workarounds")}
    for assignment, client in zip(assignments, (bob, carol), strict=True):
        assert done(client, assignment).status_code == 200
    return alice, assignments, ids


def accept(alice, team, position, highlight_id):
    response = alice.post("/api/v1/reconciliations/", {
        "utterance": str(team["utterances"][position].public_id), "tag": str(team["tags"]["Workarounds"].public_id),
        "decision": "accept", "highlight": highlight_id,
    }, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_assignments_and_reconciliations_are_synced_and_audited(team):
    alice, assignments, ids = coded_and_done(team)
    decided = accept(alice, team, 0, ids["bob_u0"])
    key = team["key"]

    entries = follow(key, types="assignment")
    assert [(e["action"], e["id"]) for e in entries] == [
        ("created", assignments[0]["id"]), ("created", assignments[1]["id"]),
        ("updated", assignments[0]["id"]), ("updated", assignments[1]["id"]),
    ]
    assert "done_at" in entries[2]["changed_fields"]
    assert entries[-1]["object"] == key.get(f"/api/v1/assignments/{assignments[1]['id']}/").json()
    assert entries[-1]["object"]["done"] is True
    [created] = follow(key, types="reconciliation")
    assert created["action"] == "created" and created["object"] == decided
    assert decided["highlight"] is not None and decided["decision"] == "accept"

    audit = AuditEvent.objects.filter(organization=team["org"]).order_by("id")
    assigned = [e for e in audit if e.action == "coder_assigned"]
    assert [e.target_id for e in assigned] == [a["id"] for a in assignments]
    assert all(e.actor == team["alice"].user for e in assigned)
    reconciled = audit.get(action="coding_reconciled")
    assert reconciled.target_id == decided["id"] and reconciled.actor == team["alice"].user
    assert reconciled.details["decision"] == "accept" and reconciled.details["highlight"] == decided["highlight"]
    assert TEXTS[0] not in str(reconciled.details) and TEXTS[0] not in reconciled.target_label  # no content

    # The reconciled highlight deleted: its reconciliation stands, without it, and the feed says so.
    assert alice.delete(f"/api/v1/highlights/{decided['highlight']}/").status_code == 204
    detail = key.get(f"/api/v1/reconciliations/{decided['id']}/").json()
    assert detail["highlight"] is None
    latest = follow(key, types="reconciliation")[-1]
    assert latest["action"] == "updated" and latest["changed_fields"] == ["highlight"] and latest["object"] == detail

    assert alice.delete(f"/api/v1/assignments/{assignments[1]['id']}/").status_code == 204
    last = follow(key, types="assignment")[-1]
    assert (last["action"], last["id"], last["object"]) == ("deleted", assignments[1]["id"], None)
    removed = AuditEvent.objects.get(organization=team["org"], action="coder_unassigned")
    assert removed.target_id == assignments[1]["id"] and removed.details["done"] is True


def test_erasing_a_participant_takes_the_reconciled_highlight_and_keeps_the_decision(team):
    alice, _, ids = coded_and_done(team)
    decided = accept(alice, team, 0, ids["bob_u0"])
    with tenant_scope(team["org"]):
        person = services.participant_create(pseudonym="P-Dana")
        services.speaker_map(speaker=team["interview"].speakers.get(), participant=person)
        counts = services.participant_erase(participant=person, by=team["alice"].user)
        assert counts["highlights"] == 4  # bob's two, carol's one, the reconciled one
        assert not Highlight.objects.filter(interview=team["interview"]).exists()
        reconciliation = Reconciliation.objects.get(public_id=decided["id"])
        assert reconciliation.highlight is None and reconciliation.decision == "accept"
    latest = follow(team["key"], types="reconciliation")[-1]
    assert latest["object"]["highlight"] is None and "highlight" in latest["changed_fields"]
    assert TEXTS[0] not in str(latest)


def test_reconciled_highlights_replace_the_coders_own_as_evidence(team, client):
    org = team["org"]
    alice = session(team["alice"])
    with tenant_scope(org):
        persona = persona_services.persona_create(name="Planner")
        claim = persona_services.claim_create(persona=persona, kind="pain_point", statement="Plans on paper")
    _, _, ids = coded_and_done(team)
    # Cited before the team reconciled: stays.
    early = alice.post("/api/v1/citations/", {"claim": str(claim.public_id), "highlight": ids["bob_u0"]}, format="json")
    assert early.status_code == 201, early.content
    decided = accept(alice, team, 0, ids["bob_u0"])

    def cite(highlight_id):
        return alice.post("/api/v1/citations/", {"claim": str(claim.public_id), "highlight": highlight_id,
                                                 "stance": "contradicts"}, format="json")

    with tenant_scope(org):
        persona_services.citation_delete(citation=claim.citations.get())
    refused = assert_error(cite(ids["bob_u0"]), 400, "invalid")
    assert decided["highlight"] in refused["details"]["highlight"][0]  # told which one to cite instead
    assert cite(decided["highlight"]).status_code == 201
    # u1: the coders agreed, nobody reconciled it: their own highlights stay the evidence.
    assert cite(ids["carol_u1"]).status_code == 201

    with tenant_scope(org):
        uncited = persona_services.claim_create(persona=persona, kind="goal", statement="Wants fewer tools")
    client.force_login(team["alice"].user)
    paper = client.get(reverse("claim_evidence", args=[org.slug, uncited.public_id]), {"q": "paper"}).content.decode()
    assert decided["highlight"] in paper and ids["bob_u0"] not in paper and "reconciled" in paper
    excel = client.get(reverse("message_highlight_picker", args=[org.slug]), {"hq": "excel"}).content.decode()
    assert ids["bob_u1"] in excel and ids["carol_u1"] in excel
    paper = client.get(reverse("message_highlight_picker", args=[org.slug]), {"hq": "paper"}).content.decode()
    assert decided["highlight"] in paper and ids["bob_u0"] not in paper


def test_an_existing_citation_of_a_superseded_highlight_stays_valid(team):
    alice, _, ids = coded_and_done(team)
    with tenant_scope(team["org"]):
        persona = persona_services.persona_create(name="Planner")
        claim = persona_services.claim_create(persona=persona, kind="pain_point", statement="Plans on paper")
        citation = persona_services.citation_create(claim=claim, highlight=Highlight.objects.get(public_id=ids["bob_u0"]))
    accept(alice, team, 0, ids["bob_u0"])
    shown = alice.get(f"/api/v1/citations/{citation.public_id}/")
    assert shown.status_code == 200 and shown.json()["highlight"] == ids["bob_u0"]
    persona_json = alice.get(f"/api/v1/personas/{persona.public_id}/").json()
    assert persona_json["claims"][0]["strength"]["supporting_citations"] == 1


@pytest.fixture
def second_interview(team):
    """Another interview of the study, with the same text."""
    with tenant_scope(team["org"]):
        speaker = SpeakerFactory(label="Eve")
        interview = speaker.interview
        interview.study = team["study"]
        interview.title = "Second call"
        interview.save()
        utterances = [UtteranceFactory(speaker=speaker, position=i, text=text) for i, text in enumerate(TEXTS)]
    return interview, utterances


def test_study_agreement_page_csv_and_per_tag_disagreements(team, second_interview, client, member_factory):
    org, study = team["org"], team["study"]
    alice, _, _ = coded_and_done(team)
    other, _ = second_interview  # Bob tags u0 Praise, Carol nothing; neither is done yet
    bob = session(team["bob"])
    for coder in (team["bob"], team["carol"]):
        response = alice.post("/api/v1/assignments/", {"interview": str(other.public_id), "coder": str(coder.user.public_id)},
                              format="json")
        assert response.status_code == 201
    response = bob.post("/api/v1/highlights/", {
        "interview": str(other.public_id), "start_position": 0, "start_offset": 0, "end_position": 0,
        "end_offset": 5, "tags": [str(team["tags"]["Praise"].public_id)],
    }, format="json")
    assert response.status_code == 201

    api = alice.get("/api/v1/agreement/", {"study": str(study.public_id)}).json()
    viewer = member_factory(org, Role.VIEWER)
    client.force_login(viewer.user)
    page = client.get(reverse("study_agreement", args=[org.slug, study.public_id]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Second call" in html and team["bob"].user.display_name in html and team["carol"].user.display_name in html
    workarounds, praise = team["tags"]["Workarounds"], team["tags"]["Praise"]
    assert reverse("study_tag_disagreements", args=[org.slug, study.public_id, workarounds.public_id]) in html

    rows = list(csv.reader(io.StringIO(client.get(reverse("study_agreement_csv", args=[org.slug, study.public_id]))
                                       .content.decode())))
    assert rows[0] == ["tag", "coders", "units", "percent_agreement", "kappa", "alpha"]
    by_name = {row[0]: row for row in rows[1:]}
    # The page's figures are the API's, for both interviews pooled: 8 utterances per tag.
    for name, tag in (("Praise", praise), ("Workarounds", workarounds)):
        figures = next(r for r in api["tags"] if r["tag"] == str(tag.public_id))
        assert by_name[name] == [name, "2", str(figures["units"]), *(
            "" if figures[k] is None else str(round(figures[k], 6)) for k in ("percent_agreement", "kappa", "alpha"))]
        assert figures["units"] == 8
    # Workarounds: both interviews, u0 of the first the only disagreement: 7 of 8 agree.
    # Bob 1,1,0,0,0,0,0,0 / Carol 0,1,0,0,0,0,0,0: p_e = 2/8 * 1/8 + 6/8 * 7/8 = 44/64, kappa = (56/64 - 44/64) / (20/64).
    assert by_name["Workarounds"][3:5] == ["0.875", "0.6"]
    assert by_name["(all tags)"][2] == "16"

    # The per-tag view lists the first interview's disagreement; the second waits for Carol (blind mode).
    tag_page = client.get(reverse("study_tag_disagreements", args=[org.slug, study.public_id, workarounds.public_id]))
    text = tag_page.content.decode()
    assert TEXTS[0] in text and "Second call" in text and "Not shown until every coder has marked it done" in text
    praise_page = client.get(reverse("study_tag_disagreements", args=[org.slug, study.public_id, praise.public_id]))
    assert "The coders agree on Praise" in praise_page.content.decode()  # the second interview is not shown yet

    # The interview's coding page narrowed to one tag.
    coding = client.get(reverse("interview_coding", args=[org.slug, team["interview"].public_id]),
                        {"tag": str(praise.public_id)}).content.decode()
    assert 'Disagreements <span class="badge">0</span>' in coding
    coding = client.get(reverse("interview_coding", args=[org.slug, team["interview"].public_id]),
                        {"tag": str(workarounds.public_id)}).content.decode()
    assert 'Disagreements <span class="badge">1</span>' in coding
