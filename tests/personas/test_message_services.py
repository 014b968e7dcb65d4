import pytest
from django.core.exceptions import ValidationError

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import AuditEvent, Notification
from interviews import services as interview_services
from personas import selectors, services
from personas.models import AssumptionCheck, Message, MessageRevision
from personas.services import CheckAnswers

from .fixtures import cite


@pytest.fixture
def claim(evidence, persona):
    """A claim backed by Ana and Ben (two voices: meets the default policy)."""
    with tenant_scope(evidence["org"]):
        claim = services.claim_create(persona=persona, kind="pain_point", statement="Hates rebuilding the spreadsheet")
        cite(claim, evidence["h"]["ana1"], evidence["h"]["ben"])
    return claim


def answers(basis="insight", taste=3, prediction=4, claims=(), highlights=()):
    return CheckAnswers(basis=basis, own_taste=taste, predicted_reaction=prediction, claims=list(claims),
                        highlights=list(highlights), predicted_customer_words="Finally, no spreadsheet")


def write(evidence, persona, check, body="Stop rebuilding your vendor spreadsheet.", by=None):
    with tenant_scope(evidence["org"]):
        return services.message_create(title="Spring email", channel="email", body=body, target_personas=[persona],
                                       check=check, by=by or evidence["owner"])


@pytest.mark.parametrize(
    "make_check,grounding,risk",
    [
        (lambda e, c: answers(claims=[c]), "grounded", False),
        (lambda e, c: answers(highlights=[e["h"]["ana1"]]), "partly_grounded", False),
        (lambda e, c: answers(basis="mix", claims=[c]), "partly_grounded", False),
        (lambda e, c: answers(basis="preference", taste=5), "ungrounded", True),
        (lambda e, c: answers(basis="hypothesis", taste=2), "ungrounded", False),
        (lambda e, c: answers(highlights=[e["h"]["ana1"]], taste=5), "partly_grounded", True),
    ],
)
def test_each_grounding_outcome(evidence, persona, claim, make_check, grounding, risk):
    message = write(evidence, persona, make_check(evidence, claim))
    with tenant_scope(evidence["org"]):
        check = AssumptionCheck.objects.get()
    assert (message.grounding, check.grounding, check.projection_risk) == (grounding, grounding, risk)


def test_insight_without_evidence_is_refused(evidence, persona):
    with pytest.raises(ValidationError, match="must cite"):
        write(evidence, persona, answers(basis="insight"))
    with tenant_scope(evidence["org"]):
        assert not Message.objects.exists()


def test_claims_must_belong_to_a_targeted_persona(evidence, persona, claim):
    with tenant_scope(evidence["org"]):
        other = services.persona_create(name="Other")
        with pytest.raises(ValidationError, match="does not target"):
            services.message_create(title="t", channel="email", body="b", target_personas=[other],
                                    check=answers(claims=[claim]))


@pytest.mark.parametrize("field,value", [("own_taste", 0), ("predicted_reaction", 6), ("basis", "vibes")])
def test_answers_are_validated(evidence, persona, field, value):
    check = answers(basis="preference")
    setattr(check, field, value)
    with pytest.raises(ValidationError):
        write(evidence, persona, check)


def test_every_change_is_a_new_revision_with_one_check(evidence, persona, claim):
    message = write(evidence, persona, answers(basis="preference"))
    with tenant_scope(evidence["org"]):
        services.message_revise(message=message, body="New words", target_personas=[persona], check=answers(claims=[claim]))
        revisions = list(MessageRevision.objects.filter(message=message).order_by("number"))
        assert [r.number for r in revisions] == [1, 2] and revisions[0].body == "Stop rebuilding your vendor spreadsheet."
        assert all(AssumptionCheck.objects.filter(revision=r).count() == 1 for r in revisions)
        message.refresh_from_db()
        assert message.grounding == "grounded"


def test_approval_needs_grounding_or_an_audited_admin_override(evidence, persona, claim, alice, bob):
    # Written by bob, approved by alice: four-eyes review (on by default) is satisfied.
    ungrounded = write(evidence, persona, answers(basis="preference"), by=bob.user)
    with tenant_scope(evidence["org"]):
        with pytest.raises(ValidationError, match="grounded"):
            services.message_approve(message=ungrounded, by=alice.user)
        with pytest.raises(ValidationError, match="reason"):
            services.message_approve(message=ungrounded, by=alice.user, is_admin=True)
        services.message_approve(message=ungrounded, by=alice.user, is_admin=True, override_reason="Legal wording, fixed")
        ungrounded.refresh_from_db()
        assert ungrounded.status == "approved" and ungrounded.override_reason == "Legal wording, fixed"
    event = AuditEvent.objects.get(action="message_override_approved")
    assert event.details["reason"] == "Legal wording, fixed" and event.actor == alice.user
    grounded = write(evidence, persona, answers(claims=[claim]), body="Other words", by=bob.user)
    with tenant_scope(evidence["org"]):
        assert services.message_approve(message=grounded, by=alice.user).status == "approved"
        with pytest.raises(ValidationError):
            services.message_update(message=grounded, status="approved")


