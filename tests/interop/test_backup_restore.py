"""export_org then import_org: the restored organisation equals the original in everything a user can see."""

import zipfile

from django.core.management import call_command

from collaboration import services as collaboration_services
from collaboration.models import COMMENT_TARGETS, Comment
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Organization
from interviews import services as interview_services
from interviews.models import Participant, Study
from personas import services as persona_services
from personas.models import Message, Persona
from personas.selectors import evidence_policy

from .test_refi_roundtrip import _research, _world


def _label(target) -> str:
    """What a reader knows an object by: a highlight's quote, an interview's or a message's title, a name."""
    return next(getattr(target, f) for f in ("quote", "title", "statement", "name") if hasattr(target, f))


def _everything(org):
    """The codebook, transcripts, highlights, participants (personal fields and consent), studies, policy,
    personas with claims and cited quotes (stance), messages with revisions and checks: ids left out."""
    world = _world(org)
    with tenant_scope(org):
        world["participant_fields"] = sorted(
            (p.pseudonym, p.name, p.email, p.consent_scope, p.consent_given_at, p.consent_withdrawn_at)
            for p in Participant.objects.all())
        world["study_fields"] = sorted((s.name, s.goal, tuple(s.research_questions), s.starts_on) for s in Study.objects.all())
        policy = evidence_policy()
        world["policy"] = (policy.min_citations, policy.min_participants, policy.max_evidence_age_months)
        world["personas"] = [
            (p.name, p.summary, p.status, p.avatar_colour, [
                (c.kind, c.statement, sorted((x.stance, x.note, x.highlight.quote) for x in c.citations.all()))
                for c in p.claims.order_by("order")])
            for p in Persona.objects.order_by("name")]
        world["messages"] = [
            (m.title, m.channel, m.grounding, [
                (r.number, r.body, sorted(p.name for p in r.target_personas.all()),
                 [(c.basis, c.own_taste, c.predicted_reaction, c.grounding, sorted(h.quote for h in c.highlights.all()))
                  for c in r.checks.all()])
                for r in m.revisions.order_by("number")])
            for m in Message.objects.order_by("title")]
        world["comments"] = sorted(
            (c.target_type, _label(c.target), c.body, c.parent.body if c.parent else None, c.author.email if c.author else None,
             c.created_at, c.resolved_at is not None, c.resolved_by.email if c.resolved_by else None, tuple(c.mentions))
            for c in Comment.objects.select_related("parent", "author", "resolved_by", *COMMENT_TARGETS))
        world["members"] = sorted((m.user.email, m.role) for m in org.memberships.select_related("user")) if hasattr(
            org, "memberships") else None
    return world


def test_export_org_then_import_org_restores_an_equal_organisation_with_new_ids(corpus, alice, tmp_path):
    made = _research(corpus, by=alice.user)
    org = corpus["org"]
    with tenant_scope(org):
        interview_services.study_update(study=corpus["study"], goal="Learn how teams choose", research_questions=["Why three?"])
        interview_services.participant_update(participant=corpus["dana"], name="Dana Whitfield", email="dana@example.test",
                                              consent_given_at=corpus["call1"].created_at, consent_scope="marketing")
        persona_services.evidence_policy_update(min_citations=1, min_participants=1)
        persona = persona_services.persona_create(name="Careful buyer", summary="Compares first")
        claim = persona_services.claim_create(persona=persona, kind="goal", statement="Avoids bad suppliers")
        persona_services.citation_create(claim=claim, highlight=made["highlights"][0], note="clear")
        persona_services.citation_create(claim=claim, highlight=made["highlights"][2], stance="contradicts")
        message = persona_services.message_create(
            title="Launch mail", channel="email", body="Compare us", target_personas=[persona],
            check=persona_services.CheckAnswers(basis="insight", own_taste=2, predicted_reaction=4,
                                                highlights=[made["highlights"][0]], claims=[claim]), by=alice.user)
        persona_services.message_revise(message=message, body="Compare us with two others", target_personas=[persona],
                                        check=persona_services.CheckAnswers(basis="preference", own_taste=3, predicted_reaction=4))
        thread = collaboration_services.comment_create(target_type="highlight", target=made["highlights"][0],
                                                       body="Is this @alice@example.test's best quote?", by=alice.user)
        collaboration_services.comment_create(target_type="highlight", target=made["highlights"][0], body="Yes.",
                                              parent=thread, by=alice.user)
        collaboration_services.comment_resolve(comment=thread, by=alice.user)
        collaboration_services.comment_create(target_type="persona", target=persona, body="Too narrow?", by=alice.user)
        collaboration_services.comment_create(target_type="message", target=message, body="Shorter, please.")
        collaboration_services.comment_create(target_type="interview", target=corpus["call2"], body="Audio is poor.")
        collaboration_services.comment_create(target_type="claim", target=claim, body="Two sources.", by=alice.user)
    path = tmp_path / "backup.zip"
    call_command("export_org", org.slug, str(path))
    assert sorted(zipfile.ZipFile(path).namelist()) == ["bundle.json", "project.qdpx"]
    call_command("import_org", str(path), "--into", "acme-copy")
    copy = Organization.objects.get(slug="acme-copy")
    original, restored = _everything(org), _everything(copy)
    assert len(original["comments"]) == 6 and len(original["memos"]) == 3 and original["memos"][0][-1] == "alice@example.test"
    assert restored == original
    with tenant_scope(copy):
        restored = Persona.objects.get()
    with tenant_scope(org):
        assert restored.public_id != persona.public_id
