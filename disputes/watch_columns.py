"""The triggers that keep the columns the "may become a claim" list reads through indexes:

- `Buyer.claims`, `Buyer.claim_orders`, `Buyer.last_claim_at`: the claims on the buyer's orders,
  how many of those orders have one, and when the latest was opened (the store's record of the
  buyer: "has a claim history", and the serial complainers added up by alias);
- `Buyer.alias_claim_orders`: `claim_orders` added up over every store's buyer of the same alias,
  on each of them (no team counts more, so the serial complainers are read among the few
  buyers whose alias reaches the threshold at all);
- `Order.delivered`: whether a shipment of the order was delivered (with the order's status and
  latest delivery date, it makes `Order.late_from`, a stored generated column).

They change in the same transaction as the write that changes them, whoever writes (the
services, the importer's COPY, a bulk update, the admin). A buyer's or an order's figures are
recounted whole, from its few rows: the trigger first locks the rows it recounts, so a
transaction that wrote to the same buyer or order before has committed and the recount sees it.
On PostgreSQL, inserts and deletes are recounted once per statement from the transition table;
updates fire only when a column that matters changes. SQLite does the same row by row.

`rebuild()` counts everything again: the migration that adds the columns runs it.

On SQLite, Django rebuilds a table for the changes SQLite cannot ALTER: that drops the triggers on
it (these and the hour counts'), and renaming the new table into place fails under triggers of
other tables that name it. A later migration that rebuilds the order, buyer or shipment table
there runs `uninstall()` before it and `install()` after it, as 0029_watch_columns does; the hour
counts' triggers, dropped with the table, must be installed again too (0029 leaves that to
0038_pending_hour_counts, which installs them for the table as it is today).
"""

from .db_triggers import TriggerSet

# --- PostgreSQL ---------------------------------------------------------------------------

