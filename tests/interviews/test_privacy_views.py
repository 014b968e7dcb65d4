import json
from datetime import UTC, datetime

from django.urls import reverse

from empathy_site.tenancy.context import tenant_scope
from interviews import services
from interviews.models import Interview, Participant, RedactionFinding, Utterance
from interviews.services import Span

from .evidence_fixtures import make_interview
from .factories import ParticipantFactory


def _call(org):
    with tenant_scope(org):
        dana = ParticipantFactory(organization=org, pseudonym="P-Dana", consent_scope="internal",
                                  consent_given_at=datetime(2026, 1, 1, tzinfo=UTC))
    return make_interview(org, [("Dana", "Mail dana@acme.test please, Dana here."), ("Sam", "Sure.")], title="Call",
                          participant=dana), dana


def test_researcher_reviews_findings_in_the_transcript(client, bob):
    interview, _ = _call(bob.org)
    client.force_login(bob.user)
    org = bob.org.slug
    client.post(reverse("interview_scan", args=[org, interview.public_id]))
    page = client.get(reverse("interview_detail", args=[org, interview.public_id])).content.decode()
    assert "dana@acme.test" in page and "[EMAIL]" in page and "Redact" in page
    with tenant_scope(bob.org):
        email = RedactionFinding.objects.get(kind="email")
        name = RedactionFinding.objects.get(kind="name")
    client.post(reverse("finding_decide", args=[org, email.public_id]), {"decision": "accept"})
    client.post(reverse("finding_decide", args=[org, name.public_id]), {"decision": "reject"})
    with tenant_scope(bob.org):
        assert Utterance.objects.get(interview=interview, position=0).text == "Mail [EMAIL] please, Dana here."
        assert not Interview.objects.get(pk=interview.pk).original_file


def test_marketer_sees_consent_limits_on_quotes(client, org_a, member_factory):
    interview, dana = _call(org_a)
    with tenant_scope(org_a):
        services.highlight_create(interview=interview, span=Span(0, 0, 0, 4))
    marketer = member_factory(org_a, "marketer")
    client.force_login(marketer.user)
    page = client.get(reverse("evidence_search", args=[org_a.slug]), {"q": "mail"}).content.decode()
    assert "Internal use only" in page
    with tenant_scope(org_a):
        Participant.objects.filter(pk=dana.pk).update(consent_withdrawn_at=datetime(2026, 2, 1, tzinfo=UTC))
    page = client.get(reverse("interview_detail", args=[org_a.slug, interview.public_id])).content.decode()
    assert "consent is withdrawn" in page and "Consent withdrawn" in page


def test_admin_exports_and_erases_with_confirmation(client, alice):
    interview, dana = _call(alice.org)
    client.force_login(alice.user)
    org = alice.org.slug
    export = client.get(reverse("participant_export", args=[org, dana.public_id]))
    assert export["Content-Disposition"].startswith("attachment") and json.loads(export.content)["utterances"][0]["position"] == 0
    confirm = client.get(reverse("participant_erase", args=[org, dana.public_id])).content.decode()
    assert "1 utterance" in confirm
    client.post(reverse("participant_erase", args=[org, dana.public_id]), {"confirm": "wrong"})
    with tenant_scope(alice.org):
        assert Participant.objects.get(pk=dana.pk).erased_at is None
    client.post(reverse("participant_erase", args=[org, dana.public_id]), {"confirm": "P-Dana"})
    with tenant_scope(alice.org):
        assert Participant.objects.get(pk=dana.pk).erased_at is not None
        assert Utterance.objects.get(interview=interview, position=0).text == services.ERASED_TEXT


def test_researcher_cannot_erase_export_or_change_privacy(client, bob):
    _, dana = _call(bob.org)
    client.force_login(bob.user)
    org = bob.org.slug
    assert client.get(reverse("participant_export", args=[org, dana.public_id])).status_code == 403
    assert client.post(reverse("participant_erase", args=[org, dana.public_id]), {"confirm": "P-Dana"}).status_code == 403
    assert client.get(reverse("privacy_settings", args=[org])).status_code == 403


def test_retention_preview_in_the_ui(client, alice):
    make_interview(alice.org, [("A", "old")], title="Ancient", conducted_at=datetime(2020, 1, 1, tzinfo=UTC))
    client.force_login(alice.user)
    org = alice.org.slug
    bad = client.post(reverse("privacy_settings", args=[org]), {"redaction_mode": "off", "retention_enabled": "on",
                                                                "retention_action": "delete"})
    assert bad.status_code == 400 and "how many months" in bad.content.decode()
    client.post(reverse("privacy_settings", args=[org]), {"redaction_mode": "suggest", "retention_months": 12,
                                                          "retention_action": "delete"})
    preview = client.post(reverse("retention_run", args=[org]), {"action": "preview"}).content.decode()
    assert "1 interview would be deleted" in preview and "Ancient" in preview
    with tenant_scope(alice.org):
        assert Interview.objects.count() == 1
