"""The triggers that keep `WinTally` and `SkuWinTally` (models/figures.py) equal to the claims
fought to a decision (the second by their orders' SKUs: see "By SKU" below).

Each row counts a store's claims of one reason opened on one UTC day whose outcome is a fight's
(won, or granted to the buyer), and the won ones among them. Unlike the hour counts
(store_hours.py), which recount a whole hour, these add and take away: a claim is in exactly one
row, so a write moves its own claim out of the row it was in and into the row it is in now. Two
transactions writing claims of the same day then each add their own, under the row's lock, and
neither overwrites the other's count.

On PostgreSQL, inserts and deletes (the importer's COPY among them) are added up once per
statement from its transition table; an update fires only when the store, reason, opening time
or outcome changes (the deadline sweep's updates do not). SQLite does the same row by row.

`rebuild()` (and `rebuild_skus()`) count everything again: the migrations that add the tables
run them, and so must anything that empties the claim or order line table with TRUNCATE, which
fires no trigger.
"""

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


_TRIGGERS = TriggerSet(_PG_ADD, _PG_DROP, _SQLITE_NAMES, _SQLITE_TRIGGERS, _PG_REBUILD, _SQLITE_REBUILD)

# Create the triggers (and, on PostgreSQL, their functions), then count everything; drop them;
# count every day again from the claims (after a TRUNCATE, or to check them).
install = _TRIGGERS.install
uninstall = _TRIGGERS.uninstall
rebuild = _TRIGGERS.rebuild


# === By SKU: SkuWinTally =====================================================================
#
# The same claims, each counted once under every SKU its order has (however many lines have
# it). A row is a store, SKU, reason and UTC day of opening, so a claim is in as many rows as its
# order has SKUs, and the count depends on two tables:
#
# - A claim's write (insert, delete, or an update of its store, order, reason, opening or
#   outcome) takes its old self out of the rows of its old order's SKUs and puts its new self
#   into those of its new order's SKUs, as the lines are at that moment.
# - An order line's write moves a SKU into or out of its order: the order's fought claims are
#   added under a SKU the order did not have before, and taken out of one it no longer has.
#   Lines are written in bulk by the importer (COPY, then bulk updates), so inserts and deletes
#   are handled once per statement from its transition table, and return at once when none of
#   the orders has a claim (new orders never have one). Updates fire only when a line's order
#   or SKU changes (the importer's usual updates, of prices, titles and fingerprints, do not):
#   row by row, before the row is written, so each sees the lines as the rows before it left
#   them (two lines of one order swapping SKUs in one statement count right).
#
# Concurrency: a line write locks (FOR UPDATE) the orders it touches that have claims, and a
# claim write locks its order FOR KEY SHARE (an insert's foreign key check already does), so a
# claim decided while another transaction changes its order's lines waits for it, or is waited
# for, and then reads the lines, or claims, as committed. Left open: a claim inserted on an
# order that had none, at the same moment as another transaction changes that order's lines
# (it counts under the lines it saw); `rebuild_skus()` recounts.

