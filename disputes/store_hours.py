"""The triggers that keep `StoreHour` (models/figures.py) equal to the orders and claims.

A write to an order or a claim recounts, in the same statement's transaction, each (store, hour)
it touched: its hour before and after the change, on each of the three clocks (the order's
purchase, the claim's order's purchase, the claim's opening). By the order's purchase a claim
that counts toward the ODR also makes its order defective in its kind's group
(`DEFECT_KIND_COLUMNS`), and counts, while it is undecided, in its reason's pending column
(`PENDING_COLUMNS`; a reason outside `Reason` in "other"). Recounting a whole hour, rather
than adding or subtracting one, keeps the "orders with a defect" counts exact when one order has
several claims, and makes every kind of write the same. On PostgreSQL, inserts and deletes
(the importer's COPY among them) are recounted once per statement from its transition table;
an update fires only when a counted column changes (the deadline sweep's updates do not).
SQLite counts row by row, with the same condition on updates.

`rebuild()` recounts everything: the migration that adds the table runs it, and so must
anything that empties the order or claim table with TRUNCATE, which fires no row or statement
trigger (bench scripts truncate `disputes_storehour` with them).
"""

from .db_triggers import TriggerSet
from .models import DEFECT_KIND_COLUMNS, PENDING_COLUMNS, Outcome, Reason

_WON = ", ".join(f"'{o.value}'" for o in Outcome.wins())
_LOST = ", ".join(f"'{o.value}'" for o in Outcome.losses())
_REASONS = ", ".join(f"'{reason}'" for reason in PENDING_COLUMNS)
_PENDING = list(PENDING_COLUMNS.values())
_KINDS = list(DEFECT_KIND_COLUMNS)
# Every column a recount writes, in the order of its INSERTs' values.
_COLUMNS = ", ".join(
    [
        "store_id",
        "hour",
        "orders",
        "claims",
        "defective",
        *_KINDS,
        "settled",
        *_PENDING,
        "opened",
        "won",
        "lost",
    ]
)
_NO_PENDING = ", ".join(["0"] * len(_PENDING))
_NO_KINDS = ", ".join(["0"] * len(_KINDS))
_NAMED_KINDS = ", ".join(f"'{kind}'" for kinds in DEFECT_KIND_COLUMNS.values() for kind in kinds or [])


def _is_pending(reason: str, claim: str = "c") -> str:
    """The condition that a claim (table alias `claim`) is pending with `reason`: it counts toward
    the ODR, is not decided, and has that reason (or, for "other", a reason outside `Reason`)."""
    of = f"{claim}.reason = '{reason}'"
    if reason == Reason.OTHER:
        of = f"({of} OR {claim}.reason NOT IN ({_REASONS}))"
    return f"{claim}.counts_toward_odr AND {claim}.outcome = '' AND {of}"


def _is_defect_of(column: str, claim: str = "c") -> str:
    """The condition that a claim (table alias `claim`) counts toward the ODR and is of the
    kinds of a defect column (`DEFECT_KIND_COLUMNS`; the "other" column: of none of the others')."""
    kinds = DEFECT_KIND_COLUMNS[column]
    if kinds is None:
        return f"{claim}.counts_toward_odr AND {claim}.kind NOT IN ({_NAMED_KINDS})"
    return f"{claim}.counts_toward_odr AND {claim}.kind IN ({', '.join(f"'{kind}'" for kind in kinds)})"


def _pg_pending_counts() -> str:
    return ",\n".join(
        f"                  count(*) FILTER (WHERE {_is_pending(reason)}) AS {column}"
        for reason, column in PENDING_COLUMNS.items()
    )


def _pg_kind_counts() -> str:
    return ",\n".join(
        f"                  count(DISTINCT c.order_id) FILTER (WHERE {_is_defect_of(column)}) AS {column}"
        for column in _KINDS
    )


# --- PostgreSQL ---------------------------------------------------------------------------

