"""Every tenant table stays ready to be distributed by organization_id (Citus).

Read from the real schema in pg_catalog after migrate, not from the models, so a
constraint added by hand in a migration counts too. The rules Citus sets for a
table distributed by organization_id, and the ones checked here:

- a tenant table is one with an ``organization_id`` column; every other table is
  named below, as a reference table (copied to every node) or as local;
- every unique constraint and unique index of a tenant table includes organization_id,
  as its first column (DESIGN.md; Citus needs it included, the index needs it first;
  only the primary key ``id`` is excepted, see KNOWN_EXCEPTIONS),
  and ``(organization_id, id)`` is unique so that rows can be referenced per org;
- every foreign key from a tenant table to another tenant table includes
  organization_id on both sides; Django's own single-column key to ``id`` is
  accepted only beside a composite ``(organization_id, col)`` twin to the same
  table (the twin is what Citus keeps, the plain one is dropped there);
- a reference or local table has no foreign key to a tenant table.

A new table that breaks a rule fails here with the table and constraint named.
"""

import pytest
from django.conf import settings
from django.db import connection

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ORG = "organization_id"

# Global tables, replicated whole to every node on Citus.
REFERENCE_TABLES = {
    "tenancy_organization",  # the tenants themselves: what organization_id points to
    "tenancy_user",  # a person may belong to several organisations
    "tenancy_user_groups",
    "tenancy_user_user_permissions",
    "auth_group",
    "auth_group_permissions",
    "auth_permission",
    "django_content_type",
}
# Tables that stay on the coordinator: no tenant query touches them.
LOCAL_TABLES = {
    "django_migrations",
    "django_session",
}

# Tables with organization_id that are looked up across organisations, before any tenant is
# known, so they cannot be distributed by it: reference tables on Citus (small, replicated).
ORG_KEYED_REFERENCE_TABLES = {
    # Found by public_id / key_hash when a request arrives with a key: the key decides the org.
    "tenancy_apikey": "looked up by its hash before the organisation is known",
    # Sign-in lists a person's organisations across all of them.
    "tenancy_membership": "a person's organisations are read across all of them at sign-in",
    # Sign-ins of a person with no organisation yet have organization_id NULL.
    "tenancy_auditevent": "sign-in events belong to no organisation (organization_id is nullable)",
}

# Known, deliberate exceptions, each with its reason (see docs for the plan that removes them).
KNOWN_EXCEPTIONS = {
    # Django's primary key is the single column `id` (sequences are global, so ids stay unique
    # across organisations). Citus needs the distribution column in the primary key: the plan is a
    # composite primary key (organization_id, id); the unique (organization_id, id) key that every
    # tenant table already has (tenancy/rls.py) is that key in waiting.
    "primary key on id alone",
}


