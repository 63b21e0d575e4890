"""The triggers that keep `ReplyTally` (models.py) equal to the buyer messages answered.

A message is counted when its reply state is "replied", its answer's author is known and it has
a time of answer: in the row of its store, that author and the UTC day of the answer, as one
reply, one within the reply clock when it was answered no later than its `reply_by`, and the
microseconds from the message to its answer. Like the win tallies (disputes/win_tallies.py),
these add and take away: a write moves its own message out of the row it was in and into the
row it is in now, so two transactions answering messages of the same day each add their own
under the row's lock.

On PostgreSQL, inserts and deletes (the importer's and the seed's COPY, a thread's messages
deleted with it) are added up once per statement from its transition table; an update fires
only when a counted column changes (store, author, time, answer's time, reply state, reply
clock), so the deadline sweep's updates of the alert columns do not. SQLite does the same row
by row.

`rebuild()` counts everything again: the migration that adds the table runs it, and so must
anything that fills the message table with its triggers off or empties it with TRUNCATE. A
migration that makes SQLite copy the message table into a new one drops these triggers with
it, and must install them again.
"""

from disputes.db_triggers import TriggerSet

from .models import ReplyState, ReplyTally

_TABLE = ReplyTally._meta.db_table
_REPLIED = f"'{ReplyState.REPLIED.value}'"
# The columns a message is counted by: an update that changes none of them leaves its rows.
_COLUMNS = ["store_id", "answered_by_author_id", "answered_at", "reply_state", "reply_by", "at"]
_COLUMN_LIST = ", ".join(f'"{column}"' for column in _COLUMNS)


def counted(row: str = "") -> str:
    """SQL: whether the message `row` (a prefix such as "NEW.", or "" for the table's own
    columns) is counted. The same on PostgreSQL and SQLite."""
    return (
        f"({row}reply_state = {_REPLIED} AND {row}answered_by_author_id IS NOT NULL"
        f" AND {row}answered_at IS NOT NULL)"
    )


def within(row: str = "") -> str:
    """SQL: 1 when the message was answered before its reply clock ran out, else 0."""
    return f"(CASE WHEN {row}answered_at <= {row}reply_by THEN 1 ELSE 0 END)"


def waited_us(vendor: str, row: str = "") -> str:
    """SQL: the microseconds from the message to its answer. On SQLite times are text in UTC,
    "YYYY-MM-DD HH:MM:SS[.ffffff]": whole seconds from strftime on the text before the dot
    (strftime itself would round the fraction to milliseconds), the microseconds from the text
    after it (none when there is no dot)."""
    if vendor == "postgresql":
        return f'((extract(epoch FROM {row}answered_at) - extract(epoch FROM {row}"at")) * 1000000)::bigint'
    return (
        f"((strftime('%s', substr({row}answered_at, 1, 19)) - strftime('%s', substr({row}\"at\", 1, 19)))"
        " * 1000000"
        f' + CAST(substr({row}answered_at, 21) AS INTEGER) - CAST(substr({row}"at", 21) AS INTEGER))'
    )


def _changed(differs: str) -> str:
    """SQL: whether an update changed any counted column (`differs`: the dialect's operator)."""
    return " OR ".join(f'OLD."{column}" {differs} NEW."{column}"' for column in _COLUMNS)


def _pg_values(row: str, sign: str) -> str:
    """(store, author, day, replies, within, microseconds) of a message, each figure 0 when the
    message is not counted."""
    yes = counted(row)
    return (
        f"{row}store_id, {row}answered_by_author_id, ({row}answered_at AT TIME ZONE 'UTC')::date, "
        f"{sign} * ({yes})::int, {sign} * (CASE WHEN {yes} THEN {within(row)} ELSE 0 END), "
        f"{sign} * (CASE WHEN {yes} THEN {waited_us('postgresql', row)} ELSE 0 END)"
    )


# --- PostgreSQL ---------------------------------------------------------------------------