_PG_CREATE = """
CREATE OR REPLACE FUNCTION desk_recount_aliases(aliases text[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM disputes_buyer WHERE alias = ANY(aliases) ORDER BY id FOR UPDATE;
  UPDATE disputes_buyer b SET alias_claim_orders = a.total
  FROM (SELECT alias, sum(claim_orders) AS total FROM disputes_buyer
        WHERE alias = ANY(aliases) GROUP BY alias) a
  WHERE b.alias = a.alias AND b.alias_claim_orders IS DISTINCT FROM a.total;
END $$;

CREATE OR REPLACE FUNCTION desk_recount_buyers(buyers bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  aliases text[] := ARRAY(SELECT DISTINCT alias FROM disputes_buyer WHERE id = ANY(buyers));
BEGIN
  -- Every buyer row of these aliases, in every store: the alias totals are recounted too.
  PERFORM 1 FROM disputes_buyer WHERE alias = ANY(aliases) ORDER BY id FOR UPDATE;
  UPDATE disputes_buyer b
  SET claims = c.claims, claim_orders = c.orders, last_claim_at = c.latest
  FROM (SELECT u.id, count(cl.id) AS claims, count(DISTINCT cl.order_id) AS orders,
               max(cl.opened_at) AS latest
        FROM (SELECT DISTINCT id FROM unnest(buyers) AS u(id) WHERE id IS NOT NULL) u
        LEFT JOIN disputes_order o ON o.buyer_id = u.id
        LEFT JOIN disputes_claim cl ON cl.order_id = o.id
        GROUP BY u.id) c
  WHERE b.id = c.id
    AND (b.claims, b.claim_orders, b.last_claim_at) IS DISTINCT FROM (c.claims, c.orders, c.latest);
  PERFORM desk_recount_aliases(aliases);
END $$;

CREATE OR REPLACE FUNCTION desk_recount_delivered(orders bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM disputes_order WHERE id = ANY(orders) ORDER BY id FOR UPDATE;
  UPDATE disputes_order o SET delivered = d.delivered
  FROM (SELECT u.id, EXISTS (SELECT 1 FROM disputes_shipment s
                             WHERE s.order_id = u.id AND s.delivered_at IS NOT NULL) AS delivered
        FROM (SELECT DISTINCT id FROM unnest(orders) AS u(id) WHERE id IS NOT NULL) u) d
  WHERE o.id = d.id AND o.delivered IS DISTINCT FROM d.delivered;
END $$;

CREATE OR REPLACE FUNCTION desk_watch_claims_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_recount_buyers(array_agg(o.buyer_id))
  FROM changed JOIN disputes_order o ON o.id = changed.order_id;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_watch_claims_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_recount_buyers(array_agg(o.buyer_id))
  FROM disputes_order o WHERE o.id IN (OLD.order_id, NEW.order_id);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_watch_order_buyer_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_recount_buyers(ARRAY[OLD.buyer_id, NEW.buyer_id]);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_watch_shipments_statement() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_recount_delivered(array_agg(order_id)) FROM changed;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_watch_shipments_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_recount_delivered(ARRAY[OLD.order_id, NEW.order_id]);
  RETURN NULL;
END $$;

CREATE TRIGGER desk_watch_claims_insert AFTER INSERT ON disputes_claim
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_watch_claims_statement();
CREATE TRIGGER desk_watch_claims_delete AFTER DELETE ON disputes_claim
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_watch_claims_statement();
CREATE TRIGGER desk_watch_claims_update AFTER UPDATE OF order_id, opened_at ON disputes_claim
  FOR EACH ROW WHEN (OLD.order_id IS DISTINCT FROM NEW.order_id
                     OR OLD.opened_at IS DISTINCT FROM NEW.opened_at)
  EXECUTE FUNCTION desk_watch_claims_row();
CREATE TRIGGER desk_watch_order_buyer AFTER UPDATE OF buyer_id ON disputes_order
  FOR EACH ROW WHEN (OLD.buyer_id IS DISTINCT FROM NEW.buyer_id)
  EXECUTE FUNCTION desk_watch_order_buyer_row();
CREATE TRIGGER desk_watch_shipments_insert AFTER INSERT ON disputes_shipment
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_watch_shipments_statement();
CREATE TRIGGER desk_watch_shipments_delete AFTER DELETE ON disputes_shipment
  REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_watch_shipments_statement();
CREATE TRIGGER desk_watch_shipments_update AFTER UPDATE OF order_id, delivered_at ON disputes_shipment
  FOR EACH ROW WHEN (OLD.order_id IS DISTINCT FROM NEW.order_id
                     OR (OLD.delivered_at IS NULL) IS DISTINCT FROM (NEW.delivered_at IS NULL))
  EXECUTE FUNCTION desk_watch_shipments_row();

-- A save of the whole row from a model loaded earlier writes the value it read: count again.
-- Only for a write from outside a trigger (the recounts' own updates are right), and not while
-- rebuild() sets every row (it says so in desk.watch_rebuild, for its transaction).
CREATE OR REPLACE FUNCTION desk_watch_buyer_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_recount_buyers(ARRAY[NEW.id]);
  PERFORM desk_recount_aliases(ARRAY[OLD.alias::text]);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_watch_order_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM desk_recount_delivered(ARRAY[NEW.id]);
  RETURN NULL;
END $$;

CREATE TRIGGER desk_watch_buyer_written
  AFTER UPDATE OF alias, claims, claim_orders, last_claim_at, alias_claim_orders ON disputes_buyer
  FOR EACH ROW
  WHEN (pg_trigger_depth() = 0 AND current_setting('desk.watch_rebuild', true) IS DISTINCT FROM 'on'
        AND (OLD.alias, OLD.claims, OLD.claim_orders, OLD.last_claim_at, OLD.alias_claim_orders)
            IS DISTINCT FROM (NEW.alias, NEW.claims, NEW.claim_orders, NEW.last_claim_at,
                              NEW.alias_claim_orders))
  EXECUTE FUNCTION desk_watch_buyer_written();
CREATE TRIGGER desk_watch_order_written AFTER UPDATE OF delivered ON disputes_order FOR EACH ROW
  WHEN (pg_trigger_depth() = 0 AND current_setting('desk.watch_rebuild', true) IS DISTINCT FROM 'on'
        AND OLD.delivered IS DISTINCT FROM NEW.delivered)
  EXECUTE FUNCTION desk_watch_order_written();
"""