_PG_RECOUNT = f"""
CREATE OR REPLACE FUNCTION desk_recount_orders(stores bigint[], hours timestamptz[]) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO disputes_storehour ({_COLUMNS})
  SELECT b.store_id, b.hour,
    (SELECT count(*) FROM disputes_order o WHERE o.store_id = b.store_id
       AND o.purchased_at >= b.hour AND o.purchased_at < b.hour + interval '1 hour'),
    0, 0, {_NO_KINDS}, 0, {_NO_PENDING}, 0, 0, 0
  FROM (SELECT DISTINCT s AS store_id, h AS hour FROM unnest(stores, hours) AS u(s, h)
        WHERE s IS NOT NULL AND h IS NOT NULL) b
  ON CONFLICT (store_id, hour) DO UPDATE SET orders = EXCLUDED.orders
$$;

-- PL/pgSQL, not SQL: its statements' plans are kept for the session rather than made again on
-- each call (a bulk decision of 2,000 claims, row by row, took about 15 % less).
CREATE OR REPLACE FUNCTION desk_recount_claims(stores bigint[], purchased timestamptz[],
                                               opened timestamptz[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO disputes_storehour ({_COLUMNS})
  SELECT b.store_id, b.hour, 0, c.claims, c.defective, {", ".join(f"c.{k}" for k in _KINDS)}, c.settled,
         {", ".join(f"c.{p}" for p in _PENDING)}, 0, 0, 0
  FROM (SELECT DISTINCT s AS store_id, h AS hour FROM unnest(stores, purchased) AS u(s, h)
        WHERE s IS NOT NULL AND h IS NOT NULL) b,
  LATERAL (SELECT count(*) AS claims,
                  count(DISTINCT c.order_id) FILTER (WHERE c.counts_toward_odr) AS defective,
{_pg_kind_counts()},
                  count(DISTINCT c.order_id) FILTER (WHERE c.counts_toward_odr AND c.outcome <> '')
                    AS settled,
{_pg_pending_counts()}
           FROM disputes_claim c WHERE c.store_id = b.store_id
             AND c.order_purchased_at >= b.hour AND c.order_purchased_at < b.hour + interval '1 hour') c
  ON CONFLICT (store_id, hour) DO UPDATE
    SET claims = EXCLUDED.claims, defective = EXCLUDED.defective,
        {", ".join(f"{k} = EXCLUDED.{k}" for k in _KINDS)}, settled = EXCLUDED.settled,
        {", ".join(f"{p} = EXCLUDED.{p}" for p in _PENDING)};

  INSERT INTO disputes_storehour ({_COLUMNS})
  SELECT b.store_id, b.hour, 0, 0, 0, {_NO_KINDS}, 0, {_NO_PENDING}, c.opened, c.won, c.lost
  FROM (SELECT DISTINCT s AS store_id, h AS hour FROM unnest(stores, opened) AS u(s, h)
        WHERE s IS NOT NULL AND h IS NOT NULL) b,
  LATERAL (SELECT count(*) AS opened,
                  count(*) FILTER (WHERE c.outcome IN ({_WON})) AS won,
                  count(*) FILTER (WHERE c.outcome IN ({_LOST})) AS lost
           FROM disputes_claim c WHERE c.store_id = b.store_id
             AND c.opened_at >= b.hour AND c.opened_at < b.hour + interval '1 hour') c
  ON CONFLICT (store_id, hour) DO UPDATE
    SET opened = EXCLUDED.opened, won = EXCLUDED.won, lost = EXCLUDED.lost;
END $$;

CREATE OR REPLACE FUNCTION desk_order_hours_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_recount_orders(array_agg(store_id), array_agg(date_trunc('hour', purchased_at, 'UTC')))
  FROM changed;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_order_hours_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_recount_orders(
    ARRAY[OLD.store_id, NEW.store_id],
    ARRAY[date_trunc('hour', OLD.purchased_at, 'UTC'), date_trunc('hour', NEW.purchased_at, 'UTC')]);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_claim_hours_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_recount_claims(array_agg(store_id),
                              array_agg(date_trunc('hour', order_purchased_at, 'UTC')),
                              array_agg(date_trunc('hour', opened_at, 'UTC')))
  FROM changed;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_claim_hours_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_recount_claims(
    ARRAY[OLD.store_id, NEW.store_id],
    ARRAY[date_trunc('hour', OLD.order_purchased_at, 'UTC'), date_trunc('hour', NEW.order_purchased_at, 'UTC')],
    ARRAY[date_trunc('hour', OLD.opened_at, 'UTC'), date_trunc('hour', NEW.opened_at, 'UTC')]);
  RETURN NULL;
END $$;

CREATE TRIGGER desk_order_hours_insert AFTER INSERT ON disputes_order
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_order_hours_statement();
CREATE TRIGGER desk_order_hours_delete AFTER DELETE ON disputes_order
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_order_hours_statement();
CREATE TRIGGER desk_order_hours_update AFTER UPDATE OF store_id, purchased_at ON disputes_order
  FOR EACH ROW WHEN (OLD.store_id IS DISTINCT FROM NEW.store_id
                     OR OLD.purchased_at IS DISTINCT FROM NEW.purchased_at)
  EXECUTE FUNCTION desk_order_hours_row();
CREATE TRIGGER desk_claim_hours_insert AFTER INSERT ON disputes_claim
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_claim_hours_statement();
CREATE TRIGGER desk_claim_hours_delete AFTER DELETE ON disputes_claim
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_claim_hours_statement();
CREATE TRIGGER desk_claim_hours_update
  AFTER UPDATE OF store_id, order_id, order_purchased_at, counts_toward_odr, opened_at, outcome, reason,
                  kind
  ON disputes_claim
  FOR EACH ROW WHEN (OLD.store_id IS DISTINCT FROM NEW.store_id
                     OR OLD.order_id IS DISTINCT FROM NEW.order_id
                     OR OLD.order_purchased_at IS DISTINCT FROM NEW.order_purchased_at
                     OR OLD.counts_toward_odr IS DISTINCT FROM NEW.counts_toward_odr
                     OR OLD.opened_at IS DISTINCT FROM NEW.opened_at
                     OR OLD.outcome IS DISTINCT FROM NEW.outcome
                     OR OLD.reason IS DISTINCT FROM NEW.reason
                     OR OLD.kind IS DISTINCT FROM NEW.kind)
  EXECUTE FUNCTION desk_claim_hours_row();
"""