def test_a_new_revision_needs_a_new_approval(evidence, persona, claim):
    message = write(evidence, persona, answers(claims=[claim]))
    with tenant_scope(evidence["org"]):
        services.message_approve(message=message)
        services.message_revise(message=message, body="Changed", target_personas=[persona], check=answers(claims=[claim]))
        message.refresh_from_db()
        assert message.status == "in_review"


def test_grounding_is_recomputed_and_the_author_told_when_evidence_goes(evidence, persona, claim):
    message = write(evidence, persona, answers(claims=[claim]))
    with tenant_scope(evidence["org"]):
        services.message_approve(message=message)
        interview_services.highlight_delete(highlight=evidence["h"]["ben"])
        message.refresh_from_db()
        check = AssumptionCheck.objects.get()
        assert (message.grounding, check.grounding, check.evidence_voices) == ("partly_grounded", "partly_grounded", 1)
        assert message.status == "in_review" and "grounded to partly grounded" in message.attention_reason
        assert Notification.objects.filter(user=evidence["owner"], kind="message_regrounded").exists()


def test_deleting_a_cited_claim_ungrounds_the_message(evidence, persona, claim):
    message = write(evidence, persona, answers(claims=[claim]))
    with tenant_scope(evidence["org"]):
        services.claim_delete(claim=claim)
        message.refresh_from_db()
        assert message.grounding == "ungrounded" and message.attention_reason


def test_removing_a_citation_behind_a_claim_regrounds(evidence, persona, claim):
    message = write(evidence, persona, answers(claims=[claim]))
    with tenant_scope(evidence["org"]):
        services.citation_delete(citation=claim.citations.first())
        message.refresh_from_db()
        assert message.grounding == "partly_grounded"


def test_track_record_matches_a_hand_count(evidence, persona, claim, bob):
    bases = ["preference", "preference", "insight", "hypothesis", "preference", "mix", "preference"]
    with tenant_scope(evidence["org"]):
        message = services.message_create(title="t", channel="ad", body="v0", target_personas=[persona],
                                          check=answers(basis="insight", claims=[claim]), by=bob.user)
        for n, basis in enumerate(bases):
            services.message_revise(message=message, body=f"v{n + 1}", target_personas=[persona], by=bob.user,
                                    check=answers(basis=basis, claims=[claim] if basis in ("insight", "mix") else []))
        # Someone else's revisions don't count towards Bob's record.
        services.message_revise(message=message, body="alice", target_personas=[persona], by=evidence["owner"],
                                check=answers(basis="preference"))
        record = selectors.author_track_record(user=bob.user, last=5)
        assert record["total"] == 5
        # Last five of Bob's: insight, hypothesis, preference, mix, preference.
        assert record["counts"] == {"insight": 1, "preference": 2, "mix": 1, "hypothesis": 1, "stakeholder": 0}
        everything = selectors.author_track_record(user=bob.user, last=10)
        assert everything["total"] == 8 and everything["counts"]["insight"] == 2 and everything["preference_share"] == 50


def test_dashboard_shares_and_gaps(evidence, persona, claim, bob):
    with tenant_scope(evidence["org"]):
        services.message_create(title="a", channel="email", body="x", target_personas=[persona],
                                check=answers(claims=[claim], taste=5, prediction=2), by=bob.user)
        services.message_create(title="b", channel="ad", body="y", target_personas=[persona],
                                check=answers(basis="preference", taste=4, prediction=4), by=bob.user)
        dash = selectors.basis_dashboard()
    assert dash["by_channel"]["email"]["insight"] == 1 and dash["by_channel"]["ad"]["pct"]["preference"] == 100
    assert dash["by_persona"]["Careful Buyer"]["total"] == 2
    gap = dash["gaps"][0]
    assert (gap["taste"], gap["prediction"], gap["gap"], gap["risky"]) == (4.5, 3.0, 1.5, 1)
    assert [m.title for m in dash["waiting"]] == ["b"]
