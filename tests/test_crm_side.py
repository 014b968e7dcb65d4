"""What a CRM does on its side: erasure and subject access through the API, CRM ids merged per system, and the
snapshot for a first sync."""

import json
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection
from rest_framework.test import APIClient

from empathy_site.sync import snapshot
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import AuditEvent
from empathy_site.tenancy.services import api_key_create
from interviews import services
from interviews.models import Participant, ParticipantExternalId
from interviews.services import Span
from personas import services as persona_services

from .api_assertions import assert_error
from .interviews.evidence_fixtures import make_interview
from .interviews.factories import ParticipantFactory
from .interviews.test_privacy import MARKER, _tables_containing


def client_for(org, scopes):
    _, raw = api_key_create(organization=org, name="crm", scopes=list(scopes))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def session_for(actor):
    client = APIClient()
    client.force_login(actor.user)
    client.credentials(HTTP_X_ORGANIZATION=actor.org.slug)
    return client


@pytest.fixture
def vic(org_a, alice):
    """A participant whose name, attributes and words carry the marker, quoted in a persona and a message."""
    with tenant_scope(org_a):
        vic = ParticipantFactory(organization=org_a, pseudonym="P-Vic", name=f"Vic {MARKER}", email="vic@x.test",
                                 attributes={"motto": MARKER}, external_ids={"hubspot": "h-1"}, consent_scope="marketing",
                                 consent_given_at=datetime(2026, 1, 1, tzinfo=UTC))
    interview = make_interview(org_a, [("Vic Marker", f"My secret phrase is {MARKER} and I hate invoices."),
                                       ("Sam", "Noted.")], title="Vic call", participant=vic)
    with tenant_scope(org_a):
        quote = services.highlight_create(interview=interview, span=Span(0, 0, 0, 40), note="strong")
        persona = persona_services.persona_create(name="Buyer", owner=alice.user)
        claim = persona_services.claim_create(persona=persona, kind="pain_point", statement="Hates invoices")
        persona_services.citation_create(claim=claim, highlight=quote)
        persona_services.message_create(
            title="Invoices", channel="email", body="No more invoices", target_personas=[persona], by=alice.user,
            check=persona_services.CheckAnswers(basis="insight", own_taste=3, predicted_reaction=3, claims=[claim]),
        )
    return vic


# --- Erasure and subject access through the API ---

def test_an_erase_key_erases_a_participant_and_the_marker_is_nowhere(org_a, vic):
    with tenant_scope(org_a):
        assert _tables_containing(MARKER)  # planted: the scan finds it
    api = client_for(org_a, ["erase"])
    response = api.post(f"/api/v1/participants/{vic.public_id}/erase/", HTTP_IDEMPOTENCY_KEY="dsr-1")
    assert response.status_code == 200, response.content
    assert response.json() == {"utterances": 1, "highlights": 1, "original_files": 1, "clips": 0, "reels": 0, "media": 0}
    with tenant_scope(org_a):
        assert _tables_containing(MARKER) == []
        vic.refresh_from_db()
        assert vic.erased_at and vic.name == "" and vic.external_ids == {}
        assert not ParticipantExternalId.objects.filter(participant=vic).exists()
    event = AuditEvent.objects.get(action="participant_erased")
    assert event.actor is None and event.details == response.json()


def test_an_admin_session_may_erase_and_export(org_a, alice, vic):
    admin = session_for(alice)
    export = admin.get(f"/api/v1/participants/{vic.public_id}/export/")
    assert export.status_code == 200
    assert export.json()["participant"]["email"] == "vic@x.test"
    assert export.json()["utterances"][0]["text"].startswith("My secret phrase")
    assert admin.post(f"/api/v1/participants/{vic.public_id}/erase/").status_code == 200
    assert AuditEvent.objects.filter(action="participant_exported", actor=alice.user).exists()


def test_the_export_is_the_subject_access_export_and_audited(org_a, vic):
    response = client_for(org_a, ["erase"]).get(f"/api/v1/participants/{vic.public_id}/export/")
    assert response.status_code == 200
    body = response.json()
    assert body["participant"]["id"] == str(vic.public_id) and body["participant"]["external_ids"] == {"hubspot": "h-1"}
    assert [h["note"] for h in body["highlights"]] == ["strong"]
    assert AuditEvent.objects.filter(action="participant_exported").count() == 1