_PG_SKU = f"""
CREATE OR REPLACE FUNCTION desk_sku_tally_add(stores bigint[], skus text[], reasons text[],
                                              days date[], wins int[], fought int[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO disputes_skuwintally (store_id, sku, reason, day, won, decided)
  SELECT s, k, r, d, sum(w), sum(n)
  FROM unnest(stores, skus, reasons, days, wins, fought) AS u(s, k, r, d, w, n)
  WHERE n <> 0
  GROUP BY s, k, r, d
  HAVING sum(n) <> 0 OR sum(w) <> 0
  ORDER BY s, k, r, d  -- the same lock order in every transaction
  ON CONFLICT (store_id, sku, reason, day) DO UPDATE
    SET won = disputes_skuwintally.won + EXCLUDED.won,
        decided = disputes_skuwintally.decided + EXCLUDED.decided
$$;

-- Claims inserted or deleted by one statement, under their orders' SKUs.
CREATE OR REPLACE FUNCTION desk_sku_tally_claims() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  sign int := CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END;
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM 1 FROM disputes_order WHERE id IN (SELECT order_id FROM changed WHERE outcome IN ({_FOUGHT}))
    ORDER BY id FOR KEY SHARE;
  END IF;
  PERFORM desk_sku_tally_add(array_agg(store_id), array_agg(sku), array_agg(reason),
                             array_agg(day), array_agg(sign * won), array_agg(sign))
  FROM (SELECT DISTINCT c.id, l.sku::text AS sku, c.store_id, c.reason::text AS reason,
               (c.opened_at AT TIME ZONE 'UTC')::date AS day, (c.outcome IN ({_WON}))::int AS won
        FROM changed c JOIN disputes_orderline l ON l.order_id = c.order_id
        WHERE c.outcome IN ({_FOUGHT})) counted;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_sku_tally_claim_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM disputes_order WHERE id IN (OLD.order_id, NEW.order_id) ORDER BY id FOR KEY SHARE;
  PERFORM desk_sku_tally_add(array_agg(store_id), array_agg(sku), array_agg(reason),
                             array_agg(day), array_agg(won), array_agg(sign))
  FROM (SELECT DISTINCT OLD.store_id, l.sku::text AS sku, OLD.reason::text AS reason,
               (OLD.opened_at AT TIME ZONE 'UTC')::date AS day, -(OLD.outcome IN ({_WON}))::int AS won,
               -1 AS sign
        FROM disputes_orderline l WHERE l.order_id = OLD.order_id AND OLD.outcome IN ({_FOUGHT})
        UNION ALL
        SELECT DISTINCT NEW.store_id, l.sku::text, NEW.reason::text,
               (NEW.opened_at AT TIME ZONE 'UTC')::date, (NEW.outcome IN ({_WON}))::int, 1
        FROM disputes_orderline l WHERE l.order_id = NEW.order_id AND NEW.outcome IN ({_FOUGHT})
       ) counted;
  RETURN NULL;
END $$;

-- Lines inserted by one statement: their orders' fought claims under each SKU the order did not
-- have before (all its lines of that SKU are among the new ones).
CREATE OR REPLACE FUNCTION desk_sku_tally_lines_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM disputes_order o
  WHERE o.id IN (SELECT c.order_id FROM disputes_claim c WHERE c.order_id IN (SELECT order_id FROM changed))
  ORDER BY o.id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  PERFORM desk_sku_tally_add(array_agg(c.store_id), array_agg(a.sku), array_agg(c.reason::text),
                             array_agg((c.opened_at AT TIME ZONE 'UTC')::date),
                             array_agg((c.outcome IN ({_WON}))::int), array_agg(1))
  FROM (SELECT order_id, sku::text AS sku, count(*) AS lines FROM changed GROUP BY order_id, sku) a
  JOIN disputes_claim c ON c.order_id = a.order_id AND c.outcome IN ({_FOUGHT})
  WHERE (SELECT count(*) FROM disputes_orderline l WHERE l.order_id = a.order_id AND l.sku = a.sku) = a.lines;
  RETURN NULL;
END $$;

-- Lines deleted by one statement: their orders' fought claims out of each SKU the order no
-- longer has.
CREATE OR REPLACE FUNCTION desk_sku_tally_lines_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM disputes_order o
  WHERE o.id IN (SELECT c.order_id FROM disputes_claim c WHERE c.order_id IN (SELECT order_id FROM changed))
  ORDER BY o.id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  PERFORM desk_sku_tally_add(array_agg(c.store_id), array_agg(a.sku), array_agg(c.reason::text),
                             array_agg((c.opened_at AT TIME ZONE 'UTC')::date),
                             array_agg(-(c.outcome IN ({_WON}))::int), array_agg(-1))
  FROM (SELECT DISTINCT order_id, sku::text AS sku FROM changed) a
  JOIN disputes_claim c ON c.order_id = a.order_id AND c.outcome IN ({_FOUGHT})
  WHERE NOT EXISTS (SELECT 1 FROM disputes_orderline l WHERE l.order_id = a.order_id AND l.sku = a.sku);
  RETURN NULL;
END $$;

-- A line moved to another order or SKU, before it is written: the lines as the statement's
-- earlier rows left them, without this one.
CREATE OR REPLACE FUNCTION desk_sku_tally_line_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM disputes_order o
  WHERE o.id IN (OLD.order_id, NEW.order_id)
    AND EXISTS (SELECT 1 FROM disputes_claim c WHERE c.order_id = o.id)
  ORDER BY o.id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN NEW;
  END IF;
  PERFORM desk_sku_tally_add(array_agg(c.store_id), array_agg(a.sku), array_agg(c.reason::text),
                             array_agg((c.opened_at AT TIME ZONE 'UTC')::date),
                             array_agg(a.sign * (c.outcome IN ({_WON}))::int), array_agg(a.sign))
  FROM (SELECT OLD.order_id AS order_id, OLD.sku::text AS sku, -1 AS sign
        WHERE NOT EXISTS (SELECT 1 FROM disputes_orderline l
                          WHERE l.order_id = OLD.order_id AND l.sku = OLD.sku AND l.id <> OLD.id)
        UNION ALL
        SELECT NEW.order_id, NEW.sku::text, 1
        WHERE NOT EXISTS (SELECT 1 FROM disputes_orderline l
                          WHERE l.order_id = NEW.order_id AND l.sku = NEW.sku AND l.id <> NEW.id)) a
  JOIN disputes_claim c ON c.order_id = a.order_id AND c.outcome IN ({_FOUGHT});
  RETURN NEW;
END $$;

CREATE TRIGGER desk_sku_tally_insert AFTER INSERT ON disputes_claim
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_sku_tally_claims();
CREATE TRIGGER desk_sku_tally_delete AFTER DELETE ON disputes_claim
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_sku_tally_claims();
CREATE TRIGGER desk_sku_tally_update AFTER UPDATE OF store_id, order_id, reason, opened_at, outcome
  ON disputes_claim
  FOR EACH ROW WHEN (OLD.store_id IS DISTINCT FROM NEW.store_id
                     OR OLD.order_id IS DISTINCT FROM NEW.order_id
                     OR OLD.reason IS DISTINCT FROM NEW.reason
                     OR OLD.opened_at IS DISTINCT FROM NEW.opened_at
                     OR OLD.outcome IS DISTINCT FROM NEW.outcome)
  EXECUTE FUNCTION desk_sku_tally_claim_row();
CREATE TRIGGER desk_sku_tally_lines_insert AFTER INSERT ON disputes_orderline
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_sku_tally_lines_insert();
CREATE TRIGGER desk_sku_tally_lines_delete AFTER DELETE ON disputes_orderline
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_sku_tally_lines_delete();
CREATE TRIGGER desk_sku_tally_line_update BEFORE UPDATE OF order_id, sku ON disputes_orderline
  FOR EACH ROW WHEN (OLD.order_id IS DISTINCT FROM NEW.order_id OR OLD.sku IS DISTINCT FROM NEW.sku)
  EXECUTE FUNCTION desk_sku_tally_line_row();
"""