_PG_DROP = """
DROP TRIGGER IF EXISTS desk_watch_claims_insert ON disputes_claim;
DROP TRIGGER IF EXISTS desk_watch_claims_delete ON disputes_claim;
DROP TRIGGER IF EXISTS desk_watch_claims_update ON disputes_claim;
DROP TRIGGER IF EXISTS desk_watch_order_buyer ON disputes_order;
DROP TRIGGER IF EXISTS desk_watch_shipments_insert ON disputes_shipment;
DROP TRIGGER IF EXISTS desk_watch_shipments_delete ON disputes_shipment;
DROP TRIGGER IF EXISTS desk_watch_shipments_update ON disputes_shipment;
DROP TRIGGER IF EXISTS desk_watch_buyer_written ON disputes_buyer;
DROP TRIGGER IF EXISTS desk_watch_order_written ON disputes_order;
DROP FUNCTION IF EXISTS desk_watch_buyer_written();
DROP FUNCTION IF EXISTS desk_watch_order_written();
DROP FUNCTION IF EXISTS desk_watch_claims_statement();
DROP FUNCTION IF EXISTS desk_watch_claims_row();
DROP FUNCTION IF EXISTS desk_watch_order_buyer_row();
DROP FUNCTION IF EXISTS desk_watch_shipments_statement();
DROP FUNCTION IF EXISTS desk_watch_shipments_row();
DROP FUNCTION IF EXISTS desk_recount_buyers(bigint[]);
DROP FUNCTION IF EXISTS desk_recount_aliases(text[]);
DROP FUNCTION IF EXISTS desk_recount_delivered(bigint[]);
"""

# Every row at once, with the "written" triggers quiet (they would count each row again).
_PG_REBUILD = [
    "SELECT set_config('desk.watch_rebuild', 'on', true)",
    """UPDATE disputes_buyer b SET claims = coalesce(c.claims, 0), claim_orders = coalesce(c.orders, 0),
                                 last_claim_at = c.latest
    FROM disputes_buyer b2
    LEFT JOIN (SELECT o.buyer_id, count(*) AS claims, count(DISTINCT cl.order_id) AS orders,
                      max(cl.opened_at) AS latest
               FROM disputes_claim cl JOIN disputes_order o ON o.id = cl.order_id
               WHERE o.buyer_id IS NOT NULL GROUP BY o.buyer_id) c ON c.buyer_id = b2.id
    WHERE b.id = b2.id AND (b.claims, b.claim_orders, b.last_claim_at)
          IS DISTINCT FROM (coalesce(c.claims, 0), coalesce(c.orders, 0), c.latest)""",
    """UPDATE disputes_buyer b SET alias_claim_orders = a.total
    FROM (SELECT alias, sum(claim_orders) AS total FROM disputes_buyer GROUP BY alias) a
    WHERE b.alias = a.alias AND b.alias_claim_orders IS DISTINCT FROM a.total""",
    """UPDATE disputes_order o SET delivered = s.order_id IS NOT NULL
    FROM disputes_order o2
    LEFT JOIN (SELECT DISTINCT order_id FROM disputes_shipment WHERE delivered_at IS NOT NULL) s
      ON s.order_id = o2.id
    WHERE o.id = o2.id AND o.delivered IS DISTINCT FROM (s.order_id IS NOT NULL)""",
    "SELECT set_config('desk.watch_rebuild', 'off', true)",
]

# --- SQLite -------------------------------------------------------------------------------


def _sqlite_buyers(where: str) -> str:
    return _sqlite_buyer_counts(where) + _sqlite_aliases(f"SELECT alias FROM disputes_buyer WHERE {where}")


def _sqlite_buyer_counts(where: str) -> str:
    counted = "FROM disputes_claim c JOIN disputes_order o ON o.id = c.order_id WHERE o.buyer_id = disputes_buyer.id"
    return f"""
  UPDATE disputes_buyer SET
    claims = (SELECT count(*) {counted}),
    claim_orders = (SELECT count(DISTINCT c.order_id) {counted}),
    last_claim_at = (SELECT max(c.opened_at) {counted})
  WHERE {where};"""


def _sqlite_aliases(aliases: str) -> str:
    return f"""
  UPDATE disputes_buyer SET alias_claim_orders = (
    SELECT sum(b2.claim_orders) FROM disputes_buyer b2 WHERE b2.alias = disputes_buyer.alias)
  WHERE alias IN ({aliases});"""


