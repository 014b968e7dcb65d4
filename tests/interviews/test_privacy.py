"""Redaction, consent, erasure, subject access and retention."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps
from django.db import connection

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.erasure import organization_delete
from empathy_site.tenancy.models import AuditEvent
from interviews import services
from interviews.models import Highlight, Interview, RedactionFinding, RetentionRun, SpeakerMapping, Utterance
from interviews.services import Span
from personas import services as persona_services

from .evidence_fixtures import make_interview
from .factories import ParticipantFactory

CALL = [
    ("Dana Buyer", "Hi, I'm Dana Buyer, reach me at dana@acme.test or +44 20 7946 0958."),
    ("Rosa", "Thanks Dana. What slows you down?"),
    ("Dana Buyer", "Chasing certificates. Dana's team loses a week every quarter."),
]


@pytest.fixture
def call(org_a, alice):
    with tenant_scope(org_a):
        dana = ParticipantFactory(organization=org_a, pseudonym="P-Dana", name="Dana Buyer", email="dana@acme.test",
                                  consent_given_at=datetime(2026, 1, 1, tzinfo=UTC), consent_scope="marketing")
    interview = make_interview(org_a, [(s, t) for s, t in CALL], title="Dana call", participant=dana)
    with tenant_scope(org_a):
        rosa = SpeakerMapping.objects.get(interview=interview, label="Rosa")
        services.speaker_map(speaker=rosa, team_member=alice.user)
    return {"org": org_a, "interview": interview, "dana": dana}


def texts(interview):
    return list(Utterance.objects.filter(interview=interview).order_by("position").values_list("text", flat=True))


def test_suggest_flow_accept_and_reject(call):
    with tenant_scope(call["org"]):
        services.privacy_policy_update(redaction_mode="suggest")
        findings = services.interview_redact(interview=call["interview"])
        assert sorted((f.kind, f.placeholder) for f in findings) == sorted([
            ("name", "[PARTICIPANT 1]"), ("email", "[EMAIL]"), ("phone", "[PHONE]"),
            ("name", "[PARTICIPANT 1]"), ("name", "[PARTICIPANT 1]"),
        ])
        assert texts(call["interview"])[0].startswith("Hi, I'm Dana Buyer")  # nothing applied yet
        email = next(f for f in findings if f.kind == "email")
        services.redaction_reject(finding=next(f for f in findings if f.kind == "phone"))
        services.redaction_apply(findings=[email])
        assert texts(call["interview"])[0] == "Hi, I'm Dana Buyer, reach me at [EMAIL] or +44 20 7946 0958."
        assert Interview.objects.get(pk=call["interview"].pk).original_file  # names still pending: original kept
        services.redaction_apply(findings=list(RedactionFinding.objects.filter(status="pending")))
        interview = Interview.objects.get(pk=call["interview"].pk)
        assert texts(interview) == [
            "Hi, I'm [PARTICIPANT 1], reach me at [EMAIL] or +44 20 7946 0958.",
            "Thanks [PARTICIPANT 1]. What slows you down?",
            "Chasing certificates. [PARTICIPANT 1]'s team loses a week every quarter.",
        ]
        assert not interview.original_file and interview.original_deleted_at is not None


def test_redaction_keeps_highlight_offsets_and_quotes_consistent(call):
    from personas.models import PersonaVersion

    with tenant_scope(call["org"]):
        first = texts(call["interview"])[0]
        # Covers the email and the phone; starts after the name.
        start, end = first.index("reach"), first.index("0958") + 4
        around = services.highlight_create(interview=call["interview"], span=Span(0, start, 0, end))
        before_name = services.highlight_create(interview=call["interview"], span=Span(0, 0, 0, 7))  # "Hi, I'm"
        across = services.highlight_create(interview=call["interview"], span=Span(1, 0, 2, 20))
        inside = services.highlight_create(interview=call["interview"], span=Span(0, first.index("acme"), 0, first.index(".test")))
        persona = persona_services.persona_create(name="P")
        claim = persona_services.claim_create(persona=persona, kind="goal", statement="g")
        persona_services.citation_create(claim=claim, highlight=around)
        PersonaVersion.objects.create(organization=call["org"], persona=persona, number=1,
                                      snapshot={"claims": [{"id": "x", "citations": [{"highlight": str(around.public_id), "quote": around.quote}]}]})
        services.privacy_policy_update(redaction_mode="automatic")
        services.interview_redact(interview=call["interview"])
        redacted = texts(call["interview"])
        for highlight in Highlight.objects.all():
            expected = services.span_quote(
                list(Utterance.objects.filter(interview=call["interview"], position__range=(highlight.start_position, highlight.end_position)).order_by("position")),
                Span(highlight.start_position, highlight.start_offset, highlight.end_position, highlight.end_offset),
            )
            assert highlight.quote == expected
        assert Highlight.objects.get(pk=around.pk).quote == "reach me at [EMAIL] or [PHONE]"
        assert Highlight.objects.get(pk=before_name.pk).quote == "Hi, I'm"
        assert Highlight.objects.get(pk=across.pk).quote == "Thanks [PARTICIPANT 1]. What slows you down?\nChasing certificates"
        assert Highlight.objects.get(pk=inside.pk).quote == "[EMAIL]"  # a span inside a redaction snaps to it
        assert "dana@acme.test" not in json.dumps(PersonaVersion.objects.get().snapshot)
        assert redacted[0] == "Hi, I'm [PARTICIPANT 1], reach me at [EMAIL] or [PHONE]."


def test_automatic_mode_redacts_on_ingest_and_deletes_the_original(org_a):
    with tenant_scope(org_a):
        services.privacy_policy_update(redaction_mode="automatic")
    interview = make_interview(org_a, [("Kim Lee", "Email kim.lee@example.test, Kim here.")], title="Auto")
    with tenant_scope(org_a):
        interview = Interview.objects.get(pk=interview.pk)
        assert texts(interview) == ["Email [EMAIL], [PARTICIPANT 1] here."]
        assert not interview.original_file
        from django.core.exceptions import ValidationError

        with pytest.raises(ValidationError, match="original file was deleted"):
            services.interview_reprocess(interview=interview)


def test_consent_that_does_not_cover_marketing_blocks_a_message_citation(call, org_a):
    from django.core.exceptions import ValidationError

    with tenant_scope(org_a):
        internal = ParticipantFactory(organization=org_a, pseudonym="P-Int", consent_scope="internal",
                                      consent_given_at=datetime(2026, 1, 1, tzinfo=UTC))
        interview = call["interview"]
        speaker = SpeakerMapping.objects.get(interview=interview, label="Dana Buyer")
        services.speaker_map(speaker=speaker, participant=internal)
        quote = services.highlight_create(interview=interview, span=Span(2, 0, 2, 20))
        persona = persona_services.persona_create(name="P")
        with pytest.raises(ValidationError, match="consent does not cover marketing"):
            persona_services.message_create(
                title="t", channel="ad", body="b", target_personas=[persona],
                check=persona_services.CheckAnswers(basis="insight", own_taste=3, predicted_reaction=3, highlights=[quote]),
            )
        assert internal.consent_state() == "internal"
        internal.consent_expires_at = datetime(2026, 2, 1, tzinfo=UTC)
        assert internal.consent_state() == "expired"
        internal.consent_withdrawn_at = datetime(2026, 1, 15, tzinfo=UTC)
        assert internal.consent_state() == "withdrawn"


MARKER = "zebrafinch-7731"


def _tables_containing(marker: str) -> list[str]:
    """Every text-like column of every project table that holds the marker."""
    hits = []
    with connection.cursor() as cursor:
        for model in apps.get_models():
            if model._meta.app_label not in ("tenancy", "api", "sync", "interviews", "personas"):
                continue
            for field in model._meta.concrete_fields:
                if field.get_internal_type() in ("CharField", "TextField", "JSONField", "EmailField", "SlugField", "FileField"):
                    column = connection.ops.quote_name(field.column)
                    table = connection.ops.quote_name(model._meta.db_table)
                    cast = f"CAST({column} AS TEXT)"
                    cursor.execute(f"SELECT COUNT(*) FROM {table} WHERE {cast} LIKE %s", [f"%{marker}%"])
                    if cursor.fetchone()[0]:
                        hits.append(f"{model._meta.db_table}.{field.column}")
    return hits


def test_erasure_leaves_the_marker_in_no_table_and_cascades(call, org_a, alice, settings, tmp_path,
                                                             django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    words = [("Vic Marker", f"My secret phrase is {MARKER} and I hate invoices."), ("Sam", "Noted.")]
    with tenant_scope(org_a):
        vic = ParticipantFactory(organization=org_a, pseudonym="P-Vic", name=f"Vic {MARKER}", email="vic@x.test",
                                 attributes={"motto": MARKER}, consent_scope="marketing",
                                 consent_given_at=datetime(2026, 1, 1, tzinfo=UTC))
    interview = make_interview(org_a, words, title="Vic call", participant=vic)
    with tenant_scope(org_a):
        quote = services.highlight_create(interview=interview, span=Span(0, 0, 0, 40), note="strong")
        tag = services.tag_create(name="Invoices")
        services.highlight_add_tag(highlight=quote, tag=tag)
        other_quote = services.highlight_create(interview=call["interview"], span=Span(2, 0, 2, 20))
        persona = persona_services.persona_create(name="Buyer", owner=alice.user)
        claim = persona_services.claim_create(persona=persona, kind="pain_point", statement="Hates invoices")
        persona_services.citation_create(claim=claim, highlight=quote)
        persona_services.citation_create(claim=claim, highlight=other_quote)
        persona_services.persona_publish(persona=persona)
        message = persona_services.message_create(
            title="Invoices", channel="email", body="No more invoices", target_personas=[persona], by=alice.user,
            check=persona_services.CheckAnswers(basis="insight", own_taste=3, predicted_reaction=3, claims=[claim]),
        )
        assert _tables_containing(MARKER)  # planted: the scan does find it
        file_path = Interview.objects.get(pk=interview.pk).original_file.path
        with django_capture_on_commit_callbacks(execute=True):
            counts = services.participant_erase(participant=vic, by=alice.user)
        assert counts["utterances"] == 1 and counts["highlights"] == 1
        assert _tables_containing(MARKER) == []
        persona.refresh_from_db()
        message.refresh_from_db()
        assert persona.status == "needs_review" and message.attention_reason
        vic.refresh_from_db()
        assert vic.erased_at and vic.name == "" and vic.attributes == {} and MARKER not in vic.pseudonym
    import os

    assert not os.path.exists(file_path)
    event = AuditEvent.objects.get(action="participant_erased")
    assert event.details == {"utterances": 1, "highlights": 1, "original_files": 1, "clips": 0, "reels": 0, "media": 0} and MARKER not in str(event.__dict__)
    with tenant_scope(org_a):
        from interviews.selectors.search import search_utterances

        assert search_utterances(query="zebrafinch*") == []


def test_subject_access_export(call):
    with tenant_scope(call["org"]):
        services.highlight_create(interview=call["interview"], span=Span(2, 0, 2, 20))
        export = services.participant_export(participant=call["dana"])
    assert export["participant"]["email"] == "dana@acme.test" and export["participant"]["consent"]["scope"] == "marketing"
    assert [u["position"] for u in export["utterances"]] == [0, 2]
    assert export["highlights"][0]["quote"] == "Chasing certificates"
    assert export["interviews"][0]["title"] == "Dana call"
    json.dumps(export)  # hands over as a JSON file


def test_retention_preview_then_run(org_a, alice):
    old = make_interview(org_a, [("A", "old words")], title="Old", conducted_at=datetime.now(UTC) - timedelta(days=800))
    make_interview(org_a, [("B", "new words")], title="New", conducted_at=datetime.now(UTC) - timedelta(days=10))
    with tenant_scope(org_a):
        services.privacy_policy_update(retention_enabled=True, retention_months=24, retention_action="delete")
        preview = services.retention_run(dry_run=True, by=alice.user)
        assert preview.interview_count == 1 and preview.details[0]["title"] == "Old"
        assert Interview.objects.count() == 2  # a preview changes nothing
    ran = services.retention_run_all()
    assert ran == [(org_a.slug, 1)]
    with tenant_scope(org_a):
        assert list(Interview.objects.values_list("title", flat=True)) == ["New"]
        assert RetentionRun.objects.filter(dry_run=False).get().details == [{"id": str(old.public_id), "title": "Old"}]


def test_retention_redact_mode_keeps_interviews_but_drops_originals(org_a):
    old = make_interview(org_a, [("Ann Old", "Ann speaking, ann@old.test")], title="Old",
                         conducted_at=datetime.now(UTC) - timedelta(days=800))
    with tenant_scope(org_a):
        services.privacy_policy_update(retention_enabled=True, retention_months=12, retention_action="redact")
        services.retention_run(dry_run=False)
        interview = Interview.objects.get(pk=old.pk)
        assert not interview.original_file and texts(interview) == ["[PARTICIPANT 1] speaking, [EMAIL]"]
        assert services.retention_run(dry_run=True).interview_count == 0  # done once is done


def test_deleting_an_org_removes_its_rows_and_files(org_a, org_b, settings, tmp_path, django_capture_on_commit_callbacks):
    import os

    from empathy_site.tenancy.models import Organization

    settings.MEDIA_ROOT = tmp_path
    interview = make_interview(org_b, [("X", "y")], title="B")
    make_interview(org_a, [("X", "y")], title="A")
    with tenant_scope(org_b):
        path = Interview.objects.get(pk=interview.pk).original_file.path
        # A built export (interop) is one of the organisation's files too.
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        from interop.models import ExportJob
        export_name = default_storage.save("exports/b/project.qdpx", ContentFile(b"zip"))
        ExportJob.objects.create(organization=org_b, kind="project", file_name=export_name)
    assert os.path.exists(path) and default_storage.exists(export_name)
    with django_capture_on_commit_callbacks(execute=True):
        organization_delete(organization=org_b)
    assert not os.path.exists(path)
    assert not default_storage.exists(export_name)
    assert not Organization.objects.filter(pk=org_b.pk).exists()
    with tenant_scope(org_a):
        assert Interview.objects.count() == 1
    assert AuditEvent.objects.filter(action="organization_deleted", target_label="org-b").exists()
