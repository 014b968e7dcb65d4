"""Erasure reaches every stored copy; every number a person sets is bounded; retention fans out per organisation."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CheckConstraint
from django.urls import reverse
from rest_framework.test import APIClient

from empathy_site.sync import webhooks
from empathy_site.sync.models import DeliveryAttempt, FailedTask, WebhookDelivery
from empathy_site.tenancy.context import activate_without_transaction, deactivate, tenant_scope
from empathy_site.tenancy.roles import API_KEY_SCOPES
from empathy_site.tenancy.services import api_key_create
from interviews import services, tasks
from interviews.models import Interview, Participant, PrivacyPolicy
from interviews.services import Span
from personas import services as persona_services
from personas.models import Claim, EvidencePolicy
from tests.api_assertions import assert_error
from tests.sync.receiver import Receiver

from .evidence_fixtures import make_interview
from .factories import ParticipantFactory
from .test_privacy import MARKER, _tables_containing

CONSENT = {"consent_given_at": datetime(2026, 1, 1, tzinfo=UTC), "consent_scope": "marketing"}


@pytest.fixture(autouse=True)
def local_receivers_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = True


def api_client(org):
    wanted = [scope for scope in ("read", "write", "personal_data") if scope in API_KEY_SCOPES]
    _, raw = api_key_create(organization=org, name="crm", scopes=wanted)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def admin_api(actor):
    client = APIClient()
    client.force_login(actor.user)
    client.credentials(HTTP_X_ORGANIZATION=actor.org.slug)
    return client


def deliver_now(org):
    token = activate_without_transaction(org.pk)
    try:
        return webhooks.deliver_due()
    finally:
        deactivate(token)


def store_out_of_range(model, org, **values):
    """A value stored before the bounds existed. The migration clamps these, but no page or job may rely on it.

    Runs as the session (owner) role inside the test's transaction, so dropping the checks is rolled back too.
    """
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    checks = [c.name for c in model._meta.constraints if isinstance(c, CheckConstraint)]
    assignments = ", ".join(f"{qn(field)} = %s" for field in values)
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")
        try:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses while deferred checks are pending
            for name in checks:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {qn(name)}")
            cursor.execute(f"UPDATE {table} SET {assignments} WHERE organization_id = %s", [*values.values(), org.pk])
        finally:
            cursor.execute(f'SET ROLE "{django_settings.DATABASE_APP_ROLE}"')


# Erasure reaches every copy ------------------------------------------------------------------


def test_erasure_scrubs_webhook_outbox_delivery_log_and_idempotency_records(org_a, alice, settings, tmp_path,
                                                                            django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    api = api_client(org_a)
    with Receiver() as receiver:
        with tenant_scope(org_a):
            webhooks.endpoint_create(url=receiver.url, events=["highlight.created", "persona.published",
                                                               "persona.needs_review", "participant.erased"])
            dana = ParticipantFactory(organization=org_a, pseudonym="P-Dana", **CONSENT)
        # The participant was created by an idempotent POST: its stored response holds their name and words.
        vic_body = {"pseudonym": f"P-{MARKER}", "name": f"Vic {MARKER}", "email": f"{MARKER}@x.test",
                    "attributes": {"motto": MARKER}, "consent_given_at": "2026-01-01T00:00:00Z", "consent_scope": "marketing"}
        created = api.post("/api/v1/participants/", vic_body, format="json", HTTP_IDEMPOTENCY_KEY="vic-1")
        assert created.status_code == 201 and MARKER in created.content.decode()
        with tenant_scope(org_a):
            vic = Participant.objects.get(public_id=created.json()["id"])
        vic_call = make_interview(org_a, [("Vic", f"My secret phrase is {MARKER} and I hate invoices."), ("Sam", "Noted.")],
                                  title="Vic call", participant=vic)
        dana_call = make_interview(org_a, [("Dana", "Chasing certificates costs us a week."), ("Sam", "Why?")],
                                   title="Dana call", participant=dana)
        # An idempotent highlight POST: the response quotes Vic.
        highlight_body = {"interview": str(vic_call.public_id), "start_position": 0, "start_offset": 0,
                          "end_position": 0, "end_offset": 40}
        posted = api.post("/api/v1/highlights/", highlight_body, format="json", HTTP_IDEMPOTENCY_KEY="hl-1")
        assert posted.status_code == 201 and MARKER in posted.json()["quote"]
        with tenant_scope(org_a):
            from interviews.models import Highlight

            vic_quote = Highlight.objects.get(public_id=posted.json()["id"])
            dana_quote = services.highlight_create(interview=dana_call, span=Span(0, 0, 0, 20))
            persona = persona_services.persona_create(name="Buyer", owner=alice.user)
            claim = persona_services.claim_create(persona=persona, kind="pain_point", statement="Hates paperwork")
            persona_services.citation_create(claim=claim, highlight=vic_quote)
            persona_services.citation_create(claim=claim, highlight=dana_quote)
            persona_services.persona_publish(persona=persona)
        deliver_now(org_a)
        published = [json.loads(body) for _, body in receiver.requests if json.loads(body)["type"] == "persona.published"]
        assert len(published) == 1 and MARKER in json.dumps(published[0])  # webhooked before the erasure
        with tenant_scope(org_a):
            # Receivers that echoed the payload into their errors: the delivery log holds the words too.
            DeliveryAttempt.objects.update(error=f"receiver said: {vic_quote.quote}...")
            WebhookDelivery.objects.update(last_error=f"No user called VIC {MARKER}")
            planted = set(_tables_containing(MARKER))
            assert {"sync_webhookevent.payload", "sync_idempotencyrecord.response_body", "sync_deliveryattempt.error",
                    "sync_webhookdelivery.last_error", "personas_personaversion.snapshot"} <= planted

            with django_capture_on_commit_callbacks(execute=True):
                services.participant_erase(participant=vic, by=alice.user)
            assert _tables_containing(MARKER) == []
            sent_before = len(receiver.requests)
            for delivery in WebhookDelivery.objects.filter(event__event_type__in=["persona.published", "highlight.created"]):
                webhooks.delivery_replay(delivery=delivery)
        deliver_now(org_a)
        replayed = [json.loads(body) for _, body in receiver.requests[sent_before:]]
        assert sorted(body["type"] for body in replayed) == ["highlight.created", "persona.published"]
        assert all(MARKER not in json.dumps(body) for body in replayed)
        persona_payload = next(body for body in replayed if body["type"] == "persona.published")["data"]["object"]
        citations = persona_payload["claims"][0]["citations"]
        # The citation of Vic's words is gone; Dana's stays, quote and all.
        assert [c["highlight"] for c in citations] == [str(dana_quote.public_id)]
        assert citations[0]["quote"] == "Chasing certificates"
        # The event about Vic's highlight itself has nothing left to send: it went, with its deliveries.
        assert [body["data"]["id"] for body in replayed if body["type"] == "highlight.created"] == [str(dana_quote.public_id)]
    # The idempotent POSTs replay their (scrubbed) first response: the words are not handed back, nothing is redone.
    again = api.post("/api/v1/participants/", vic_body, format="json", HTTP_IDEMPOTENCY_KEY="vic-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert MARKER not in again.content.decode() and again.json()["id"] == str(vic.public_id)
    again = api.post("/api/v1/highlights/", highlight_body, format="json", HTTP_IDEMPOTENCY_KEY="hl-1")
    assert again.status_code == 201 and MARKER not in again.content.decode()
    with tenant_scope(org_a):
        assert not Highlight.objects.filter(interview=vic_call).exists()


def test_scrub_replaces_names_and_words_inside_other_strings_and_leaves_others_alone(org_a, alice):
    interview = make_interview(org_a, [("Vic Vale", "Our invoices arrive in three different formats."), ("Sam", "Ok")],
                               title="Vic call", participant=None)
    with tenant_scope(org_a):
        vic = ParticipantFactory(organization=org_a, pseudonym="P-Vic", name="Vic Vale", email="vic@vale.test")
        from interviews.models import SpeakerMapping

        services.speaker_map(speaker=SpeakerMapping.objects.get(interview=interview, label="Vic Vale"), participant=vic)
        webhooks.endpoint_create(url="http://127.0.0.1:9/hook", events=["persona.published"])
        event = webhooks.emit("persona.published", payload={"type": "persona", "id": "p", "object": {
            "summary": "Told by vic vale (VIC@VALE.TEST): Our invoices arrive in three different formats. Sam agreed.",
            "notes": ["Our invoices arrive in three different formats.", "Valerie liked it", "P-Vico"],
            "count": 3,
        }})
        services.participant_erase(participant=vic)
        event.refresh_from_db()
    assert event.payload["object"] == {
        "summary": "Told by [erased] ([erased]): [erased] Sam agreed.",
        "notes": ["[erased]", "Valerie liked it", "P-Vico"],
        "count": 3,
    }


# Every number a person sets is bounded -----------------------------------------------------------


def test_services_refuse_out_of_range_numbers_with_a_readable_message(org_a, alice):
    with tenant_scope(org_a):
        with pytest.raises(ValidationError) as refused:
            services.privacy_policy_update(retention_enabled=True, retention_months=32767, retention_action="delete")
        assert "120 months" in " ".join(refused.value.message_dict["retention_months"])
        with pytest.raises(ValidationError) as refused:
            services.retention_run(dry_run=True, months=32767)
        assert "120 months" in " ".join(refused.value.message_dict["retention_months"])
        for field, value in [("max_evidence_age_months", 32767), ("max_evidence_age_months", 0),
                             ("min_citations", 32767), ("min_participants", 500)]:
            with pytest.raises(ValidationError) as refused:
                persona_services.evidence_policy_update(**{field: value})
            assert field in refused.value.message_dict, (field, value)
        persona = persona_services.persona_create(name="Buyer", owner=alice.user)
        with pytest.raises(ValidationError) as refused:
            persona_services.claim_create(persona=persona, kind="goal", statement="s", order=2**40)
        assert "order" in refused.value.message_dict
        claim = persona_services.claim_create(persona=persona, kind="goal", statement="s", order=Claim.MAX_ORDER)
        following = persona_services.claim_create(persona=persona, kind="goal", statement="t")
        assert following.order == Claim.MAX_ORDER  # the next free place never runs past the bound
        with pytest.raises(ValidationError):
            persona_services.claim_update(claim=claim, order=Claim.MAX_ORDER + 1)
        assert PrivacyPolicy.objects.count() == 0 and EvidencePolicy.objects.count() == 0


def test_forms_refuse_out_of_range_numbers(client, alice):
    client.force_login(alice.user)
    privacy = client.post(reverse("privacy_settings", args=[alice.org.slug]), {
        "redaction_mode": "off", "retention_enabled": "on", "retention_months": 32767, "retention_action": "delete"})
    assert privacy.status_code == 400 and "at most 120 months" in privacy.content.decode()
    evidence = client.post(reverse("evidence_policy", args=[alice.org.slug]), {
        "min_citations": 2, "min_participants": 2, "max_evidence_age_months": 32767, "segment_attribute": "role"})
    assert evidence.status_code == 400 and "at most 120 months" in evidence.content.decode()
    with tenant_scope(alice.org):
        assert PrivacyPolicy.objects.count() == 0 and EvidencePolicy.objects.count() == 0


def test_api_refuses_out_of_range_numbers_in_the_error_format(alice):
    admin = admin_api(alice)
    bad = admin.patch("/api/v1/evidence-policy/", {"max_evidence_age_months": 32767}, format="json")
    assert "max_evidence_age_months" in assert_error(bad, 400, "invalid")["details"]
    assert "120" in json.dumps(bad.json()["error"]["details"])
    persona = admin.post("/api/v1/personas/", {"name": "Buyer"}, format="json").json()
    for order in (2**31, 10**20):
        bad = admin.post("/api/v1/claims/", {"persona": persona["id"], "kind": "goal", "statement": "s", "order": order},
                         format="json")
        assert "order" in assert_error(bad, 400, "invalid")["details"]
    for url in ("http://example.com:99999/hook", "http://example.com:0/hook"):
        bad = admin.post("/api/v1/webhooks/", {"url": url, "events": ["persona.published"]}, format="json")
        assert "port" in json.dumps(assert_error(bad, 400, "invalid")).lower(), url


@pytest.mark.postgres
def test_bad_stored_numbers_reach_no_page_and_no_job(org_a, org_b, alice, client):
    """Values stored out of range (before the bounds) never 500 a page nor stop retention."""
    with tenant_scope(org_a):
        persona_services.evidence_policy_update(max_evidence_age_months=12)
        persona = persona_services.persona_create(name="Buyer", owner=alice.user)
        persona_services.claim_create(persona=persona, kind="goal", statement="Wants speed")
        services.privacy_policy_update(retention_enabled=True, retention_months=24, retention_action="delete")
    store_out_of_range(EvidencePolicy, org_a, max_evidence_age_months=32767)
    store_out_of_range(PrivacyPolicy, org_a, retention_months=32767)
    client.force_login(alice.user)
    assert client.get(reverse("persona_detail", args=[org_a.slug, persona.public_id])).status_code == 200
    assert admin_api(alice).get(f"/api/v1/personas/{persona.public_id}/").status_code == 200
    make_interview(org_a, [("A", "old words")], title="Old A", conducted_at=datetime.now(UTC) - timedelta(days=800))
    old_b = make_interview(org_b, [("B", "old words")], title="Old B", conducted_at=datetime.now(UTC) - timedelta(days=800))
    with tenant_scope(org_b):
        services.privacy_policy_update(retention_enabled=True, retention_months=12, retention_action="delete")
    tasks.retention_all_task()
    with tenant_scope(org_b):
        assert not Interview.objects.filter(pk=old_b.pk).exists()
    with tenant_scope(org_a):
        assert Interview.objects.filter(title="Old A").exists()  # kept: 32767 months have not passed


# Retention fans out per organisation ----------------------------------------------------------------


def _old_interview_with_retention(org, title):
    interview = make_interview(org, [("A", "old words")], title=title, conducted_at=datetime.now(UTC) - timedelta(days=800))
    with tenant_scope(org):
        services.privacy_policy_update(retention_enabled=True, retention_months=12, retention_action="delete")
    return interview


def test_retention_queues_one_task_per_organisation(org_a, org_b, monkeypatch):
    from tests.factories import OrganizationFactory

    _old_interview_with_retention(org_a, "A")
    off = OrganizationFactory(slug="org-c")
    old_c = make_interview(off, [("C", "old words")], title="C", conducted_at=datetime.now(UTC) - timedelta(days=800))
    queued = []
    monkeypatch.setattr(tasks.retention_org_task, "delay", lambda org_id: queued.append(org_id))
    assert tasks.retention_all_task() == 3
    assert queued == [org_a.pk, org_b.pk, off.pk]
    monkeypatch.undo()
    assert tasks.retention_org_task.delay(org_a.pk).get() == 1
    assert tasks.retention_org_task.delay(off.pk).get() is None  # retention off: the task does nothing
    with tenant_scope(off):
        assert Interview.objects.filter(pk=old_c.pk).exists()


def test_one_organisations_failing_retention_never_stops_another(org_a, org_b, monkeypatch):
    from interviews.services import interviews as transcripts

    stuck = _old_interview_with_retention(org_a, "A")  # org A comes first
    old_b = _old_interview_with_retention(org_b, "B")
    real_delete = transcripts.interview_delete

    def delete_failing_for_a(*, interview, by=None):
        if interview.organization_id == org_a.pk:
            raise RuntimeError("bad data in org A")
        return real_delete(interview=interview, by=by)

    monkeypatch.setattr(transcripts, "interview_delete", delete_failing_for_a)
    tasks.retention_all_task()
    with tenant_scope(org_b):
        assert not Interview.objects.filter(pk=old_b.pk).exists()
    with tenant_scope(org_a):
        assert Interview.objects.filter(pk=stuck.pk).exists()
    assert services.retention_run_all() == [(org_b.slug, 0)]  # the in-process run skips org A's failure too
    # On a worker, org A's task fails on its own and an admin sees it (eager mode raises before recording).
    import empathy_site.sync.tasks  # noqa: F401  (a worker imports it: it records failed tasks)

    assert tasks.retention_org_task.apply(args=[org_a.pk], throw=False).failed()
    with tenant_scope(org_a):
        assert FailedTask.objects.get().task_name == "interviews.retention_org"