def _sqlite_delivered(where: str) -> str:
    return f"""
  UPDATE disputes_order SET delivered = EXISTS (
    SELECT 1 FROM disputes_shipment s WHERE s.order_id = disputes_order.id AND s.delivered_at IS NOT NULL)
  WHERE {where};"""


def _buyer_of(order: str) -> str:
    return f"id = (SELECT buyer_id FROM disputes_order WHERE id = {order})"


# SQLite runs no trigger from inside a trigger (recursive triggers are off): the recount in
# the "written" triggers does not fire them again.
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER desk_watch_claims_insert AFTER INSERT ON disputes_claim "
    f"BEGIN {_sqlite_buyers(_buyer_of('NEW.order_id'))} END",
    "CREATE TRIGGER desk_watch_claims_delete AFTER DELETE ON disputes_claim "
    f"BEGIN {_sqlite_buyers(_buyer_of('OLD.order_id'))} END",
    "CREATE TRIGGER desk_watch_claims_update AFTER UPDATE OF order_id, opened_at ON disputes_claim "
    "FOR EACH ROW WHEN OLD.order_id IS NOT NEW.order_id OR OLD.opened_at IS NOT NEW.opened_at "
    f"BEGIN {_sqlite_buyers(_buyer_of('OLD.order_id'))} {_sqlite_buyers(_buyer_of('NEW.order_id'))} END",
    "CREATE TRIGGER desk_watch_order_buyer AFTER UPDATE OF buyer_id ON disputes_order "
    "FOR EACH ROW WHEN OLD.buyer_id IS NOT NEW.buyer_id "
    f"BEGIN {_sqlite_buyers('id IN (OLD.buyer_id, NEW.buyer_id)')} END",
    "CREATE TRIGGER desk_watch_shipments_insert AFTER INSERT ON disputes_shipment "
    f"BEGIN {_sqlite_delivered('id = NEW.order_id')} END",
    "CREATE TRIGGER desk_watch_shipments_delete AFTER DELETE ON disputes_shipment "
    f"BEGIN {_sqlite_delivered('id = OLD.order_id')} END",
    "CREATE TRIGGER desk_watch_shipments_update AFTER UPDATE OF order_id, delivered_at ON disputes_shipment "
    "FOR EACH ROW WHEN OLD.order_id IS NOT NEW.order_id "
    "OR (OLD.delivered_at IS NULL) IS NOT (NEW.delivered_at IS NULL) "
    f"BEGIN {_sqlite_delivered('id IN (OLD.order_id, NEW.order_id)')} END",
    "CREATE TRIGGER desk_watch_buyer_written "
    "AFTER UPDATE OF alias, claims, claim_orders, last_claim_at, alias_claim_orders "
    "ON disputes_buyer FOR EACH ROW "
    f"BEGIN {_sqlite_buyers('id = NEW.id')} {_sqlite_aliases('OLD.alias')} END",
    "CREATE TRIGGER desk_watch_order_written AFTER UPDATE OF delivered ON disputes_order FOR EACH ROW "
    f"BEGIN {_sqlite_delivered('id = NEW.id')} END",
]
_SQLITE_NAMES = [
    "desk_watch_claims_insert",
    "desk_watch_claims_delete",
    "desk_watch_claims_update",
    "desk_watch_order_buyer",
    "desk_watch_shipments_insert",
    "desk_watch_shipments_delete",
    "desk_watch_shipments_update",
    "desk_watch_buyer_written",
    "desk_watch_order_written",
]
_SQLITE_REBUILD = [
    _sqlite_buyer_counts("true"),
    _sqlite_aliases("SELECT alias FROM disputes_buyer"),
    _sqlite_delivered("true"),
]


# The recount in one transaction (rebuild_atomic): the setting that quiets the "written" triggers
# lasts until its end.
_TRIGGERS = TriggerSet(
    _PG_CREATE, _PG_DROP, _SQLITE_NAMES, _SQLITE_TRIGGERS, _PG_REBUILD, _SQLITE_REBUILD, rebuild_atomic=True
)

# Create the triggers (and, on PostgreSQL, their functions), then count everything; drop them;
# count every buyer's claims and every order's deliveries again.
install = _TRIGGERS.install
uninstall = _TRIGGERS.uninstall
rebuild = _TRIGGERS.rebuild
