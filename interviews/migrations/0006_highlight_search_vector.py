"""Full-text search on highlights (quote and note), PostgreSQL only, GIN led by the org."""

from django.db import migrations

FORWARD = [
    "ALTER TABLE interviews_highlight ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english'::regconfig, coalesce(quote, '') || ' ' || coalesce(note, ''))) STORED",
    "CREATE INDEX highlight_org_search_gin ON interviews_highlight USING gin (organization_id, search_vector)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS highlight_org_search_gin",
    "ALTER TABLE interviews_highlight DROP COLUMN IF EXISTS search_vector",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("interviews", "0005_evidence")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
