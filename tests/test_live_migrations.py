"""Indexes added to existing tables are built without blocking writes (#13: list-order indexes).

A plain CREATE INDEX on a live table blocks its writes until the index is built; the project's migrations
use AddIndexOnLiveTable (CREATE INDEX CONCURRENTLY on PostgreSQL, in a non-atomic migration) for any table
that already exists. Plain AddIndex stays allowed for a table created in the same migration, or in an initial
migration (Django splits those, and their tables are new and empty).
"""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations import AddIndex, CreateModel, RemoveIndex

from empathy_site.tenancy.migration_ops import AddIndexOnLiveTable, RemoveIndexOnLiveTable

PROJECT_APPS = {"tenancy", "api", "sync", "interviews", "personas"}
LIST_ORDER = [("interviews", "0012_list_order_indexes"), ("personas", "0004_list_order_indexes"),
              ("sync", "0003_list_order_indexes")]


def _project_migrations():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [migration for (app, _), migration in loader.disk_migrations.items() if app in PROJECT_APPS]


def test_every_index_on_an_existing_table_is_built_concurrently():
    blocking = []
    for migration in _project_migrations():
        if migration.initial:
            continue
        created_here = {op.name_lower for op in migration.operations if isinstance(op, CreateModel)}
        for op in migration.operations:
            live = isinstance(op, AddIndexOnLiveTable | RemoveIndexOnLiveTable)
            if isinstance(op, AddIndex | RemoveIndex) and not live and op.model_name_lower not in created_here:
                blocking.append(f"{migration.app_label}.{migration.name}: {op.describe()}")
            if live and migration.atomic:
                blocking.append(f"{migration.app_label}.{migration.name} must set atomic = False")
    assert blocking == []


@pytest.mark.postgres  # CREATE INDEX CONCURRENTLY is PostgreSQL's; SQLite creates them plainly
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("app", "name"), LIST_ORDER)
def test_list_order_indexes_are_created_concurrently_outside_a_transaction(app, name):
    loader = MigrationLoader(connection)
    migration = loader.get_migration(app, name)
    assert migration.atomic is False
    state = loader.project_state((app, name), at_end=False)
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        migration.apply(state, editor, collect_sql=True)
    creates = [sql for sql in editor.collected_sql if "CREATE INDEX" in sql]
    assert creates and all("CREATE INDEX CONCURRENTLY" in sql for sql in creates), creates
    drops = [sql for sql in editor.collected_sql if "DROP INDEX" in sql]
    assert all("DROP INDEX CONCURRENTLY" in sql for sql in drops), drops
