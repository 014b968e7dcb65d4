"""One representation everywhere: the changes feed and webhook payloads carry each object as its REST detail
endpoint returns it, record the parents that embed a changed child, and say which fields changed."""

import pytest
from rest_framework.test import APIClient

from collaboration import services as collaboration_services
from empathy_site.sync import webhooks
from empathy_site.sync.models import ChangeEvent, WebhookEvent
from empathy_site.sync.registry import ACTIONS, sync_types, webhook_event_types
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Role
from empathy_site.tenancy.services import api_key_create
from interviews import services
from interviews.services import Span
from personas import services as persona_services
from personas.models import AssumptionCheck
from tests.factories import MembershipFactory
from tests.interviews.evidence_fixtures import make_interview


@pytest.fixture(autouse=True)
def local_receivers_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


def api_client(org, scopes):
    _, raw = api_key_create(organization=org, name="crm", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def follow(api, **params):
    entries = []
    page = api.get("/api/v1/changes/", params).json()
    while True:
        entries += page["results"]
        if not page["next"]:
            return entries
        page = api.get(page["next"]).json()


def one_of_each(org) -> dict:
    """One object of every syncable type, built through the services, each embedding the others."""
    with tenant_scope(org):
        person = services.participant_create(pseudonym="P1", name="Pat Doe", email="pat@example.test")
    interview = make_interview(org, [("Ann", "Onboarding takes weeks because legal reviews it.")], title="T",
                               participant=person)
    with tenant_scope(org):
        study = services.study_create(name="Onboarding")
        tag = services.tag_create(name="speed")
        highlight = services.highlight_create(interview=interview, span=Span(0, 0, 0, 10), tags=[tag])
        persona = persona_services.persona_create(name="Ops lead")
        claim = persona_services.claim_create(persona=persona, kind="goal", statement="Wants onboarding in days")
        citation = persona_services.citation_create(claim=claim, highlight=highlight)
        message = persona_services.message_create(
            title="Days, not weeks", channel="email", body="Onboard in days.", target_personas=[persona],
            check=persona_services.CheckAnswers(basis="insight", own_taste=3, predicted_reaction=4, claims=[claim]))
        check = AssumptionCheck.objects.get(revision__message=message)
        outcome = persona_services.outcome_record(
            message=message, observed_reaction=2, metric=persona_services.Metric(name="reply rate", value=0.04, source="ab_test"))
        comment = collaboration_services.comment_create(target_type="persona", target=persona, body="Is this still true?")
        memo = collaboration_services.memo_create(target_type="study", target=study, title="Why", body="Legal again.")
        coder = MembershipFactory(organization=org, role=Role.RESEARCHER).user
        assignment = services.assignment_create(interview=interview, coder=coder)
        services.assignment_set_done(assignment=assignment, done=True, by=coder, for_others=False)
        reconciliation = services.reconcile(utterance=interview.utterances.get(position=0), tag=tag, decision="discard")
    return {"participant": person, "study": study, "interview": interview, "tag": tag, "highlight": highlight,
            "persona": persona, "claim": claim, "citation": citation, "message": message, "assumption_check": check,
            "outcome": outcome, "comment": comment, "memo": memo, "assignment": assignment,
            "reconciliation": reconciliation}


PLURAL = {"participant": "participants", "study": "studies", "interview": "interviews", "tag": "tags",
          "highlight": "highlights", "persona": "personas", "claim": "claims", "citation": "citations",
          "message": "messages", "comment": "comments", "memo": "memos", "assignment": "assignments",
          "reconciliation": "reconciliations"}


def rest_detail(api, object_type, instance) -> dict:
    """What the REST API answers for the object; an assumption check is read inside its message."""
    if object_type == "assumption_check":
        message = instance.revision.message
        response = api.get(f"/api/v1/messages/{message.public_id}/")
        assert response.status_code == 200
        return response.json()["current_revision"]["assumption_check"]
    if object_type == "outcome":
        response = api.get(f"/api/v1/messages/{instance.message.public_id}/outcomes/{instance.public_id}/")
        assert response.status_code == 200
        return response.json()
    response = api.get(f"/api/v1/{PLURAL[object_type]}/{instance.public_id}/")
    assert response.status_code == 200
    return response.json()


def test_every_syncable_type_has_a_rest_reading_here():
    assert set(sync_types()) == set(PLURAL) | {"assumption_check", "outcome"}


@pytest.mark.parametrize("object_type", sorted(sync_types()))
def test_feed_objects_equal_rest_detail_responses(org_a, object_type):
    objects = one_of_each(org_a)
    api = api_client(org_a, ["read"])
    entries = [e for e in follow(api, types=object_type) if e["id"] == str(objects[object_type].public_id)]
    assert entries, f"no {object_type} in the feed"
    assert entries[-1]["object"] == rest_detail(api, object_type, objects[object_type])


def test_the_fields_that_were_missing_are_there(org_a):
    objects = one_of_each(org_a)
    latest = {(e["type"], e["id"]): e["object"] for e in follow(api_client(org_a, ["read"]))}
    message = latest[("message", str(objects["message"].public_id))]
    assert message["current_revision"]["body"] == "Onboard in days."
    persona = latest[("persona", str(objects["persona"].public_id))]
    assert persona["claims"][0]["strength"]["supporting_citations"] == 1
    assert latest[("claim", str(objects["claim"].public_id))]["strength"]["level"] != ""
    assert latest[("tag", str(objects["tag"].public_id))]["highlight_count"] == 1
    check = latest[("assumption_check", str(objects["assumption_check"].public_id))]
    assert check["message"] == str(objects["message"].public_id)


def test_personal_fields_only_for_keys_with_personal_data(org_a):
    objects = one_of_each(org_a)
    person_id = str(objects["participant"].public_id)
    plain = [e for e in follow(api_client(org_a, ["read"]), types="participant") if e["id"] == person_id][-1]
    personal = [e for e in follow(api_client(org_a, ["read", "personal_data"]), types="participant")
                if e["id"] == person_id][-1]
    assert "name" not in plain["object"] and "email" not in plain["object"]
    assert personal["object"]["name"] == "Pat Doe" and personal["object"]["email"] == "pat@example.test"


def test_webhook_payloads_carry_personal_fields_only_for_endpoints_that_have_personal_data(org_a):
    with tenant_scope(org_a):
        plain = webhooks.endpoint_create(url="http://127.0.0.1:9/plain", events=["participant.updated"])
        personal = webhooks.endpoint_create(url="http://127.0.0.1:9/personal", events=["participant.updated"],
                                            personal_data=True)
        person = services.participant_create(pseudonym="P9", name="Pat Doe", email="pat@example.test")
        services.participant_update(participant=person, name="Patricia Doe")
        payloads = {delivery.endpoint_id: delivery.event.payload
                    for event in WebhookEvent.objects.filter(event_type="participant.updated")
                    for delivery in event.deliveries.all()}
    api = api_client(org_a, ["read", "personal_data"])
    assert payloads[personal.pk]["object"] == rest_detail(api, "participant", person)
    assert payloads[personal.pk]["changed_fields"] == ["name", "updated_at"]
    assert "name" not in payloads[plain.pk]["object"] and "email" not in payloads[plain.pk]["object"]
    assert payloads[plain.pk]["changed_fields"] == ["updated_at"]  # not told that a name it cannot see changed
    assert payloads[plain.pk]["object"] == rest_detail(api_client(org_a, ["read"]), "participant", person)


def test_webhook_api_sets_personal_data_only_for_callers_who_may_read_it(org_a):
    data = {"url": "http://127.0.0.1:9/crm", "events": ["participant.created"], "personal_data": True}
    without = api_client(org_a, ["webhooks"]).post("/api/v1/webhooks/", data, format="json")
    assert without.status_code == 403
    created = api_client(org_a, ["webhooks", "personal_data"]).post("/api/v1/webhooks/", data, format="json")
    assert created.status_code == 201 and created.json()["personal_data"] is True
    default = api_client(org_a, ["webhooks"]).post("/api/v1/webhooks/", {**data, "personal_data": False}, format="json")
    assert default.json()["personal_data"] is False


def test_a_changed_child_records_its_parent_with_its_current_representation(org_a):
    objects = one_of_each(org_a)
    api = api_client(org_a, ["read"])
    before = follow(api)
    with tenant_scope(org_a):
        persona_services.citation_delete(citation=objects["citation"])
        events = list(ChangeEvent.objects.filter(position__isnull=True).order_by("id"))
    assert ("citation", "deleted") in [(e.object_type, e.action) for e in events]
    persona_event = next(e for e in events if e.object_type == "persona")
    assert "claims" in persona_event.changed_fields
    after = api.get("/api/v1/changes/", {"cursor": api.get("/api/v1/changes/", {"limit": len(before)}).json()["cursor"]})
    persona_entries = [e for e in after.json()["results"] if e["type"] == "persona"]
    assert persona_entries[-1]["object"] == rest_detail(api, "persona", objects["persona"])
    assert persona_entries[-1]["object"]["claims"][0]["citations"] == []


def test_tagging_a_highlight_records_the_tag_with_its_new_count(org_a):
    objects = one_of_each(org_a)
    with tenant_scope(org_a):
        other = services.tag_create(name="legal")
        ChangeEvent.objects.all().delete()
        services.highlight_set_tags(highlight=objects["highlight"], tags=[other])
        changes = {(e.object_type, e.object_id): e.changed_fields for e in ChangeEvent.objects.all()}
    assert "tags" in changes[("highlight", objects["highlight"].public_id)]
    assert "highlight_count" in changes[("tag", objects["tag"].public_id)]  # the tag taken off
    assert "highlight_count" in changes[("tag", other.public_id)]


def test_changed_fields_on_create_update_and_delete(org_a):
    api = api_client(org_a, ["read", "personal_data"])
    with tenant_scope(org_a):
        study = services.study_create(name="S", goal="learn")
        services.study_update(study=study, goal="learn more")
        services.study_delete(study=study)
    created, updated, deleted = follow(api, types="study")
    assert created["action"] == "created" and deleted["action"] == "deleted" and updated["action"] == "updated"
    assert created["changed_fields"] == []  # the study has gone since: nothing left to describe
    with tenant_scope(org_a):
        events = list(ChangeEvent.objects.filter(object_type="study").order_by("id"))
    assert set(events[0].changed_fields) == set(StudyFields.ALL)
    assert events[1].changed_fields == ["goal", "updated_at"]
    assert events[2].changed_fields == []
    with tenant_scope(org_a):
        kept = services.study_create(name="Kept")
        services.study_update(study=kept, name="Kept 2")
    entries = [e for e in follow(api, types="study") if e["id"] == str(kept.public_id)]
    assert set(entries[0]["changed_fields"]) == set(entries[0]["object"])
    assert entries[1]["changed_fields"] == ["name", "updated_at"]


class StudyFields:
    ALL = ["id", "name", "goal", "research_questions", "starts_on", "ends_on", "created_at", "updated_at"]


def _write_every_type(org, objects):
    """Update, then delete, one object of every syncable type (each was created by one_of_each)."""
    with tenant_scope(org):
        services.participant_update(participant=objects["participant"], name="Pat D")
        services.study_update(study=objects["study"], goal="g")
        services.interview_update(interview=objects["interview"], title="T2")
        services.tag_update(tag=objects["tag"], description="d")
        services.highlight_update(highlight=objects["highlight"], note="n")
        persona_services.persona_update(persona=objects["persona"], summary="s")
        persona_services.claim_update(claim=objects["claim"], statement="Wants onboarding in hours")
        persona_services.message_update(message=objects["message"], title="Hours")
        check = objects["assumption_check"]
        check.rationale = "They said so."
        check.save()
        outcome = objects["outcome"]
        outcome.metric_sample_size = 1200  # no service edits an outcome; a change by hand still must be told
        outcome.save()
        collaboration_services.comment_resolve(comment=objects["comment"])
        collaboration_services.memo_update(memo=objects["memo"], body="Legal, again and again.")
        collaboration_services.comment_delete(comment=objects["comment"], is_admin=True)
        collaboration_services.memo_delete(memo=objects["memo"])
        # A decision stands and a done assignment of a reconciled interview stays done (no service edits
        # either): a change by hand still must be told.
        reconciliation = objects["reconciliation"]
        reconciliation.decision = "merge"
        reconciliation.save()
        assignment = objects["assignment"]
        assignment.done_at = None
        assignment.save()
        services.assignment_delete(assignment=assignment)
        # Citations are never edited (delete and cite again): a note changed by hand still must be told.
        citation = objects["citation"]
        citation.note = "see minute 3"
        citation.save()
        persona_services.citation_delete(citation=citation)
        # Messages are archived, not deleted, through the API; deleting one (with its checks) is told too.
        objects["message"].delete()
        persona_services.claim_delete(claim=objects["claim"])
        persona_services.persona_delete(persona=objects["persona"])
        services.highlight_delete(highlight=objects["highlight"])
        services.tag_delete(tag=objects["tag"])
        services.study_delete(study=objects["study"])
        services.interview_delete(interview=objects["interview"])  # takes its reconciliations along
        services.participant_delete(participant=objects["participant"])


def test_every_syncable_type_and_action_writes_its_webhook_event(org_a):
    expected = {f"{object_type}.{action}" for object_type in sync_types() for action in ACTIONS}
    assert expected <= set(webhook_event_types())
    with tenant_scope(org_a):
        webhooks.endpoint_create(url="http://127.0.0.1:9/crm", events=sorted(expected))
    objects = one_of_each(org_a)
    _write_every_type(org_a, objects)
    with tenant_scope(org_a):
        written = set(WebhookEvent.objects.values_list("event_type", flat=True))
        created = WebhookEvent.objects.filter(event_type="highlight.created").get()
        deleted = WebhookEvent.objects.filter(event_type="persona.deleted").get()
    assert expected - written == set()
    assert created.payload["object"]["tags"] == [str(objects["tag"].public_id)]  # written whole, with its tags
    assert deleted.payload == {"type": "persona", "id": str(objects["persona"].public_id), "object": None,
                               "changed_fields": []}


def test_a_rollback_writes_no_change_and_no_event(org_a):
    with tenant_scope(org_a):
        webhooks.endpoint_create(url="http://127.0.0.1:9/crm", events=["study.created"])
    with pytest.raises(RuntimeError), tenant_scope(org_a):
        services.study_create(name="Gone")
        raise RuntimeError("rolled back")
    with tenant_scope(org_a):
        assert not ChangeEvent.objects.filter(object_type="study").exists()
        assert not WebhookEvent.objects.filter(event_type="study.created").exists()