_PG_CREATE = f"""
CREATE OR REPLACE FUNCTION desk_reply_tally_add(stores bigint[], authors bigint[], days date[],
                                                n int[], w int[], us bigint[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO {_TABLE} (store_id, author_id, day, replies, within_sla, response_us)
  SELECT s, a, d, sum(n), sum(w), sum(us)
  FROM unnest(stores, authors, days, n, w, us) AS u(s, a, d, n, w, us)
  WHERE n <> 0
  GROUP BY s, a, d
  HAVING sum(n) <> 0 OR sum(w) <> 0 OR sum(us) <> 0
  ORDER BY s, d, a  -- the same lock order in every transaction
  ON CONFLICT (store_id, day, author_id) DO UPDATE
    SET replies = {_TABLE}.replies + EXCLUDED.replies,
        within_sla = {_TABLE}.within_sla + EXCLUDED.within_sla,
        response_us = {_TABLE}.response_us + EXCLUDED.response_us
$$;

CREATE OR REPLACE FUNCTION desk_reply_tally_statement() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sign int := CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END;
BEGIN
  PERFORM desk_reply_tally_add(array_agg(s), array_agg(a), array_agg(d), array_agg(n),
                               array_agg(w), array_agg(us))
  FROM (SELECT {_pg_values("", "sign")} FROM changed WHERE {counted()}) AS m(s, a, d, n, w, us);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_reply_tally_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_reply_tally_add(array_agg(s), array_agg(a), array_agg(d), array_agg(n),
                               array_agg(w), array_agg(us))
  FROM (VALUES ({_pg_values("OLD.", "-1")}), ({_pg_values("NEW.", "1")})) AS m(s, a, d, n, w, us);
  RETURN NULL;
END $$;

CREATE TRIGGER desk_reply_tally_insert AFTER INSERT ON messaging_message
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_reply_tally_statement();
CREATE TRIGGER desk_reply_tally_delete AFTER DELETE ON messaging_message
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_reply_tally_statement();
CREATE TRIGGER desk_reply_tally_update AFTER UPDATE OF {_COLUMN_LIST} ON messaging_message
  FOR EACH ROW WHEN ({_changed("IS DISTINCT FROM")})
  EXECUTE FUNCTION desk_reply_tally_row();
"""

_PG_DROP = """
DROP TRIGGER IF EXISTS desk_reply_tally_insert ON messaging_message;
DROP TRIGGER IF EXISTS desk_reply_tally_delete ON messaging_message;
DROP TRIGGER IF EXISTS desk_reply_tally_update ON messaging_message;
DROP FUNCTION IF EXISTS desk_reply_tally_statement();
DROP FUNCTION IF EXISTS desk_reply_tally_row();
DROP FUNCTION IF EXISTS desk_reply_tally_add(bigint[], bigint[], date[], int[], int[], bigint[]);
"""


def _rebuild(vendor: str, day: str) -> list[str]:
    return [
        f"DELETE FROM {_TABLE}",
        f"""INSERT INTO {_TABLE} (store_id, author_id, day, replies, within_sla, response_us)
        SELECT store_id, answered_by_author_id, {day}, count(*), sum({within()}), sum({waited_us(vendor)})
        FROM messaging_message WHERE {counted()} GROUP BY 1, 2, 3""",
    ]


# --- SQLite -------------------------------------------------------------------------------
# date() of a time stored as text in UTC gives its UTC day.


def _sqlite_add(row: str, sign: int) -> str:
    return f"""
  INSERT INTO {_TABLE} (store_id, author_id, day, replies, within_sla, response_us)
  SELECT {row}.store_id, {row}.answered_by_author_id, date({row}.answered_at), {sign},
         {sign} * {within(f"{row}.")}, {sign} * {waited_us("sqlite", f"{row}.")}
  WHERE {counted(f"{row}.")}
  ON CONFLICT (store_id, day, author_id) DO UPDATE
    SET replies = replies + excluded.replies, within_sla = within_sla + excluded.within_sla,
        response_us = response_us + excluded.response_us;"""


_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER desk_reply_tally_insert AFTER INSERT ON messaging_message BEGIN {_sqlite_add('NEW', 1)} END",
    f"CREATE TRIGGER desk_reply_tally_delete AFTER DELETE ON messaging_message BEGIN {_sqlite_add('OLD', -1)} END",
    f"CREATE TRIGGER desk_reply_tally_update AFTER UPDATE OF {_COLUMN_LIST} ON messaging_message "
    f"FOR EACH ROW WHEN {_changed('IS NOT')} BEGIN {_sqlite_add('OLD', -1)} {_sqlite_add('NEW', 1)} END",
]
_SQLITE_NAMES = ["desk_reply_tally_insert", "desk_reply_tally_delete", "desk_reply_tally_update"]


_TRIGGERS = TriggerSet(
    _PG_CREATE,
    _PG_DROP,
    _SQLITE_NAMES,
    _SQLITE_TRIGGERS,
    _rebuild("postgresql", "(answered_at AT TIME ZONE 'UTC')::date"),
    _rebuild("sqlite", "date(answered_at)"),
)

# Create the triggers (and, on PostgreSQL, their functions), then count everything; drop them;
# count every answered message again (after a TRUNCATE or a COPY with triggers off, or to check
# the rows).
install = _TRIGGERS.install
uninstall = _TRIGGERS.uninstall
rebuild = _TRIGGERS.rebuild
