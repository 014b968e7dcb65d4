"""The second wall: PostgreSQL row-level security, as the runtime role."""

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from empathy_site.tenancy.context import bind_transaction_to_org, tenant_scope
from empathy_site.tenancy.rls import tenant_models
from interviews.models import Participant

pytestmark = pytest.mark.postgres


def test_suite_runs_as_a_role_that_cannot_bypass_rls(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False, False)


def test_every_tenant_table_has_rls_enabled_and_forced(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
        )
        flags = {name: (enabled, forced) for name, enabled, forced in cursor.fetchall()}
    for model in tenant_models():
        assert flags[model._meta.db_table] == (True, True), model._meta.db_table


@pytest.fixture
def two_orgs_with_rows(org_a, org_b):
    with tenant_scope(org_a):
        Participant.objects.create(pseudonym="a-person")
    with tenant_scope(org_b):
        Participant.objects.create(pseudonym="b-person")
    return org_a, org_b


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else cursor.rowcount


def test_raw_select_sees_only_the_bound_org(two_orgs_with_rows):
    org_a, org_b = two_orgs_with_rows
    with transaction.atomic():
        bind_transaction_to_org(org_a.pk)
        rows = _raw("SELECT pseudonym, organization_id FROM interviews_participant")
    assert rows == [("a-person", org_a.pk)]


def test_raw_select_with_no_org_bound_sees_nothing(two_orgs_with_rows):
    with transaction.atomic():
        assert _raw("SELECT count(*) FROM interviews_participant") == [(0,)]


def test_raw_update_and_delete_cannot_touch_another_org(two_orgs_with_rows):
    org_a, org_b = two_orgs_with_rows
    with transaction.atomic():
        bind_transaction_to_org(org_a.pk)
        assert _raw("UPDATE interviews_participant SET name = 'x' WHERE organization_id = %s", [org_b.pk]) == 0
        assert _raw("DELETE FROM interviews_participant WHERE organization_id = %s", [org_b.pk]) == 0
    with tenant_scope(org_b):
        assert Participant.objects.get().name == ""


def test_raw_insert_into_another_org_is_refused(two_orgs_with_rows):
    org_a, org_b = two_orgs_with_rows
    with pytest.raises(ProgrammingError, match="row-level security"), transaction.atomic():
        bind_transaction_to_org(org_a.pk)
        _raw(
            "INSERT INTO interviews_participant (organization_id, public_id, pseudonym, name, email, attributes,"
            " external_ids, consent_scope, created_at, updated_at)"
            " VALUES (%s, gen_random_uuid(), 'forged', '', '', '{}', '{}', '', now(), now())",
            [org_b.pk],
        )