def test_erasure_and_export_need_the_erase_scope_or_an_admin(org_a, bob, vic):
    crm = client_for(org_a, ["read", "write", "personal_data"])
    assert_error(crm.post(f"/api/v1/participants/{vic.public_id}/erase/"), 403, "permission_denied")
    assert_error(crm.get(f"/api/v1/participants/{vic.public_id}/export/"), 403, "permission_denied")
    researcher = session_for(bob)
    assert_error(researcher.post(f"/api/v1/participants/{vic.public_id}/erase/"), 403, "permission_denied")
    with tenant_scope(org_a):
        assert Participant.objects.get(pk=vic.pk).erased_at is None


def test_another_orgs_participant_is_not_found(org_a, org_b, vic):
    outsider = client_for(org_b, ["erase"])
    assert_error(outsider.post(f"/api/v1/participants/{vic.public_id}/erase/"), 404, "not_found")
    assert_error(outsider.get(f"/api/v1/participants/{vic.public_id}/export/"), 404, "not_found")
    with tenant_scope(org_a):
        assert Participant.objects.get(pk=vic.pk).erased_at is None


# --- CRM ids merged per system ---

@pytest.fixture
def crm(org_a):
    return client_for(org_a, ["read", "write"])


def _ids(org, participant_id):
    with tenant_scope(org):
        return dict(ParticipantExternalId.objects.filter(participant__public_id=participant_id)
                    .values_list("system", "external_id"))


def test_patching_one_crms_id_keeps_the_others(org_a, crm):
    created = crm.post("/api/v1/participants/", {"pseudonym": "P1", "external_ids": {"hubspot": "h-1"}}, format="json")
    pid = created.json()["id"]
    merged = crm.patch(f"/api/v1/participants/{pid}/", {"external_ids": {"salesforce": "s-1"}}, format="json")
    assert merged.status_code == 200, merged.content
    assert merged.json()["external_ids"] == {"hubspot": "h-1", "salesforce": "s-1"}
    moved = crm.patch(f"/api/v1/participants/{pid}/", {"external_ids": {"hubspot": "h-2"}}, format="json")
    assert moved.json()["external_ids"] == {"hubspot": "h-2", "salesforce": "s-1"}
    assert _ids(org_a, pid) == {"hubspot": "h-2", "salesforce": "s-1"}
    assert [p["id"] for p in crm.get("/api/v1/participants/?external_id=salesforce:s-1").json()["results"]] == [pid]


def test_null_unlinks_one_system(org_a, crm):
    pid = crm.post("/api/v1/participants/", {"pseudonym": "P1", "external_ids": {"hubspot": "h-1", "salesforce": "s-1"}},
                   format="json").json()["id"]
    unlinked = crm.patch(f"/api/v1/participants/{pid}/", {"external_ids": {"hubspot": None}}, format="json")
    assert unlinked.status_code == 200, unlinked.content
    assert unlinked.json()["external_ids"] == {"salesforce": "s-1"}
    assert _ids(org_a, pid) == {"salesforce": "s-1"}
    assert crm.get("/api/v1/participants/?external_id=hubspot:h-1").json()["results"] == []
    # The id is free again: another participant may take it.
    other = crm.post("/api/v1/participants/", {"pseudonym": "P2", "external_ids": {"hubspot": "h-1"}}, format="json")
    assert other.status_code == 201, other.content


def test_a_merged_id_another_participant_holds_is_a_conflict(org_a, crm):
    crm.post("/api/v1/participants/", {"pseudonym": "P1", "external_ids": {"hubspot": "h-1"}}, format="json")
    pid = crm.post("/api/v1/participants/", {"pseudonym": "P2", "external_ids": {"salesforce": "s-2"}},
                   format="json").json()["id"]
    clash = crm.patch(f"/api/v1/participants/{pid}/", {"external_ids": {"hubspot": "h-1"}}, format="json")
    assert "hubspot:h-1" in assert_error(clash, 409, "conflict")["message"]
    assert _ids(org_a, pid) == {"salesforce": "s-2"}


def test_an_upsert_row_merges_and_unlinks_too(org_a, crm):
    crm.post("/api/v1/participants/", {"pseudonym": "P1", "external_ids": {"hubspot": "h-1", "pipedrive": "p-1"}},
             format="json")
    rows = [{"external_id": "h-1", "external_ids": {"salesforce": "s-1", "pipedrive": None}}]
    upserted = crm.post("/api/v1/participants/upsert/", {"system": "hubspot", "participants": rows}, format="json")
    assert upserted.status_code == 200, upserted.content
    assert upserted.json()["results"][0]["external_ids"] == {"hubspot": "h-1", "salesforce": "s-1"}


