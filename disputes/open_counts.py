"""The triggers that keep `OpenClaimCount` (models/figures.py) equal to the open claims.

Each open claim (any status but closed) is counted in three rows of its store and assignee (0
when unassigned): the UTC hour, day and month its response is due (a claim with no due time as
if due at `OpenClaimCount.NO_DUE`). Like the win tallies (win_tallies.py), these add and take away:
a write moves its own claim out of the rows it was in and into the rows it is in now, so two
transactions writing claims of the same day each add their own under the row's lock.

On PostgreSQL, inserts and deletes (the importer's COPY among them) are added up once per
statement from its transition table; an update fires only when the store, assignee, due time
or status changes (the deadline sweep's updates do not). SQLite does the same row by row.

`rebuild()` counts everything again: the migration that adds the table runs it, and so must
anything that empties the claim table with TRUNCATE, which fires no trigger.
"""

from django.db import connection

from .db_triggers import TriggerSet
from .models import ClaimStatus, OpenClaimCount

_CLOSED = f"'{ClaimStatus.CLOSED.value}'"
_NO_DUE = f"'{OpenClaimCount.NO_DUE}'"
_NO_DUE_UTC = f"'{OpenClaimCount.NO_DUE}+00'"
_TABLE = OpenClaimCount._meta.db_table

# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_due(row: str) -> str:
    return f"coalesce({row}respond_by, TIMESTAMPTZ {_NO_DUE_UTC})"


# Each span's row, from the due time `d`.
_PG_SPANS = ", ".join(f"('{span}', date_trunc('{span}', d, 'UTC'))" for span in OpenClaimCount.SPANS)


_PG_ADD = f"""
CREATE OR REPLACE FUNCTION desk_open_count_add(stores bigint[], assignees bigint[],
                                               dues timestamptz[], n int[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO {_TABLE} (store_id, span, due, assignee, claims)
  SELECT u.s, p.span, p.due, u.a, sum(u.n)
  FROM unnest(stores, assignees, dues, n) AS u(s, a, d, n),
  LATERAL (VALUES {_PG_SPANS}) AS p(span, due)
  WHERE u.n <> 0
  GROUP BY 1, 2, 3, 4
  ORDER BY 1, 2, 3, 4  -- the same lock order in every transaction
  ON CONFLICT (store_id, span, due, assignee) DO UPDATE
    SET claims = {_TABLE}.claims + EXCLUDED.claims
$$;

CREATE OR REPLACE FUNCTION desk_open_count_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sign int := CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END;
BEGIN
  PERFORM desk_open_count_add(array_agg(store_id), array_agg(coalesce(assignee_id, 0)),
                              array_agg({_pg_due("")}), array_agg(sign))
  FROM changed WHERE status <> {_CLOSED};
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_open_count_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_open_count_add(
    ARRAY[OLD.store_id, NEW.store_id],
    ARRAY[coalesce(OLD.assignee_id, 0), coalesce(NEW.assignee_id, 0)],
    ARRAY[{_pg_due("OLD.")}, {_pg_due("NEW.")}],
    ARRAY[-(OLD.status <> {_CLOSED})::int, (NEW.status <> {_CLOSED})::int]);
  RETURN NULL;
END $$;

CREATE TRIGGER desk_open_count_insert AFTER INSERT ON disputes_claim
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_open_count_statement();
CREATE TRIGGER desk_open_count_delete AFTER DELETE ON disputes_claim
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_open_count_statement();
CREATE TRIGGER desk_open_count_update AFTER UPDATE OF store_id, assignee_id, respond_by, status
  ON disputes_claim
  FOR EACH ROW WHEN (OLD.store_id IS DISTINCT FROM NEW.store_id
                     OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id
                     OR OLD.respond_by IS DISTINCT FROM NEW.respond_by
                     OR OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION desk_open_count_row();
"""

_PG_DROP = """
DROP TRIGGER IF EXISTS desk_open_count_insert ON disputes_claim;
DROP TRIGGER IF EXISTS desk_open_count_delete ON disputes_claim;
DROP TRIGGER IF EXISTS desk_open_count_update ON disputes_claim;
DROP FUNCTION IF EXISTS desk_open_count_statement();
DROP FUNCTION IF EXISTS desk_open_count_row();
DROP FUNCTION IF EXISTS desk_open_count_add(bigint[], bigint[], timestamptz[], int[]);
"""

