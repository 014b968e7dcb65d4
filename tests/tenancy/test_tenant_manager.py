import pytest

from empathy_site.tenancy.context import NoActiveTenant, active_org_id, tenant_scope
from interviews.models import Participant


def test_querying_a_tenant_model_without_an_active_org_raises(db):
    with pytest.raises(NoActiveTenant):
        list(Participant.objects.all())


def test_queries_are_scoped_to_the_active_org(org_a, org_b):
    with tenant_scope(org_a):
        Participant.objects.create(organization=org_a, pseudonym="P-A")
    with tenant_scope(org_b):
        Participant.objects.create(organization=org_b, pseudonym="P-B")
        assert list(Participant.objects.values_list("pseudonym", flat=True)) == ["P-B"]
    with tenant_scope(org_a):
        assert list(Participant.objects.values_list("pseudonym", flat=True)) == ["P-A"]


def test_saving_a_row_of_another_org_is_refused(org_a, org_b):
    with tenant_scope(org_a), pytest.raises(PermissionError):
        Participant.objects.create(organization=org_b, pseudonym="sneaky")


def test_organization_defaults_to_the_active_one(org_a):
    with tenant_scope(org_a):
        participant = Participant.objects.create(pseudonym="P1")
    assert participant.organization_id == org_a.pk


def test_scope_is_restored_after_a_nested_scope(org_a, org_b):
    with tenant_scope(org_a):
        with tenant_scope(org_b):
            assert active_org_id() == org_b.pk
        assert active_org_id() == org_a.pk
        Participant.objects.create(pseudonym="after-nesting")
        assert Participant.objects.count() == 1
    assert active_org_id() is None
