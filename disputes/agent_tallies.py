"""The triggers that keep `AgentDayTally` (models/figures.py) equal to the claims decided.

A claim is counted when it has an outcome, the moment the platform decided (`decided_at`) and an
assignee: in the row of its store, that assignee and the UTC day of the decision, as one claim
decided, and one won when its outcome is a win (`Outcome.wins()`). These are exactly the claims
the managers' per-agent figures and an agent's own day count (disputes/selectors/agents.py
reads the same `counted()` and `won()` for the part of a day it takes from the claims). Like the
win tallies (win_tallies.py), these add and take away: a write moves its own claim out of the
row it was in and into the row it is in now, so two transactions deciding claims of the same
agent and day each add their own under the row's lock, in the order of the table's key
(store, day, assignee) whatever the claims.

On PostgreSQL, inserts and deletes (a COPY, an order's claims deleted with it) are added up
once per statement from its transition table; an update fires, row by row, only when the store,
assignee, moment of decision or outcome of a claim decided before or after it changes, so the
deadline sweep's updates, the claim page's other writes and the assignment of claims not yet
decided do not. SQLite does the same row by row. Row by row, one UPDATE of many decided claims
takes their rows' locks claim by claim, not in key order: the desk changes these columns a claim
per statement, but for a user's deletion, which unassigns all their claims at once and so takes
only that user's rows.

`rebuild()` counts everything again: the migration that adds the table runs it, and so must
anything that fills the claim table with its triggers off or empties it with TRUNCATE.
"""

from .db_triggers import TriggerSet
from .models import AgentDayTally, Outcome

_TABLE = AgentDayTally._meta.db_table
_WON = ", ".join(f"'{o.value}'" for o in Outcome.wins())
# The columns a claim is counted by: an update that changes none of them leaves its rows.
_COLUMNS = ["store_id", "assignee_id", "decided_at", "outcome"]
_COLUMN_LIST = ", ".join(_COLUMNS)


def counted(row: str = "") -> str:
    """SQL: whether the claim `row` (a prefix such as "NEW.", or "" for the table's own columns)
    is counted as decided. The same on PostgreSQL and SQLite."""
    return f"({row}outcome <> '' AND {row}decided_at IS NOT NULL AND {row}assignee_id IS NOT NULL)"


def won(row: str = "") -> str:
    """SQL: 1 when the claim `row` is counted and won, else 0."""
    return f"(CASE WHEN {counted(row)} AND {row}outcome IN ({_WON}) THEN 1 ELSE 0 END)"


def _moved(differs: str) -> str:
    """SQL: whether an update may move the claim in the tallies (`differs`: the dialect's
    operator): it changed a counted column of a claim counted before or after. Reassigning or
    rescheduling a claim not decided yet, the usual update, leaves them."""
    changed = " OR ".join(f"OLD.{column} {differs} NEW.{column}" for column in _COLUMNS)
    return f"({changed}) AND ({counted('OLD.')} OR {counted('NEW.')})"


# --- PostgreSQL ---------------------------------------------------------------------------


def _pg_values(row: str, sign: str) -> str:
    """(store, assignee, day, decided, won) of a claim, both figures 0 when it is not counted."""
    return (
        f"{row}store_id, {row}assignee_id, ({row}decided_at AT TIME ZONE 'UTC')::date, "
        f"{sign} * ({counted(row)})::int, {sign} * {won(row)}"
    )