def _rows(sql, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _tables():
    return {
        name: set(columns)
        for name, columns in _rows(
            """
            SELECT c.relname, array_agg(a.attname::text)
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            GROUP BY c.relname
            """
        )
    }


def _unique_indexes():
    """(table, index name, columns or None for an expression index, is primary key)."""
    return _rows(
        """
        SELECT t.relname, i.relname,
               CASE WHEN 0 = ANY(ix.indkey::int2[]) THEN NULL ELSE
                 ARRAY(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(num, ord)
                       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.num ORDER BY k.ord) END,
               ix.indisprimary
        FROM pg_index ix
        JOIN pg_class i ON i.oid = ix.indexrelid
        JOIN pg_class t ON t.oid = ix.indrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public' AND ix.indisunique
        """
    )


def _foreign_keys():
    """(table, constraint, columns, referenced table, referenced columns)."""
    return _rows(
        """
        SELECT t.relname, con.conname,
               ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                     JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord),
               r.relname,
               ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                     JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord)
        FROM pg_constraint con
        JOIN pg_class t ON t.oid = con.conrelid
        JOIN pg_class r ON r.oid = con.confrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = 'public' AND con.contype = 'f'
        """
    )


def tenant_tables(tables):
    return {name for name, columns in tables.items() if ORG in columns} - set(ORG_KEYED_REFERENCE_TABLES)


def citus_problems():
    """Every way the current schema breaks the rules above, as readable sentences."""
    tables = _tables()
    tenant = tenant_tables(tables)
    global_tables = REFERENCE_TABLES | LOCAL_TABLES | set(ORG_KEYED_REFERENCE_TABLES)
    problems = []

    for name in sorted(set(tables) - tenant - global_tables):
        problems.append(
            f"{name}: no organization_id column and not listed as a reference or local table "
            "(add organization_id, or list it in REFERENCE_TABLES with a reason)"
        )
    for name in sorted(tenant & (REFERENCE_TABLES | LOCAL_TABLES)):
        problems.append(f"{name}: listed as a global table but has organization_id")

    org_id_unique = set()
    for table, index, columns, primary in _unique_indexes():
        if table not in tenant:
            continue
        if columns is None:
            problems.append(f"{table}.{index}: a unique expression index; Citus needs plain columns incl. {ORG}")
            continue
        if primary and columns == ["id"]:
            continue  # KNOWN_EXCEPTIONS: primary key on id alone
        if ORG not in columns:
            problems.append(f"{table}.{index}: unique on ({', '.join(columns)}) without {ORG}")
        elif columns[0] != ORG:  # Citus only needs it included; DESIGN.md asks it to lead, for the index
            problems.append(f"{table}.{index}: unique on ({', '.join(columns)}) does not lead with {ORG}")
        if sorted(columns) == sorted([ORG, "id"]):
            org_id_unique.add(table)
    for table in sorted(tenant - org_id_unique):
        problems.append(f"{table}: no unique ({ORG}, id) key for same-organisation foreign keys")

    fks = _foreign_keys()
    composite = {
        (table, columns[1], target) for table, _, columns, target, _ in fks if len(columns) == 2 and columns[0] == ORG
    }
    for table, name, columns, target, target_columns in fks:
        if table in tenant and target in tenant:
            if ORG in columns:
                if ORG not in target_columns or columns.index(ORG) != target_columns.index(ORG):
                    problems.append(f"{table}.{name}: {ORG} does not reference {target}.{ORG}")
            elif not (len(columns) == 1 and (table, columns[0], target) in composite):
                problems.append(
                    f"{table}.{name}: foreign key ({', '.join(columns)}) to tenant table {target} "
                    f"without {ORG} and without a composite ({ORG}, {columns[0]}) twin"
                )
        elif table not in tenant and target in tenant:
            problems.append(f"{table}.{name}: global table references tenant table {target}")
    return problems


def test_every_tenant_table_is_citus_compatible():
    assert citus_problems() == []


def test_the_schema_has_tenant_and_reference_tables_as_listed():
    tables = _tables()
    assert len(tenant_tables(tables)) >= 20
    # A listed table that no longer exists is a stale entry: keep the lists exact.
    assert (REFERENCE_TABLES | LOCAL_TABLES | set(ORG_KEYED_REFERENCE_TABLES)) - set(tables) == set()


def _with(*statements):
    """The problems once these statements ran; the test's transaction rolls them back."""
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")  # DDL as the owner; the suite otherwise runs as the app role
        try:
            for statement in statements:
                cursor.execute(statement)
            return citus_problems()
        finally:
            cursor.execute(f'SET ROLE "{settings.DATABASE_APP_ROLE}"')


@pytest.mark.parametrize(
    ("statements", "expected"),
    [
        (
            ["CREATE TABLE citus_probe (id bigserial PRIMARY KEY, name text UNIQUE)"],
            "citus_probe: no organization_id column and not listed",
        ),
        (
            [
                "CREATE TABLE citus_probe (id bigserial PRIMARY KEY, organization_id bigint NOT NULL, "
                "name text, UNIQUE (organization_id, id))",
                "CREATE UNIQUE INDEX citus_probe_name ON citus_probe (name)",
            ],
            "citus_probe.citus_probe_name: unique on (name) without organization_id",
        ),
        (
            [
                "CREATE TABLE citus_probe (id bigserial PRIMARY KEY, organization_id bigint NOT NULL, "
                "name text, UNIQUE (organization_id, id))",
                "CREATE UNIQUE INDEX citus_probe_name ON citus_probe (name, organization_id)",
            ],
            "citus_probe.citus_probe_name: unique on (name, organization_id) does not lead with organization_id",
        ),
        (
            ["CREATE TABLE citus_probe (id bigserial PRIMARY KEY, organization_id bigint NOT NULL)"],
            "citus_probe: no unique (organization_id, id) key",
        ),
        (
            [
                "CREATE TABLE citus_probe (id bigserial PRIMARY KEY, organization_id bigint NOT NULL, "
                "interview_id bigint REFERENCES interviews_interview (id), UNIQUE (organization_id, id))",
            ],
            "citus_probe.citus_probe_interview_id_fkey: foreign key (interview_id) to tenant table interviews_interview",
        ),
        (
            [
                "CREATE TABLE citus_probe (id bigserial PRIMARY KEY, interview_id bigint REFERENCES interviews_interview (id))"
            ],
            "citus_probe.citus_probe_interview_id_fkey: global table references tenant table interviews_interview",
        ),
    ],
)
def test_a_new_table_that_breaks_a_rule_fails(statements, expected):
    problems = _with(*statements)
    assert any(problem.startswith(expected) for problem in problems), problems


def test_a_compliant_new_tenant_table_passes():
    problems = _with(
        "CREATE TABLE citus_probe (id bigserial PRIMARY KEY, organization_id bigint NOT NULL, "
        "interview_id bigint REFERENCES interviews_interview (id), UNIQUE (organization_id, id), "
        "UNIQUE (organization_id, interview_id), "
        "FOREIGN KEY (organization_id, interview_id) REFERENCES interviews_interview (organization_id, id))",
    )
    assert problems == []