_PG_DROP = """
DROP TRIGGER IF EXISTS desk_order_hours_insert ON disputes_order;
DROP TRIGGER IF EXISTS desk_order_hours_delete ON disputes_order;
DROP TRIGGER IF EXISTS desk_order_hours_update ON disputes_order;
DROP TRIGGER IF EXISTS desk_claim_hours_insert ON disputes_claim;
DROP TRIGGER IF EXISTS desk_claim_hours_delete ON disputes_claim;
DROP TRIGGER IF EXISTS desk_claim_hours_update ON disputes_claim;
DROP FUNCTION IF EXISTS desk_order_hours_statement();
DROP FUNCTION IF EXISTS desk_order_hours_row();
DROP FUNCTION IF EXISTS desk_claim_hours_statement();
DROP FUNCTION IF EXISTS desk_claim_hours_row();
DROP FUNCTION IF EXISTS desk_recount_orders(bigint[], timestamptz[]);
DROP FUNCTION IF EXISTS desk_recount_claims(bigint[], timestamptz[], timestamptz[]);
"""

_PG_REBUILD = f"""
DELETE FROM disputes_storehour;
INSERT INTO disputes_storehour ({_COLUMNS})
SELECT store_id, hour, sum(orders), sum(claims), sum(defective), {", ".join(f"sum({k})" for k in _KINDS)},
       sum(settled), {", ".join(f"sum({p})" for p in _PENDING)}, sum(opened), sum(won), sum(lost)
FROM (
  SELECT store_id, date_trunc('hour', purchased_at, 'UTC') AS hour, count(*) AS orders,
         0 AS claims, 0 AS defective, {", ".join(f"0 AS {k}" for k in _KINDS)}, 0 AS settled,
         {", ".join(f"0 AS {p}" for p in _PENDING)}, 0 AS opened, 0 AS won, 0 AS lost
  FROM disputes_order GROUP BY 1, 2
  UNION ALL
  SELECT store_id, date_trunc('hour', order_purchased_at, 'UTC'), 0, count(*),
         count(DISTINCT order_id) FILTER (WHERE counts_toward_odr),
         {", ".join(f"count(DISTINCT order_id) FILTER (WHERE {_is_defect_of(k)})" for k in _KINDS)},
         count(DISTINCT order_id) FILTER (WHERE counts_toward_odr AND outcome <> ''),
         {", ".join(f"count(*) FILTER (WHERE {_is_pending(r, 'c')})" for r in PENDING_COLUMNS)}, 0, 0, 0
  FROM disputes_claim c WHERE order_purchased_at IS NOT NULL GROUP BY 1, 2
  UNION ALL
  SELECT store_id, date_trunc('hour', opened_at, 'UTC'), 0, 0, 0, {_NO_KINDS}, 0, {_NO_PENDING}, count(*),
         count(*) FILTER (WHERE outcome IN ({_WON})), count(*) FILTER (WHERE outcome IN ({_LOST}))
  FROM disputes_claim GROUP BY 1, 2
) counted
GROUP BY store_id, hour
"""

# --- SQLite -------------------------------------------------------------------------------
# Times are stored as text, "YYYY-MM-DD HH:MM:SS[.ffffff]" in UTC, so an hour is a prefix.


