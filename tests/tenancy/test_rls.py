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


# Binding once per transaction: a transaction already bound to the org is not bound again, and every way the
# binding can be lost (a new transaction, a rolled-back savepoint) binds it again.


def _bound_org_setting():
    return _raw("SELECT current_setting('app.org_id', true)")[0][0]


def _set_config_statements(queries):
    return [query["sql"] for query in queries if "set_config" in query["sql"]]


def test_a_service_transaction_inside_a_bound_one_sends_no_second_binding(two_orgs_with_rows):
    from django.test.utils import CaptureQueriesContext

    from empathy_site.tenancy.context import tenant_atomic

    org_a, org_b = two_orgs_with_rows
    with tenant_scope(org_a), CaptureQueriesContext(connection) as queries:
        with tenant_atomic():
            with tenant_atomic(savepoint=False):
                names = list(Participant.objects.values_list("pseudonym", flat=True))
    assert names == ["a-person"]
    assert _set_config_statements(queries.captured_queries) == []


def test_another_org_inside_is_bound_and_the_outer_org_bound_again_after_it(two_orgs_with_rows):
    org_a, org_b = two_orgs_with_rows
    with tenant_scope(org_a):
        with tenant_scope(org_b):
            assert _raw("SELECT pseudonym FROM interviews_participant") == [("b-person",)]
        assert _bound_org_setting() == str(org_a.pk)
        assert _raw("SELECT pseudonym FROM interviews_participant") == [("a-person",)]


def test_a_rolled_back_savepoint_that_bound_another_org_leaves_no_stale_binding(two_orgs_with_rows):
    """Rolling back to a savepoint undoes a set_config made since; the next binding must not be skipped."""
    from empathy_site.tenancy.context import tenant_atomic

    org_a, org_b = two_orgs_with_rows
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            bind_transaction_to_org(org_a.pk)
            raise RuntimeError("undo")
        assert _bound_org_setting() in (None, "")  # the savepoint took the binding with it
        with tenant_scope(org_a), tenant_atomic():
            assert _bound_org_setting() == str(org_a.pk)
            assert _raw("SELECT pseudonym FROM interviews_participant") == [("a-person",)]


def test_a_failed_inner_scope_of_another_org_hands_back_the_outer_binding(two_orgs_with_rows):
    from empathy_site.tenancy.context import tenant_atomic

    org_a, org_b = two_orgs_with_rows
    with tenant_scope(org_a):
        with pytest.raises(RuntimeError), tenant_scope(org_b):
            assert _raw("SELECT pseudonym FROM interviews_participant") == [("b-person",)]
            raise RuntimeError("inner failure")
        with tenant_atomic():
            assert _raw("SELECT pseudonym FROM interviews_participant") == [("a-person",)]


@pytest.mark.django_db(transaction=True)
def test_every_new_transaction_is_bound_again(org_a, org_b):
    from django.test.utils import CaptureQueriesContext

    with tenant_scope(org_a):
        Participant.objects.create(pseudonym="a-person")
    with CaptureQueriesContext(connection) as queries:
        for _ in range(2):  # two transactions, one after the other, on the same connection
            with tenant_scope(org_a):
                assert list(Participant.objects.values_list("pseudonym", flat=True)) == ["a-person"]
    assert len(_set_config_statements(queries.captured_queries)) == 2


@pytest.mark.django_db(transaction=True)
def test_with_autocommit_off_by_hand_every_transaction_is_bound(org_a):
    """transaction.commit() outside atomic blocks ends a transaction without Django renewing its on-commit list."""
    with tenant_scope(org_a):
        Participant.objects.create(pseudonym="a-person")
    transaction.set_autocommit(False)
    try:
        for _ in range(2):
            with tenant_scope(org_a):
                assert list(Participant.objects.values_list("pseudonym", flat=True)) == ["a-person"]
            transaction.commit()
    finally:
        transaction.rollback()
        transaction.set_autocommit(True)
