"""Raw psycopg 3 COPY of utterance rows: the reference the service layer is measured against.

PostgreSQL refuses `COPY ... FROM` into a table whose row-level security applies
to the current role ("COPY FROM not supported with row-level security"), and
RLS is forced on interviews_utterance. So there are two references:

- StagedCopy, as the runtime role with RLS in force: COPY into a session temp
  table, then one INSERT ... SELECT into the real table (policies checked per
  row). This is the fastest load the production role can do.
- PlainCopy, straight into the table, as a role that bypasses RLS (superuser
  or BYPASSRLS, e.g. the default `postgres` owner on a dev machine): the floor.

Both load one transcript per transaction, as the service commits per transcript.
"""

from __future__ import annotations

import uuid

from psycopg import sql

COLUMNS = ("organization_id", "public_id", "interview_id", "position", "speaker_id", "start_ms", "end_ms", "text")
_TABLE = "interviews_utterance"
_STAGE = "bench_utterance_stage"
_COLUMN_LIST = sql.SQL(", ").join(map(sql.Identifier, COLUMNS))


def utterance_rows(org_id: int, interview_id: int, speakers: dict[str, int], turns) -> list[tuple]:
    # Public ids are made in Python, as the ORM does (the column has no database default).
    return [
        (org_id, uuid.uuid4(), interview_id, position, speakers[t.speaker], t.start_ms, t.end_ms, t.text)
        for position, t in enumerate(turns)
    ]


def _bind_org(conn, org_id: int) -> None:
    conn.execute("SELECT set_config('app.org_id', %s, true)", [str(org_id)])


def _copy_into(conn, table: str, rows: list[tuple]) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), _COLUMN_LIST)
    with conn.cursor().copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


class StagedCopy:
    label = "COPY→temp→INSERT, RLS on"

    def __init__(self, conn):
        self.conn = conn
        # Made once per session; ON COMMIT DELETE ROWS empties it after every load.
        conn.execute(sql.SQL(
            "CREATE TEMP TABLE IF NOT EXISTS {} (organization_id bigint, public_id uuid, interview_id bigint, "
            "position integer, speaker_id bigint, start_ms bigint, end_ms bigint, text text) ON COMMIT DELETE ROWS"
        ).format(sql.Identifier(_STAGE)))

    def load(self, org_id: int, rows: list[tuple]) -> None:
        with self.conn.transaction():
            _bind_org(self.conn, org_id)
            _copy_into(self.conn, _STAGE, rows)
            self.conn.execute(sql.SQL("INSERT INTO {} ({cols}) SELECT {cols} FROM {}").format(
                sql.Identifier(_TABLE), sql.Identifier(_STAGE), cols=_COLUMN_LIST))


class PlainCopy:
    label = "plain COPY, RLS bypassed"

    def __init__(self, conn):
        self.conn = conn

    def load(self, org_id: int, rows: list[tuple]) -> None:
        with self.conn.transaction():
            _bind_org(self.conn, org_id)  # ignored when RLS is bypassed; kept so the work matches
            _copy_into(self.conn, _TABLE, rows)