_PG_REBUILD = [
    f"DELETE FROM {_TABLE}",
    f"""INSERT INTO {_TABLE} (store_id, span, due, assignee, claims)
    SELECT c.store_id, p.span, p.due, c.assignee, count(*)
    FROM (SELECT store_id, coalesce(assignee_id, 0) AS assignee, {_pg_due("")} AS d
          FROM disputes_claim WHERE status <> {_CLOSED}) c,
    LATERAL (VALUES {_PG_SPANS}) AS p(span, due)
    GROUP BY 1, 2, 3, 4""",
]

# --- SQLite -------------------------------------------------------------------------------
# Times are stored as text in UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]": the start of a span is a
# prefix of it.
_SQLITE_STARTS = {
    OpenClaimCount.HOUR: "%Y-%m-%d %H:00:00",
    OpenClaimCount.DAY: "%Y-%m-%d 00:00:00",
    OpenClaimCount.MONTH: "%Y-%m-01 00:00:00",
}


def _sqlite_due(row: str) -> list[tuple[str, str]]:
    """(span, due) of a claim's three rows, as SQL on the trigger's row."""
    return [
        (span, f"strftime('{start}', coalesce({row}respond_by, {_NO_DUE}))")
        for span, start in _SQLITE_STARTS.items()
    ]


def _sqlite_add(row: str, sign: int) -> str:
    return "".join(
        f"""
  INSERT INTO {_TABLE} (store_id, span, due, assignee, claims)
  SELECT {row}.store_id, '{span}', {due}, coalesce({row}.assignee_id, 0), {sign}
  WHERE {row}.status <> {_CLOSED}
  ON CONFLICT (store_id, span, due, assignee) DO UPDATE SET claims = claims + excluded.claims;"""
        for span, due in _sqlite_due(f"{row}.")
    )


_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER desk_open_count_insert AFTER INSERT ON disputes_claim BEGIN {_sqlite_add('NEW', 1)} END",
    f"CREATE TRIGGER desk_open_count_delete AFTER DELETE ON disputes_claim BEGIN {_sqlite_add('OLD', -1)} END",
    "CREATE TRIGGER desk_open_count_update AFTER UPDATE OF store_id, assignee_id, respond_by, status "
    "ON disputes_claim FOR EACH ROW WHEN OLD.store_id IS NOT NEW.store_id "
    "OR OLD.assignee_id IS NOT NEW.assignee_id OR OLD.respond_by IS NOT NEW.respond_by "
    "OR OLD.status IS NOT NEW.status "
    f"BEGIN {_sqlite_add('OLD', -1)} {_sqlite_add('NEW', 1)} END",
]
_SQLITE_NAMES = ["desk_open_count_insert", "desk_open_count_delete", "desk_open_count_update"]
_SQLITE_REBUILD = [
    f"DELETE FROM {_TABLE}",
    *(
        f"""INSERT INTO {_TABLE} (store_id, span, due, assignee, claims)
        SELECT store_id, '{span}', {due}, coalesce(assignee_id, 0), count(*)
        FROM disputes_claim WHERE status <> {_CLOSED} GROUP BY 1, 2, 3, 4"""
        for span, due in _sqlite_due("")
    ),
]


_TRIGGERS = TriggerSet(_PG_ADD, _PG_DROP, _SQLITE_NAMES, _SQLITE_TRIGGERS)


def install(schema_editor=None) -> None:
    """Create the triggers (and, on PostgreSQL, their functions), then count everything."""
    rebuild(_TRIGGERS.install(schema_editor))


def uninstall(schema_editor=None) -> None:
    _TRIGGERS.uninstall(schema_editor)


def rebuild(conn=None) -> None:
    """Count every open claim again (after a TRUNCATE or a COPY with triggers off, or to check
    the rows)."""
    conn = conn or connection
    with conn.cursor() as cursor:
        for statement in _PG_REBUILD if conn.vendor == "postgresql" else _SQLITE_REBUILD:
            cursor.execute(statement)