def _sqlite_hour(column: str) -> str:
    return f"strftime('%Y-%m-%d %H:00:00', {column})"


def _sqlite_next_hour(column: str) -> str:
    # From the hour, not from the time: SQLite's date arithmetic keeps milliseconds, so a time
    # in an hour's last half millisecond plus an hour would round into the hour after next.
    return f"strftime('%Y-%m-%d %H:00:00', {_sqlite_hour(column)}, '+1 hour')"


def _sqlite_orders(row: str) -> str:
    return f"""
  INSERT INTO disputes_storehour ({_COLUMNS})
  SELECT {row}.store_id, {_sqlite_hour(f"{row}.purchased_at")},
    (SELECT count(*) FROM disputes_order o WHERE o.store_id = {row}.store_id
       AND o.purchased_at >= {_sqlite_hour(f"{row}.purchased_at")}
       AND o.purchased_at < {_sqlite_next_hour(f"{row}.purchased_at")}),
    0, 0, {_NO_KINDS}, 0, {_NO_PENDING}, 0, 0, 0
  WHERE true
  ON CONFLICT (store_id, hour) DO UPDATE SET orders = excluded.orders;"""


def _sqlite_claims(row: str) -> str:
    purchased, opened = f"{row}.order_purchased_at", f"{row}.opened_at"
    in_hour = (
        f"c.store_id = {row}.store_id AND c.order_purchased_at >= {_sqlite_hour(purchased)}"
        f" AND c.order_purchased_at < {_sqlite_next_hour(purchased)}"
    )
    pending = ",".join(
        f"\n    (SELECT count(*) FROM disputes_claim c WHERE {in_hour} AND {_is_pending(reason)})"
        for reason in PENDING_COLUMNS
    )
    kinds = ",".join(
        f"\n    (SELECT count(DISTINCT c.order_id) FROM disputes_claim c WHERE {in_hour} AND {_is_defect_of(column)})"
        for column in _KINDS
    )
    return f"""
  INSERT INTO disputes_storehour ({_COLUMNS})
  SELECT {row}.store_id, {_sqlite_hour(purchased)}, 0,
    (SELECT count(*) FROM disputes_claim c WHERE c.store_id = {row}.store_id
       AND c.order_purchased_at >= {_sqlite_hour(purchased)}
       AND c.order_purchased_at < {_sqlite_next_hour(purchased)}),
    (SELECT count(DISTINCT c.order_id) FROM disputes_claim c WHERE c.store_id = {row}.store_id
       AND c.counts_toward_odr AND c.order_purchased_at >= {_sqlite_hour(purchased)}
       AND c.order_purchased_at < {_sqlite_next_hour(purchased)}),{kinds},
    (SELECT count(DISTINCT c.order_id) FROM disputes_claim c WHERE c.store_id = {row}.store_id
       AND c.counts_toward_odr AND c.outcome <> '' AND c.order_purchased_at >= {_sqlite_hour(purchased)}
       AND c.order_purchased_at < {_sqlite_next_hour(purchased)}),{pending},
    0, 0, 0
  WHERE {purchased} IS NOT NULL
  ON CONFLICT (store_id, hour) DO UPDATE
    SET claims = excluded.claims, defective = excluded.defective,
        {", ".join(f"{k} = excluded.{k}" for k in _KINDS)}, settled = excluded.settled,
        {", ".join(f"{p} = excluded.{p}" for p in _PENDING)};
  INSERT INTO disputes_storehour ({_COLUMNS})
  SELECT {row}.store_id, {_sqlite_hour(opened)}, 0, 0, 0, {_NO_KINDS}, 0, {_NO_PENDING},
    (SELECT count(*) FROM disputes_claim c WHERE c.store_id = {row}.store_id
       AND c.opened_at >= {_sqlite_hour(opened)} AND c.opened_at < {_sqlite_next_hour(opened)}),
    (SELECT count(*) FROM disputes_claim c WHERE c.store_id = {row}.store_id
       AND c.opened_at >= {_sqlite_hour(opened)} AND c.opened_at < {_sqlite_next_hour(opened)}
       AND c.outcome IN ({_WON})),
    (SELECT count(*) FROM disputes_claim c WHERE c.store_id = {row}.store_id
       AND c.opened_at >= {_sqlite_hour(opened)} AND c.opened_at < {_sqlite_next_hour(opened)}
       AND c.outcome IN ({_LOST}))
  WHERE true
  ON CONFLICT (store_id, hour) DO UPDATE
    SET opened = excluded.opened, won = excluded.won, lost = excluded.lost;"""