_PG_SKU_DROP = """
DROP TRIGGER IF EXISTS desk_sku_tally_insert ON disputes_claim;
DROP TRIGGER IF EXISTS desk_sku_tally_delete ON disputes_claim;
DROP TRIGGER IF EXISTS desk_sku_tally_update ON disputes_claim;
DROP TRIGGER IF EXISTS desk_sku_tally_lines_insert ON disputes_orderline;
DROP TRIGGER IF EXISTS desk_sku_tally_lines_delete ON disputes_orderline;
DROP TRIGGER IF EXISTS desk_sku_tally_line_update ON disputes_orderline;
DROP FUNCTION IF EXISTS desk_sku_tally_claims();
DROP FUNCTION IF EXISTS desk_sku_tally_claim_row();
DROP FUNCTION IF EXISTS desk_sku_tally_lines_insert();
DROP FUNCTION IF EXISTS desk_sku_tally_lines_delete();
DROP FUNCTION IF EXISTS desk_sku_tally_line_row();
DROP FUNCTION IF EXISTS desk_sku_tally_add(bigint[], text[], text[], date[], int[], int[]);
"""

_PG_SKU_REBUILD = [
    "DELETE FROM disputes_skuwintally",
    f"""INSERT INTO disputes_skuwintally (store_id, sku, reason, day, won, decided)
    SELECT c.store_id, l.sku, c.reason, (c.opened_at AT TIME ZONE 'UTC')::date,
           count(DISTINCT c.id) FILTER (WHERE c.outcome IN ({_WON})), count(DISTINCT c.id)
    FROM disputes_claim c JOIN disputes_orderline l ON l.order_id = c.order_id
    WHERE c.outcome IN ({_FOUGHT}) GROUP BY 1, 2, 3, 4""",
]

# SQLite runs a row's trigger as soon as the row is written, so each sees the rows before it.


def _sqlite_claim_skus(row: str, sign: int) -> str:
    """`row`'s claim (when fought) in or out of the rows of its order's SKUs."""
    return f"""
  INSERT INTO disputes_skuwintally (store_id, sku, reason, day, won, decided)
  SELECT DISTINCT {row}.store_id, l.sku, {row}.reason, date({row}.opened_at),
         {sign} * ({row}.outcome IN ({_WON})), {sign}
  FROM disputes_orderline l WHERE l.order_id = {row}.order_id AND {row}.outcome IN ({_FOUGHT})
  ON CONFLICT (store_id, sku, reason, day) DO UPDATE
    SET won = won + excluded.won, decided = decided + excluded.decided;"""


