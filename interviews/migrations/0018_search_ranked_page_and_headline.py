"""A search page ranked where the rows are read, and headlines that parse only the matched part (PostgreSQL only).

`utterance_ranked_ids(query, page_limit, page_offset)`: the page of the
active organisation's matching utterance ids, best ranked first. Ranking
inside the function ranks each match while the GIN bitmap scan has its row in
hand; ranking outside read every match's row a second time by primary key,
which was most of a common search's time (a pair of common words matches
thousands of utterances). Like the match functions of migration 0009 it runs
as its owner, returns ids alone, and only of the organisation in `app.org_id`.
It is declared to return a page's worth of rows (ROWS 21), not the default
1000: told 1000, the planner read all of a small organisation's utterances to
join them with the page when a big neighbour skewed its statistics.

`search_headline(doc, query, options)`: ts_headline re-parses the whole
document, which for a pasted 30,000-character monologue costs more than the
search. A long document is cut to a window around the first word that starts
with a lexeme of the query (whole words at both ends), and only that window is parsed;
when no lexeme appears as written (a stem that is no prefix of its word), the
whole document is, as before.
"""

from django.db import migrations

RANKED = """
CREATE OR REPLACE FUNCTION utterance_ranked_ids(query tsquery, page_limit integer, page_offset integer)
RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp ROWS 21 AS $$
    SELECT id FROM interviews_utterance
    WHERE organization_id = NULLIF(current_setting('app.org_id', true), '')::bigint
      AND search_vector @@ query
    ORDER BY ts_rank_cd(search_vector, query, 1) DESC, id DESC
    LIMIT page_limit OFFSET page_offset
$$
"""

HEADLINE = """
CREATE OR REPLACE FUNCTION search_headline(doc text, query tsquery, options text) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    window_size CONSTANT integer := 3000;
    lowered text;
    lexeme text;
    found integer;
    first_match integer;
    start integer;
    excerpt text;
BEGIN
    IF length(doc) <= window_size THEN
        RETURN ts_headline('english', doc, query, options);
    END IF;
    lowered := lower(doc);
    -- The query's lexemes ('hey' <-> 'transit' & 'happi':*), parsed as plain words.
    FOREACH lexeme IN ARRAY tsvector_to_array(to_tsvector('simple', querytree(query))) LOOP
        -- Where a word starts with it (the stem 'transit' of "transition"), not inside another word.
        found := regexp_instr(lowered, '\\m' || regexp_replace(lexeme, '([^[:alnum:]_])', '\\\\\\1', 'g'));
        IF found > 0 AND (first_match IS NULL OR found < first_match) THEN
            first_match := found;
        END IF;
    END LOOP;
    IF first_match IS NULL THEN
        RETURN ts_headline('english', doc, query, options);
    END IF;
    start := greatest(1, first_match - window_size / 3);
    excerpt := substr(doc, start, window_size);
    -- Drop a word the window cuts into at either end.
    IF start > 1 AND substr(doc, start - 1, 1) !~ '\\s' THEN
        excerpt := regexp_replace(excerpt, '^\\S*\\s+', '');
    END IF;
    IF start + window_size <= length(doc) AND substr(doc, start + window_size, 1) !~ '\\s' THEN
        excerpt := regexp_replace(excerpt, '\\s+\\S*$', '');
    END IF;
    RETURN ts_headline('english', excerpt, query, options);
END
$$
"""


def _forward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(RANKED)
    schema_editor.execute("REVOKE ALL ON FUNCTION utterance_ranked_ids(tsquery, integer, integer) FROM PUBLIC")
    schema_editor.execute(HEADLINE)


def _backward(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP FUNCTION IF EXISTS utterance_ranked_ids(tsquery, integer, integer)")
    schema_editor.execute("DROP FUNCTION IF EXISTS search_headline(text, tsquery, text)")


class Migration(migrations.Migration):
    dependencies = [("interviews", "0017_media_uploads_and_silencing")]

    operations = [migrations.RunPython(_forward, _backward)]
