"""Full-text search on utterances (PostgreSQL only; SQLite searches with LIKE).

A stored generated tsvector and a GIN index led by organization_id (btree_gin),
so a tenant's search reads only that tenant's part of the index.
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "ALTER TABLE interviews_utterance ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, coalesce(text, ''))) STORED",
    "CREATE INDEX utterance_org_search_gin ON interviews_utterance USING gin (organization_id, search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS utterance_org_search_gin",
    "ALTER TABLE interviews_utterance DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("interviews", "0002_initial")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
