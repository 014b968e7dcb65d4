import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.services import api_key_create
from interviews import services
from personas import services as persona_services
from tests.api_assertions import assert_error


@pytest.fixture
def api(org_a):
    # personal_data: this CRM sync reads participants' names (tests/test_personal_data.py has the others).
    _, raw = api_key_create(organization=org_a, name="crm", scopes=["read", "write", "personal_data"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def follow(api, cursor=None, **params):
    """Follow the feed to the end; returns (entries, cursor to continue from)."""
    entries = []
    if cursor:
        params["cursor"] = cursor
    page = api.get("/api/v1/changes/", params).json()
    while True:
        entries += page["results"]
        if not page["next"]:
            return entries, page["cursor"]
        page = api.get(page["next"]).json()


def test_creates_updates_and_deletes_in_order_with_tombstones(api, org_a):
    with tenant_scope(org_a):
        participant = services.participant_create(pseudonym="P1", email="p1@x.test")
        services.participant_update(participant=participant, name="Pat")
        study = services.study_create(name="S")
        services.study_delete(study=study)
    entries, cursor = follow(api, limit=2)
    assert [(e["type"], e["action"]) for e in entries] == [
        ("participant", "created"), ("participant", "updated"), ("study", "created"), ("study", "deleted")]
    assert [e["position"] for e in entries] == sorted(e["position"] for e in entries)
    assert entries[0]["object"]["name"] == "Pat"  # the object as the API shows it now
    assert entries[3]["object"] is None and entries[3]["deleted"] and entries[2]["deleted"]
    again, _ = follow(api, cursor)
    assert again == []


def test_types_filter_and_bad_cursor(api, org_a):
    with tenant_scope(org_a):
        services.participant_create(pseudonym="P1")
        services.tag_create(name="T")
    entries, _ = follow(api, types="tag")
    assert [e["type"] for e in entries] == ["tag"]
    assert_error(api.get("/api/v1/changes/", {"cursor": "garbage!"}), 400, "invalid")
    assert_error(api.get("/api/v1/changes/", {"types": "spaceship"}), 400, "invalid")
    assert_error(api.get("/api/v1/changes/", {"limit": "0"}), 400, "invalid")


def test_erasure_tombstones_carry_no_content(api, org_a):
    from tests.interviews.evidence_fixtures import make_interview
    from tests.interviews.factories import ParticipantFactory

    with tenant_scope(org_a):
        person = ParticipantFactory(organization=org_a, pseudonym="P-Secret", name="Secret Name")
    interview = make_interview(org_a, [("X", "my secret words")], title="T", participant=person)
    with tenant_scope(org_a):
        from interviews.services import Span

        services.highlight_create(interview=interview, span=Span(0, 0, 0, 9))
        services.participant_erase(participant=person)
    entries, _ = follow(api)
    highlight_events = [e for e in entries if e["type"] == "highlight"]
    assert highlight_events[-1]["action"] == "deleted" and highlight_events[-1]["object"] is None
    assert "secret" not in str(entries).lower()


def test_persona_claims_and_citations_and_messages_appear(api, org_a):
    with tenant_scope(org_a):
        persona = persona_services.persona_create(name="P")
        persona_services.claim_create(persona=persona, kind="goal", statement="g")
        persona_services.message_create(title="m", channel="email", body="b", target_personas=[persona],
                                        check=persona_services.CheckAnswers(basis="preference", own_taste=2, predicted_reaction=2))
    types = {e["type"] for e in follow(api)[0]}
    assert {"persona", "claim", "message", "assumption_check"} <= types


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_transaction_that_commits_late_is_not_skipped(api, org_a):
    """T1 starts first and commits last; a consumer that read T2's change must still see T1's."""
    t1_wrote, release_t1, t1_done = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def slow_writer():
        try:
            with tenant_scope(org_a):
                services.participant_create(pseudonym="started-first")
                t1_wrote.set()
                release_t1.wait(10)
        except Exception as error:  # surfaced below
            errors.append(error)
        finally:
            connection.close()
            t1_done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert t1_wrote.wait(10)
    with tenant_scope(org_a):
        services.participant_create(pseudonym="committed-first")
    first, cursor = follow(api)
    assert [e["object"]["pseudonym"] for e in first] == ["committed-first"]
    release_t1.set()
    assert t1_done.wait(10) and not errors
    second, _ = follow(api, cursor)
    assert [e["object"]["pseudonym"] for e in second] == ["started-first"]
    everything, _ = follow(api)
    assert [e["object"]["pseudonym"] for e in everything] == ["committed-first", "started-first"]


def test_list_endpoints_take_updated_since(api, org_a):
    import time

    from django.utils import timezone

    with tenant_scope(org_a):
        old = services.participant_create(pseudonym="old")
    follow(api)  # positions assigned
    time.sleep(0.01)
    since = timezone.now().isoformat()
    with tenant_scope(org_a):
        services.participant_create(pseudonym="new")
        services.participant_update(participant=old, name="touched")
    names = sorted(p["pseudonym"] for p in api.get("/api/v1/participants/", {"updated_since": since}).json()["results"])
    assert names == ["new", "old"]
    assert_error(api.get("/api/v1/participants/", {"updated_since": "yesterday-ish"}), 400, "invalid")