_PG_CREATE = f"""
CREATE OR REPLACE FUNCTION desk_agent_tally_add(stores bigint[], assignees bigint[], days date[],
                                                n int[], w int[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO {_TABLE} (store_id, assignee_id, day, decided, won)
  SELECT s, a, d, sum(n), sum(w)
  FROM unnest(stores, assignees, days, n, w) AS u(s, a, d, n, w)
  WHERE n <> 0
  GROUP BY s, a, d
  HAVING sum(n) <> 0 OR sum(w) <> 0  -- a claim moved out of a row and back: nothing to write
  ORDER BY s, d, a  -- the same lock order in every transaction
  ON CONFLICT (store_id, day, assignee_id) DO UPDATE
    SET decided = {_TABLE}.decided + EXCLUDED.decided,
        won = {_TABLE}.won + EXCLUDED.won
$$;

CREATE OR REPLACE FUNCTION desk_agent_tally_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sign int := CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END;
BEGIN
  PERFORM desk_agent_tally_add(array_agg(s), array_agg(a), array_agg(d), array_agg(n), array_agg(w))
  FROM (SELECT {_pg_values("", "sign")} FROM changed WHERE {counted()}) AS m(s, a, d, n, w);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_agent_tally_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_agent_tally_add(array_agg(s), array_agg(a), array_agg(d), array_agg(n), array_agg(w))
  FROM (VALUES ({_pg_values("OLD.", "-1")}), ({_pg_values("NEW.", "1")})) AS m(s, a, d, n, w);
  RETURN NULL;
END $$;

CREATE TRIGGER desk_agent_tally_insert AFTER INSERT ON disputes_claim
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_agent_tally_statement();
CREATE TRIGGER desk_agent_tally_delete AFTER DELETE ON disputes_claim
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_agent_tally_statement();
CREATE TRIGGER desk_agent_tally_update AFTER UPDATE OF {_COLUMN_LIST} ON disputes_claim
  FOR EACH ROW WHEN ({_moved("IS DISTINCT FROM")})
  EXECUTE FUNCTION desk_agent_tally_row();
"""

_PG_DROP = """
DROP TRIGGER IF EXISTS desk_agent_tally_insert ON disputes_claim;
DROP TRIGGER IF EXISTS desk_agent_tally_delete ON disputes_claim;
DROP TRIGGER IF EXISTS desk_agent_tally_update ON disputes_claim;
DROP FUNCTION IF EXISTS desk_agent_tally_statement();
DROP FUNCTION IF EXISTS desk_agent_tally_row();
DROP FUNCTION IF EXISTS desk_agent_tally_add(bigint[], bigint[], date[], int[], int[]);
"""


def _rebuild(day: str) -> list[str]:
    return [
        f"DELETE FROM {_TABLE}",
        f"""INSERT INTO {_TABLE} (store_id, assignee_id, day, decided, won)
        SELECT store_id, assignee_id, {day}, count(*), sum({won()})
        FROM disputes_claim WHERE {counted()} GROUP BY 1, 2, 3""",
    ]


# --- SQLite -------------------------------------------------------------------------------
# date() of a time stored as text in UTC ("YYYY-MM-DD HH:MM:SS[.ffffff]") gives its UTC day.


def _sqlite_add(row: str, sign: int) -> str:
    return f"""
  INSERT INTO {_TABLE} (store_id, assignee_id, day, decided, won)
  SELECT {row}.store_id, {row}.assignee_id, date({row}.decided_at), {sign}, {sign} * {won(f"{row}.")}
  WHERE {counted(f"{row}.")}
  ON CONFLICT (store_id, day, assignee_id) DO UPDATE
    SET decided = decided + excluded.decided, won = won + excluded.won;"""


_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER desk_agent_tally_insert AFTER INSERT ON disputes_claim BEGIN {_sqlite_add('NEW', 1)} END",
    f"CREATE TRIGGER desk_agent_tally_delete AFTER DELETE ON disputes_claim BEGIN {_sqlite_add('OLD', -1)} END",
    f"CREATE TRIGGER desk_agent_tally_update AFTER UPDATE OF {_COLUMN_LIST} ON disputes_claim "
    f"FOR EACH ROW WHEN {_moved('IS NOT')} BEGIN {_sqlite_add('OLD', -1)} {_sqlite_add('NEW', 1)} END",
]
_SQLITE_NAMES = ["desk_agent_tally_insert", "desk_agent_tally_delete", "desk_agent_tally_update"]


_TRIGGERS = TriggerSet(
    _PG_CREATE,
    _PG_DROP,
    _SQLITE_NAMES,
    _SQLITE_TRIGGERS,
    _rebuild("(decided_at AT TIME ZONE 'UTC')::date"),
    _rebuild("date(decided_at)"),
)

# Create the triggers (and, on PostgreSQL, their functions), then count everything; drop them;
# count every decided claim again (after a TRUNCATE or a COPY with triggers off, or to check the
# rows).
install = _TRIGGERS.install
uninstall = _TRIGGERS.uninstall
rebuild = _TRIGGERS.rebuild
