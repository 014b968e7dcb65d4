"""Independent coding under concurrent requests on real parallel PostgreSQL connections."""

import pytest

from empathy_site.tenancy.context import tenant_scope
from empathy_site.tenancy.models import Role
from interviews import services
from interviews.models import Assignment, Highlight, Reconciliation
from tests.test_concurrency import api_key, assert_one_created_rest_conflict, post_all

from .factories import SpeakerFactory, UtteranceFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_assignments_of_one_coder_give_one_201_and_409s(org_a, bob):
    with tenant_scope(org_a):
        interview = UtteranceFactory().interview
    outcomes = post_all(api_key(org_a), "/api/v1/assignments/",
                        {"interview": str(interview.public_id), "coder": str(bob.user.public_id)})
    assert_one_created_rest_conflict(outcomes)
    with tenant_scope(org_a):
        assert Assignment.objects.filter(interview=interview).count() == 1


def test_concurrent_reconciliations_of_one_unit_make_one_highlight(org_a, bob, member_factory):
    carol = member_factory(org_a, Role.RESEARCHER, "carol@example.test")
    with tenant_scope(org_a):
        speaker = SpeakerFactory()
        utterance = UtteranceFactory(speaker=speaker, position=0, text="We plan the week on paper.")
        tag = services.tag_create(name="Paper")
        for coder, end in ((bob, 6), (carol, 11)):
            assignment = services.assignment_create(interview=speaker.interview, coder=coder.user)
            services.highlight_create(interview=speaker.interview, span=services.Span(0, 0, 0, end), tags=[tag],
                                      by=coder.user)
            services.assignment_set_done(assignment=assignment, done=True, by=coder.user, for_others=False)
    outcomes = post_all(api_key(org_a), "/api/v1/reconciliations/",
                        {"utterance": str(utterance.public_id), "tag": str(tag.public_id), "decision": "merge"})
    assert_one_created_rest_conflict(outcomes)
    with tenant_scope(org_a):
        assert Reconciliation.objects.count() == 1
        merged = Highlight.objects.get(reconciled=True)
        assert (merged.start_offset, merged.end_offset, merged.quote) == (0, 11, "We plan the")
