"""The triggers that keep `WinTally` (models/figures.py) equal to the claims fought to a decision.

Each row counts a store's claims of one reason opened on one UTC day whose outcome is a fight's
(won, or granted to the buyer), and the won ones among them. Unlike the hour counts
(store_hours.py), which recount a whole hour, these add and take away: a claim is in exactly one
row, so a write moves its own claim out of the row it was in and into the row it is in now. Two
transactions writing claims of the same day then each add their own, under the row's lock, and
neither overwrites the other's count.

On PostgreSQL, inserts and deletes (the importer's COPY among them) are added up once per
statement from its transition table; an update fires only when the store, reason, opening time
or outcome changes (the deadline sweep's updates do not). SQLite does the same row by row.

`rebuild()` counts everything again: the migration that adds the table runs it, and so must
anything that empties the claim table with TRUNCATE, which fires no trigger.
"""

from django.db import connection

from .db_triggers import TriggerSet
from .models import Outcome
from .winrates import fought_outcomes

_WON = ", ".join(f"'{o.value}'" for o in Outcome.wins())
_FOUGHT = ", ".join(f"'{o.value}'" for o in fought_outcomes())

# --- PostgreSQL ---------------------------------------------------------------------------

_PG_ADD = f"""
CREATE OR REPLACE FUNCTION desk_win_tally_add(stores bigint[], reasons text[], days date[],
                                              wins int[], fought int[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO disputes_wintally (store_id, reason, day, won, decided)
  SELECT s, r, d, sum(w), sum(n)
  FROM unnest(stores, reasons, days, wins, fought) AS u(s, r, d, w, n)
  WHERE n <> 0
  GROUP BY s, r, d
  ORDER BY s, d, r  -- the same lock order in every transaction
  ON CONFLICT (store_id, day, reason) DO UPDATE
    SET won = disputes_wintally.won + EXCLUDED.won,
        decided = disputes_wintally.decided + EXCLUDED.decided
$$;

CREATE OR REPLACE FUNCTION desk_win_tally_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sign int := CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END;
BEGIN
  PERFORM desk_win_tally_add(array_agg(store_id), array_agg(reason::text),
                             array_agg((opened_at AT TIME ZONE 'UTC')::date),
                             array_agg(sign * (outcome IN ({_WON}))::int), array_agg(sign))
  FROM changed WHERE outcome IN ({_FOUGHT});
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_win_tally_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_win_tally_add(
    ARRAY[OLD.store_id, NEW.store_id],
    ARRAY[OLD.reason::text, NEW.reason::text],
    ARRAY[(OLD.opened_at AT TIME ZONE 'UTC')::date, (NEW.opened_at AT TIME ZONE 'UTC')::date],
    ARRAY[-(OLD.outcome IN ({_WON}))::int, (NEW.outcome IN ({_WON}))::int],
    ARRAY[-(OLD.outcome IN ({_FOUGHT}))::int, (NEW.outcome IN ({_FOUGHT}))::int]);
  RETURN NULL;
END $$;

CREATE TRIGGER desk_win_tally_insert AFTER INSERT ON disputes_claim
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_win_tally_statement();
CREATE TRIGGER desk_win_tally_delete AFTER DELETE ON disputes_claim
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_win_tally_statement();
CREATE TRIGGER desk_win_tally_update AFTER UPDATE OF store_id, reason, opened_at, outcome
  ON disputes_claim
  FOR EACH ROW WHEN (OLD.store_id IS DISTINCT FROM NEW.store_id
                     OR OLD.reason IS DISTINCT FROM NEW.reason
                     OR OLD.opened_at IS DISTINCT FROM NEW.opened_at
                     OR OLD.outcome IS DISTINCT FROM NEW.outcome)
  EXECUTE FUNCTION desk_win_tally_row();
"""

_PG_DROP = """
DROP TRIGGER IF EXISTS desk_win_tally_insert ON disputes_claim;
DROP TRIGGER IF EXISTS desk_win_tally_delete ON disputes_claim;
DROP TRIGGER IF EXISTS desk_win_tally_update ON disputes_claim;
DROP FUNCTION IF EXISTS desk_win_tally_statement();
DROP FUNCTION IF EXISTS desk_win_tally_row();
DROP FUNCTION IF EXISTS desk_win_tally_add(bigint[], text[], date[], int[], int[]);
"""

_PG_REBUILD = [
    "DELETE FROM disputes_wintally",
    f"""INSERT INTO disputes_wintally (store_id, reason, day, won, decided)
    SELECT store_id, reason, (opened_at AT TIME ZONE 'UTC')::date,
           count(*) FILTER (WHERE outcome IN ({_WON})), count(*)
    FROM disputes_claim WHERE outcome IN ({_FOUGHT}) GROUP BY 1, 2, 3""",
]

# --- SQLite -------------------------------------------------------------------------------
# Times are stored as text in UTC, "YYYY-MM-DD HH:MM:SS[.ffffff]": date() gives the UTC day.


def _sqlite_add(row: str, sign: int) -> str:
    return f"""
  INSERT INTO disputes_wintally (store_id, reason, day, won, decided)
  SELECT {row}.store_id, {row}.reason, date({row}.opened_at), {sign} * ({row}.outcome IN ({_WON})), {sign}
  WHERE {row}.outcome IN ({_FOUGHT})
  ON CONFLICT (store_id, day, reason) DO UPDATE
    SET won = won + excluded.won, decided = decided + excluded.decided;"""


_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER desk_win_tally_insert AFTER INSERT ON disputes_claim BEGIN {_sqlite_add('NEW', 1)} END",
    f"CREATE TRIGGER desk_win_tally_delete AFTER DELETE ON disputes_claim BEGIN {_sqlite_add('OLD', -1)} END",
    "CREATE TRIGGER desk_win_tally_update AFTER UPDATE OF store_id, reason, opened_at, outcome "
    "ON disputes_claim FOR EACH ROW WHEN OLD.store_id IS NOT NEW.store_id "
    "OR OLD.reason IS NOT NEW.reason OR OLD.opened_at IS NOT NEW.opened_at "
    "OR OLD.outcome IS NOT NEW.outcome "
    f"BEGIN {_sqlite_add('OLD', -1)} {_sqlite_add('NEW', 1)} END",
]
_SQLITE_NAMES = ["desk_win_tally_insert", "desk_win_tally_delete", "desk_win_tally_update"]
_SQLITE_REBUILD = [
    "DELETE FROM disputes_wintally",
    f"""INSERT INTO disputes_wintally (store_id, reason, day, won, decided)
    SELECT store_id, reason, date(opened_at), sum(outcome IN ({_WON})), count(*)
    FROM disputes_claim WHERE outcome IN ({_FOUGHT}) GROUP BY 1, 2, 3""",
]


_TRIGGERS = TriggerSet(_PG_ADD, _PG_DROP, _SQLITE_NAMES, _SQLITE_TRIGGERS)


def install(schema_editor=None) -> None:
    """Create the triggers (and, on PostgreSQL, their functions), then count everything."""
    rebuild(_TRIGGERS.install(schema_editor))


def uninstall(schema_editor=None) -> None:
    _TRIGGERS.uninstall(schema_editor)


def rebuild(conn=None) -> None:
    """Count every day again from the claims (after a TRUNCATE, or to check them)."""
    conn = conn or connection
    with conn.cursor() as cursor:
        for statement in _PG_REBUILD if conn.vendor == "postgresql" else _SQLITE_REBUILD:
            cursor.execute(statement)
