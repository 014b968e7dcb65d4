import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from empathy_site.sync.models import ChangeEvent
from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Notification
from interviews import services as interview_services
from interviews.services import Span
from personas import selectors, services
from personas.models import Citation, Persona, PersonaVersion

from .fixtures import cite


def strength(claim_pk):
    claim = next(c for c in selectors.claims_with_strength(persona_ids=[c_persona(claim_pk)]) if c.pk == claim_pk)
    return {
        k: getattr(claim, k)
        for k in ("support_count", "contradict_count", "participant_count", "interview_count", "segment_count", "stale_count")
    } | {"newest": claim.newest_evidence.date().isoformat(), "oldest": claim.oldest_evidence.date().isoformat()}


def c_persona(claim_pk):
    from personas.models import Claim

    return Claim.objects.get(pk=claim_pk).persona_id


def test_strength_figures_match_a_hand_count(evidence, persona):
    h = evidence["h"]
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="behaviour", statement="Compares vendors in spreadsheets")
        cite(claim, h["ana1"], h["ana2"], h["ben"])
        cite(claim, h["cy"], stance="contradicts")
        assert strength(claim.pk) == {
            # Ana twice + Ben: 3 citations, 2 people, 3 interviews, 1 segment (procurement).
            "support_count": 3, "contradict_count": 1, "participant_count": 2, "interview_count": 3,
            "segment_count": 1, "stale_count": 0, "newest": "2026-06-01", "oldest": "2023-02-01",
        }


def test_strength_is_computed_in_one_query(evidence, persona, django_assert_num_queries):
    with tenant_scope(evidence["org"]):
        for n in range(5):
            claim = services.claim_create(persona=persona, kind="goal", statement=f"Goal {n}")
            cite(claim, evidence["h"]["ana1"], evidence["h"]["ben"])
        policy = selectors.evidence_policy()
        with django_assert_num_queries(1):
            claims = list(selectors.claims_with_strength(persona_ids=[persona.pk], policy=policy))
        assert [c.participant_count for c in claims] == [2] * 5


@pytest.mark.parametrize(
    "cited,policy,reason",
    [
        (["ana1"], {}, "needs 2 supporting citations, has 1"),
        (["ana1", "ana2"], {}, "needs evidence from 2 different participants, has 1"),
        (["ana1", "cy"], {"max_evidence_age_months": 24}, "older than 24 months"),
        ([], {}, "needs 2 supporting citations, has 0"),
    ],
)
def test_publishing_names_each_way_a_claim_falls_short(evidence, persona, cited, policy, reason):
    with tenant_scope(evidence["org"]):
        if policy:
            services.evidence_policy_update(**policy)
        good = services.claim_create(persona=persona, kind="goal", statement="Wants a defensible choice")
        cite(good, evidence["h"]["ana1"], evidence["h"]["ben"])
        weak = services.claim_create(persona=persona, kind="pain_point", statement="Hates re-doing the spreadsheet")
        cite(weak, *[evidence["h"][name] for name in cited])
        with pytest.raises(services.PolicyNotMet) as refused:
            services.persona_publish(persona=persona)
        assert [s.claim.pk for s in refused.value.report] == [weak.pk]
        assert reason in " ".join(refused.value.report[0].reasons)
        assert "Hates re-doing" in refused.value.messages[0]
        persona.refresh_from_db()
        assert persona.status == "draft" and not PersonaVersion.objects.exists()


def test_contradicting_evidence_does_not_count_towards_the_policy(evidence, persona):
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="goal", statement="g")
        cite(claim, evidence["h"]["ana1"])
        cite(claim, evidence["h"]["ben"], stance="contradicts")
        with pytest.raises(services.PolicyNotMet):
            services.persona_publish(persona=persona)


def test_a_persona_without_claims_cannot_publish(evidence, persona):
    with tenant_scope(evidence["org"]), pytest.raises(ValidationError, match="at least one claim"):
        services.persona_publish(persona=persona)


def test_publish_keeps_numbered_snapshots_that_can_be_compared(evidence, persona, alice):
    h = evidence["h"]
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="goal", statement="Wants a defensible choice")
        cite(claim, h["ana1"], h["ben"])
        v1 = services.persona_publish(persona=persona, by=alice.user)
        services.claim_update(claim=claim, statement="Wants a choice they can defend to finance")
        cite(claim, h["ana2"])
        second = services.claim_create(persona=persona, kind="behaviour", statement="Uses spreadsheets")
        cite(second, h["ana2"], h["ben"])
        v2 = services.persona_publish(persona=persona, by=alice.user)
        persona.refresh_from_db()
        assert (v1.number, v2.number, persona.current_version, persona.status) == (1, 2, 2, "published")
        assert v1.snapshot["claims"][0]["statement"] == "Wants a defensible choice"
        assert len(v1.snapshot["claims"][0]["citations"]) == 2
        diff = selectors.version_diff(v1, v2)
        assert sorted(row["change"] for row in diff) == ["added", "changed"]
        changed = next(r for r in diff if r["change"] == "changed")
        assert changed["citations_added"] == 1 and changed["before"]["statement"] == "Wants a defensible choice"