_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER desk_order_hours_insert AFTER INSERT ON disputes_order BEGIN {_sqlite_orders('NEW')} END",
    f"CREATE TRIGGER desk_order_hours_delete AFTER DELETE ON disputes_order BEGIN {_sqlite_orders('OLD')} END",
    "CREATE TRIGGER desk_order_hours_update AFTER UPDATE OF store_id, purchased_at ON disputes_order "
    "FOR EACH ROW WHEN OLD.store_id IS NOT NEW.store_id OR OLD.purchased_at IS NOT NEW.purchased_at "
    f"BEGIN {_sqlite_orders('OLD')} {_sqlite_orders('NEW')} END",
    f"CREATE TRIGGER desk_claim_hours_insert AFTER INSERT ON disputes_claim BEGIN {_sqlite_claims('NEW')} END",
    f"CREATE TRIGGER desk_claim_hours_delete AFTER DELETE ON disputes_claim BEGIN {_sqlite_claims('OLD')} END",
    "CREATE TRIGGER desk_claim_hours_update AFTER UPDATE OF store_id, order_id, order_purchased_at, "
    "counts_toward_odr, opened_at, outcome, reason, kind ON disputes_claim FOR EACH ROW WHEN "
    "OLD.store_id IS NOT NEW.store_id OR OLD.order_id IS NOT NEW.order_id "
    "OR OLD.order_purchased_at IS NOT NEW.order_purchased_at "
    "OR OLD.counts_toward_odr IS NOT NEW.counts_toward_odr "
    "OR OLD.opened_at IS NOT NEW.opened_at OR OLD.outcome IS NOT NEW.outcome "
    "OR OLD.reason IS NOT NEW.reason OR OLD.kind IS NOT NEW.kind "
    f"BEGIN {_sqlite_claims('OLD')} {_sqlite_claims('NEW')} END",
]
_SQLITE_NAMES = [
    "desk_order_hours_insert",
    "desk_order_hours_delete",
    "desk_order_hours_update",
    "desk_claim_hours_insert",
    "desk_claim_hours_delete",
    "desk_claim_hours_update",
]


def _sqlite_rebuild() -> list[str]:
    return [
        "DELETE FROM disputes_storehour",
        f"""INSERT INTO disputes_storehour ({_COLUMNS})
        SELECT store_id, hour, sum(orders), sum(claims), sum(defective),
               {", ".join(f"sum({k})" for k in _KINDS)}, sum(settled),
               {", ".join(f"sum({p})" for p in _PENDING)}, sum(opened), sum(won), sum(lost)
        FROM (
          SELECT store_id, {_sqlite_hour("purchased_at")} AS hour, count(*) AS orders, 0 AS claims,
                 0 AS defective, {", ".join(f"0 AS {k}" for k in _KINDS)}, 0 AS settled,
                 {", ".join(f"0 AS {p}" for p in _PENDING)}, 0 AS opened, 0 AS won, 0 AS lost
          FROM disputes_order GROUP BY 1, 2
          UNION ALL
          SELECT store_id, {_sqlite_hour("order_purchased_at")}, 0, count(*),
                 count(DISTINCT CASE WHEN counts_toward_odr THEN order_id END),
                 {", ".join(f"count(DISTINCT CASE WHEN {_is_defect_of(k)} THEN order_id END)" for k in _KINDS)},
                 count(DISTINCT CASE WHEN counts_toward_odr AND outcome <> '' THEN order_id END),
                 {", ".join(f"sum({_is_pending(r)})" for r in PENDING_COLUMNS)}, 0, 0, 0
          FROM disputes_claim c WHERE order_purchased_at IS NOT NULL GROUP BY 1, 2
          UNION ALL
          SELECT store_id, {_sqlite_hour("opened_at")}, 0, 0, 0, {_NO_KINDS}, 0, {_NO_PENDING}, count(*),
                 sum(outcome IN ({_WON})), sum(outcome IN ({_LOST}))
          FROM disputes_claim GROUP BY 1, 2
        ) GROUP BY store_id, hour""",
    ]


_TRIGGERS = TriggerSet(
    _PG_RECOUNT, _PG_DROP, _SQLITE_NAMES, _SQLITE_TRIGGERS, [_PG_REBUILD], _sqlite_rebuild()
)

# Create the triggers (and, on PostgreSQL, their functions), then count everything; drop them;
# count every hour again from the orders and claims (after a COPY with triggers off, or to
# check them).
install = _TRIGGERS.install
uninstall = _TRIGGERS.uninstall
rebuild = _TRIGGERS.rebuild