def _sqlite_line_sku(row: str, sign: int) -> str:
    """The fought claims of `row`'s order in (1) or out (-1) of `row`'s SKU, when no other line of
    the order has it."""
    return f"""
  INSERT INTO disputes_skuwintally (store_id, sku, reason, day, won, decided)
  SELECT c.store_id, {row}.sku, c.reason, date(c.opened_at), {sign} * (c.outcome IN ({_WON})), {sign}
  FROM disputes_claim c WHERE c.order_id = {row}.order_id AND c.outcome IN ({_FOUGHT})
    AND NOT EXISTS (SELECT 1 FROM disputes_orderline l
                    WHERE l.order_id = {row}.order_id AND l.sku = {row}.sku AND l.id <> {row}.id)
  ON CONFLICT (store_id, sku, reason, day) DO UPDATE
    SET won = won + excluded.won, decided = decided + excluded.decided;"""


_SQLITE_SKU_TRIGGERS = [
    "CREATE TRIGGER desk_sku_tally_insert AFTER INSERT ON disputes_claim "
    f"BEGIN {_sqlite_claim_skus('NEW', 1)} END",
    "CREATE TRIGGER desk_sku_tally_delete AFTER DELETE ON disputes_claim "
    f"BEGIN {_sqlite_claim_skus('OLD', -1)} END",
    "CREATE TRIGGER desk_sku_tally_update AFTER UPDATE OF store_id, order_id, reason, opened_at, outcome "
    "ON disputes_claim FOR EACH ROW WHEN OLD.store_id IS NOT NEW.store_id "
    "OR OLD.order_id IS NOT NEW.order_id OR OLD.reason IS NOT NEW.reason "
    "OR OLD.opened_at IS NOT NEW.opened_at OR OLD.outcome IS NOT NEW.outcome "
    f"BEGIN {_sqlite_claim_skus('OLD', -1)} {_sqlite_claim_skus('NEW', 1)} END",
    "CREATE TRIGGER desk_sku_tally_lines_insert AFTER INSERT ON disputes_orderline "
    f"BEGIN {_sqlite_line_sku('NEW', 1)} END",
    "CREATE TRIGGER desk_sku_tally_lines_delete AFTER DELETE ON disputes_orderline "
    f"BEGIN {_sqlite_line_sku('OLD', -1)} END",
    # After the row is written: the old SKU is gone from the order unless another line has it
    # (the row itself now has the new one), the new one is new unless another line had it.
    "CREATE TRIGGER desk_sku_tally_line_update AFTER UPDATE OF order_id, sku ON disputes_orderline "
    "FOR EACH ROW WHEN OLD.order_id IS NOT NEW.order_id OR OLD.sku IS NOT NEW.sku "
    f"BEGIN {_sqlite_line_sku('OLD', -1)} {_sqlite_line_sku('NEW', 1)} END",
]
_SQLITE_SKU_NAMES = [
    "desk_sku_tally_insert",
    "desk_sku_tally_delete",
    "desk_sku_tally_update",
    "desk_sku_tally_lines_insert",
    "desk_sku_tally_lines_delete",
    "desk_sku_tally_line_update",
]
_SQLITE_SKU_REBUILD = [
    "DELETE FROM disputes_skuwintally",
    f"""INSERT INTO disputes_skuwintally (store_id, sku, reason, day, won, decided)
    SELECT c.store_id, l.sku, c.reason, date(c.opened_at),
           count(DISTINCT CASE WHEN c.outcome IN ({_WON}) THEN c.id END), count(DISTINCT c.id)
    FROM disputes_claim c JOIN disputes_orderline l ON l.order_id = c.order_id
    WHERE c.outcome IN ({_FOUGHT}) GROUP BY 1, 2, 3, 4""",
]

_SKU_TRIGGERS = TriggerSet(
    _PG_SKU, _PG_SKU_DROP, _SQLITE_SKU_NAMES, _SQLITE_SKU_TRIGGERS, _PG_SKU_REBUILD, _SQLITE_SKU_REBUILD
)

# The SKU tallies' triggers and functions, then everything counted; dropped; every SKU's days
# counted again from the claims and their orders' lines.
install_skus = _SKU_TRIGGERS.install
uninstall_skus = _SKU_TRIGGERS.uninstall
rebuild_skus = _SKU_TRIGGERS.rebuild
