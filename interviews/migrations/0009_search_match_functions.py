"""Full-text matching that can use the GIN index despite row-level security (PostgreSQL only).

Under RLS PostgreSQL only pushes LEAKPROOF operators into an index scan, and
`@@` is not one, so a search read the whole organisation. These functions run
as their owner (the migrating role), look up only the active organisation's
matching ids through the GIN index, and return ids alone: the caller then reads
the rows under RLS as usual. The organisation comes from the same
transaction-local `app.org_id` the policies use, compared as bigint so the
index's organization_id column applies. Speed needs an owner that bypasses
RLS (superuser or BYPASSRLS); with any other owner the result is the same,
just without the index.
"""

from django.db import migrations

FUNCTIONS = {
    "utterance_match_ids": "interviews_utterance",
    "highlight_match_ids": "interviews_highlight",
}


def _forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table in FUNCTIONS.items():
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {name}(query tsquery) RETURNS SETOF bigint
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
                SELECT id FROM {table}
                WHERE organization_id = NULLIF(current_setting('app.org_id', true), '')::bigint
                  AND search_vector @@ query
            $$
            """
        )
        schema_editor.execute(f"REVOKE ALL ON FUNCTION {name}(tsquery) FROM PUBLIC")


def _backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in FUNCTIONS:
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}(tsquery)")


class Migration(migrations.Migration):
    dependencies = [("interviews", "0008_participant_external_ids")]

    operations = [migrations.RunPython(_forward, _backward)]