@pytest.fixture
def published(evidence, persona):
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="behaviour", statement="Compares vendors")
        cite(claim, evidence["h"]["ana1"], evidence["h"]["ben"])
        services.persona_publish(persona=persona)
    return persona


def _status_and_notice(evidence, persona):
    with tenant_scope(evidence["org"]):
        persona.refresh_from_db()
        notices = list(Notification.objects.filter(user=evidence["owner"]).values_list("kind", flat=True))
    return persona.status, notices


def test_deleting_a_cited_highlight_flags_the_persona_and_tells_the_owner(evidence, published):
    with tenant_scope(evidence["org"]):
        interview_services.highlight_delete(highlight=evidence["h"]["ben"])
    status, notices = _status_and_notice(evidence, published)
    assert status == "needs_review" and notices == ["persona_needs_review"]
    assert "deleted" in published.review_reason and "2 different participants, has 1" in published.review_reason


def test_editing_a_cited_highlight_so_it_loses_its_speaker_flags_the_persona(evidence, published):
    from interviews.models import SpeakerMapping

    with tenant_scope(evidence["org"]):
        speaker = SpeakerMapping.objects.get(interview=evidence["interviews"]["ben"], label="X")
        interview_services.speaker_map(speaker=speaker, participant=evidence["people"]["ana"])
    assert _status_and_notice(evidence, published)[0] == "needs_review"


def test_deleting_a_participant_flags_the_persona(evidence, published):
    with tenant_scope(evidence["org"]):
        interview_services.participant_delete(participant=evidence["people"]["ben"])
    assert _status_and_notice(evidence, published)[0] == "needs_review"


def test_deleting_an_interview_flags_the_persona(evidence, published):
    with tenant_scope(evidence["org"]):
        interview_services.interview_delete(interview=evidence["interviews"]["ana1"])
    assert _status_and_notice(evidence, published)[0] == "needs_review"


def test_removing_a_citation_flags_the_persona(evidence, published):
    with tenant_scope(evidence["org"]):
        services.citation_delete(citation=Citation.objects.first())
    assert _status_and_notice(evidence, published)[0] == "needs_review"


def test_a_stricter_policy_flags_published_personas(evidence, published):
    with tenant_scope(evidence["org"]):
        services.evidence_policy_update(min_citations=3, min_participants=2)
    assert _status_and_notice(evidence, published)[0] == "needs_review"


def test_evidence_that_still_meets_the_policy_leaves_it_published(evidence, published):
    with tenant_scope(evidence["org"]):
        claim = published.claims.get()
        cite(claim, evidence["h"]["ana2"])
        interview_services.highlight_delete(highlight=evidence["h"]["ana2"])
    assert _status_and_notice(evidence, published) == ("published", [])


def test_unrelated_evidence_changes_touch_nothing(evidence, published):
    with tenant_scope(evidence["org"]):
        interview_services.highlight_delete(highlight=evidence["h"]["cy"])
    assert _status_and_notice(evidence, published) == ("published", [])


def test_a_claim_cannot_cite_another_orgs_highlight(evidence, persona, org_b):
    from tests.interviews.evidence_fixtures import make_interview

    foreign_interview = make_interview(org_b, [("Z", "Somebody else's words.")], title="B")
    with tenant_scope(org_b):
        foreign = interview_services.highlight_create(interview=foreign_interview, span=Span(0, 0, 0, 8))
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="goal", statement="g")
        with pytest.raises(ValidationError):
            services.citation_create(claim=claim, highlight=foreign)
        if connection.vendor == "postgresql":
            # Below the service: the same-org composite key refuses it.
            with pytest.raises(IntegrityError), transaction.atomic():
                Citation.objects.bulk_create([Citation(organization_id=claim.organization_id, claim=claim, highlight_id=foreign.pk)])
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_deletions_leave_tombstones(evidence, persona):
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="goal", statement="g")
        cite(claim, evidence["h"]["ana1"])
        services.persona_delete(persona=persona)
        deleted = ChangeEvent.objects.filter(action="deleted")
        assert sorted(deleted.values_list("object_type", flat=True)) == ["citation", "claim", "persona"]
        assert not Persona.objects.exists()


def test_claim_changes_move_the_personas_updated_at(evidence, persona):
    with tenant_scope(evidence["org"]):
        before = Persona.objects.get(pk=persona.pk).updated_at
        claim = services.claim_create(persona=persona, kind="goal", statement="g")
        assert Persona.objects.get(pk=persona.pk).updated_at > before
        middle = Persona.objects.get(pk=persona.pk).updated_at
        cite(claim, evidence["h"]["ana1"])
        assert Persona.objects.get(pk=persona.pk).updated_at > middle
