"""Migration operations for tables that are live while the migration runs.

A plain CREATE INDEX holds a lock that blocks every write to the table until the index is built (minutes
on a big tenant table). On PostgreSQL these build and drop indexes CONCURRENTLY, which PostgreSQL refuses
inside a transaction: a migration using them declares `atomic = False`. On SQLite (the embedded mode of
`make run`) there is no live traffic and no CONCURRENTLY: they fall back to the plain operations.

Data migrations that rewrite every organisation's rows go through `update_every_organization`.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db.migrations.operations import AddIndex, RemoveIndex


def _postgresql(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql"


class AddIndexOnLiveTable(AddIndexConcurrently):
    """AddIndex, built with CREATE INDEX CONCURRENTLY on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _postgresql(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _postgresql(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexOnLiveTable(RemoveIndexConcurrently):
    """RemoveIndex, dropped with DROP INDEX CONCURRENTLY on PostgreSQL."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if _postgresql(schema_editor):
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if _postgresql(schema_editor):
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


def update_every_organization(schema_editor, table: str, statements: list[str]) -> None:
    """Run UPDATEs over every organisation's rows of `table`. A table owner is subject to row-level security once
    it is forced (it would see no rows, with no organisation active), so it is lifted for these statements only,
    inside the migration's transaction. Deferred constraints are checked before the function returns."""
    connection = schema_editor.connection
    forced = False
    if _postgresql(schema_editor):
        with connection.cursor() as cursor:
            cursor.execute("SELECT relforcerowsecurity FROM pg_class WHERE oid = %s::regclass", [table])
            forced = bool(cursor.fetchone()[0])
    if forced:
        schema_editor.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    for statement in statements:
        schema_editor.execute(statement)
    if _postgresql(schema_editor):
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # nothing pending when later operations alter the table
    if forced:
        schema_editor.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