def test_the_edit_form_still_unlinks_a_system_taken_out_of_it(client, org_a, alice):
    with tenant_scope(org_a):
        person = services.participant_create(pseudonym="P1", external_ids={"hubspot": "h-1", "salesforce": "s-1"})
    client.force_login(alice.user)
    response = client.post(f"/o/{org_a.slug}/participants/{person.public_id}/", {
        "pseudonym": "P1", "external_ids": "salesforce: s-1", "attributes": "",
    })
    assert response.status_code == 302, response.content[:500]
    assert _ids(org_a, person.public_id) == {"salesforce": "s-1"}


# --- The snapshot for a first sync ---

def _lines(response) -> list[dict]:
    assert response.status_code == 200 and response["Content-Type"] == "application/x-ndjson"
    return [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]


def test_the_snapshot_holds_every_object_as_the_feed_shows_it_then_a_cursor(org_a, org_b, alice):
    with tenant_scope(org_a):
        people = [services.participant_create(pseudonym=f"P{n}", name=f"Name {n}") for n in range(3)]
        tag = services.tag_create(name="Pricing")
        persona_services.persona_create(name="Buyer", owner=alice.user)
    with tenant_scope(org_b):
        services.participant_create(pseudonym="B-only")
    api = client_for(org_a, ["read"])
    lines = _lines(api.get("/api/v1/changes/snapshot/"))
    cursor = lines.pop()["cursor"]
    by_type = {}
    for line in lines:
        assert set(line) == {"type", "id", "object"}
        by_type.setdefault(line["type"], []).append(line)
    assert sorted(line["id"] for line in by_type["participant"]) == sorted(str(p.public_id) for p in people)
    assert [line["id"] for line in by_type["tag"]] == [str(tag.public_id)]
    assert len(by_type["persona"]) == 1
    # As the feed shows them to this caller: the REST detail, personal fields only with personal_data.
    shown = by_type["participant"][0]
    assert shown["object"] == api.get(f"/api/v1/participants/{shown['id']}/").json()
    assert "name" not in shown["object"]
    # Caught up: the feed from the cursor holds nothing the snapshot did not.
    assert api.get("/api/v1/changes/", {"cursor": cursor}).json()["results"] == []


def test_the_snapshot_takes_types_and_refuses_unknown_ones(org_a):
    with tenant_scope(org_a):
        services.participant_create(pseudonym="P1")
        services.tag_create(name="Pricing")
    api = client_for(org_a, ["read"])
    lines = _lines(api.get("/api/v1/changes/snapshot/", {"types": "tag"}))
    assert [line.get("type") for line in lines] == ["tag", None] and "cursor" in lines[-1]
    assert_error(api.get("/api/v1/changes/snapshot/", {"types": "spaceship"}), 400, "invalid")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_write_committed_while_streaming_is_not_half_visible_and_follows_in_the_feed(org_a, monkeypatch):
    """One object per chunk, so the second participant is read only after the write has committed."""
    monkeypatch.setattr(snapshot, "CHUNK_SIZE", 1)
    with tenant_scope(org_a):
        first = services.participant_create(pseudonym="Before-1")
        second = services.participant_create(pseudonym="Before-2")
    api = client_for(org_a, ["read"])
    response = api.get("/api/v1/changes/snapshot/", {"types": "participant"})
    stream = iter(response.streaming_content)
    streamed = [json.loads(next(stream))]  # the snapshot is open and has read the first participant

    def rename_both():
        try:
            with tenant_scope(org_a):
                services.participant_update(participant=Participant.objects.get(pk=first.pk), pseudonym="After-1")
                services.participant_update(participant=Participant.objects.get(pk=second.pk), pseudonym="After-2")
        finally:
            connection.close()

    writer = threading.Thread(target=rename_both)
    try:
        writer.start()
        writer.join()
        streamed += [json.loads(line) for line in stream]
    finally:
        response.close()  # the snapshot's transaction, on this thread's connection, ends with the stream
    cursor = streamed.pop()["cursor"]
    assert sorted(line["object"]["pseudonym"] for line in streamed) == ["Before-1", "Before-2"]
    changes = api.get("/api/v1/changes/", {"cursor": cursor, "types": "participant"}).json()["results"]
    assert sorted((c["id"], c["object"]["pseudonym"]) for c in changes) == sorted(
        [(str(first.public_id), "After-1"), (str(second.public_id), "After-2")])
