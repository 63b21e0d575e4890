"""The triggers that keep `OpenClaimCount` (models/figures.py) equal to the open claims.

Each open claim (any status but closed) is counted in three rows of its store and assignee (0
when unassigned): the UTC hour, day and month its response is due (a claim with no due time as
if due at `OpenClaimCount.NO_DUE`). Like the win tallies (win_tallies.py), these add and take away:
a write moves its own claim out of the rows it was in and into the rows it is in now, so two
transactions writing claims of the same day each add their own under the row's lock.

On PostgreSQL every write is added up once per statement from its transition tables (the
importer's COPY among them), in one call of `desk_open_count_add`, which takes the count rows'
locks in one order: two transactions each updating many claims at once (two managers
reassigning, a rule and a manager) queue on the first row they share instead of each holding
a row the other needs, as a trigger run claim by claim would (a deadlock). An update that
changes no claim's store, assignee, due time or status (the deadline sweep's) writes no count
row. SQLite does the same row by row (one writer at a time there).

`rebuild()` counts everything again: the migration that adds the table runs it, and so must
anything that empties the claim table with TRUNCATE, which fires no trigger.
"""

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
  HAVING sum(u.n) <> 0  -- one claim moved out of a row and another into it: nothing to write
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

-- PostgreSQL allows transition tables only on a trigger without a column list, so this runs
-- after every UPDATE of the claim table: the claims whose counted columns did not change are
-- left out by the join, and when none did it returns without writing.
CREATE OR REPLACE FUNCTION desk_open_count_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  stores bigint[];
  assignees bigint[];
  dues timestamptz[];
  n int[];
BEGIN
  SELECT array_agg(m.s), array_agg(m.a), array_agg(m.d), array_agg(m.n)
  INTO stores, assignees, dues, n
  FROM old_rows o JOIN new_rows c USING (id),
  LATERAL (VALUES
    (o.store_id, coalesce(o.assignee_id, 0), {_pg_due("o.")}, -(o.status <> {_CLOSED})::int),
    (c.store_id, coalesce(c.assignee_id, 0), {_pg_due("c.")}, (c.status <> {_CLOSED})::int)
  ) AS m(s, a, d, n)
  WHERE (o.store_id, o.assignee_id, o.respond_by, o.status)
        IS DISTINCT FROM (c.store_id, c.assignee_id, c.respond_by, c.status);
  IF stores IS NOT NULL THEN
    PERFORM desk_open_count_add(stores, assignees, dues, n);
  END IF;
  RETURN NULL;
END $$;

CREATE TRIGGER desk_open_count_insert AFTER INSERT ON disputes_claim
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_open_count_statement();
CREATE TRIGGER desk_open_count_delete AFTER DELETE ON disputes_claim
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_open_count_statement();
CREATE TRIGGER desk_open_count_update AFTER UPDATE ON disputes_claim
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION desk_open_count_update();
"""

_PG_DROP = """
DROP TRIGGER IF EXISTS desk_open_count_insert ON disputes_claim;
DROP TRIGGER IF EXISTS desk_open_count_delete ON disputes_claim;
DROP TRIGGER IF EXISTS desk_open_count_update ON disputes_claim;
DROP FUNCTION IF EXISTS desk_open_count_statement();
DROP FUNCTION IF EXISTS desk_open_count_update();
DROP FUNCTION IF EXISTS desk_open_count_row();  -- the row trigger's, before 0037
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


_TRIGGERS = TriggerSet(_PG_ADD, _PG_DROP, _SQLITE_NAMES, _SQLITE_TRIGGERS, _PG_REBUILD, _SQLITE_REBUILD)

# Create the triggers (and, on PostgreSQL, their functions), then count everything; drop them;
# count every open claim again (after a TRUNCATE or a COPY with triggers off, or to check the
# rows).
install = _TRIGGERS.install
uninstall = _TRIGGERS.uninstall
rebuild = _TRIGGERS.rebuild
