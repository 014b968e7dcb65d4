"""The factories keep one organisation: the active tenant's, unless a test names another."""

from empathy_site.tenancy.models import Organization

from .factories import MembershipFactory
from .interviews.factories import ParticipantFactory, UtteranceFactory


def test_factories_default_to_the_active_org(in_org, org_a):
    with in_org(org_a):
        utterance = UtteranceFactory()
        participant = ParticipantFactory()
        membership = MembershipFactory()
    assert utterance.organization == utterance.speaker.organization == utterance.interview.organization == org_a
    assert participant.organization == membership.organization == org_a
    assert Organization.objects.count() == 1


def test_an_explicit_organization_wins_over_the_active_one(in_org, org_a, org_b):
    with in_org(org_a):
        membership = MembershipFactory(organization=org_b)
    assert membership.organization == org_b


def test_outside_any_tenant_a_factory_creates_its_own_org(db):
    first, second = MembershipFactory(), MembershipFactory()
    assert first.organization != second.organization
