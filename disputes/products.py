"""The triggers that keep `Product` (models/orders.py): every store, SKU and title its order lines
have had, once each, for the product search (disputes/search.py).

The search matches a term against these few rows (by their trigram indexes, on PostgreSQL),
then reads the lines of the SKUs found through the lines' plain index on SKU, and matches the
term against them again. So the table only has to hold at least every store, SKU and title a
line has now: a row that no line has any more (a title changed, a line deleted) stays, costs a
look, and finds nothing. Rows are only ever added, never counted, so no write waits on another
for long: two imports adding the same product both insert it, and the second does nothing.

On PostgreSQL, lines inserted by one statement (the importer's COPY among them) are added once
per statement from its transition table; an update adds a row only when a line's order, SKU or
title changes, and an order moved to another store adds its lines under that store. SQLite does
the same row by row. Deletes do nothing.

`rebuild()` writes the table again from the lines: the migration that adds it runs it, and so
must anything that writes lines with the triggers off (bench/seed_scale.py's COPY).
"""

from .db_triggers import TriggerSet

# --- PostgreSQL ---------------------------------------------------------------------------

_PG_CREATE = """
CREATE OR REPLACE FUNCTION desk_products_lines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO disputes_product (store_id, sku, title)
  SELECT DISTINCT o.store_id, c.sku, c.title
  FROM changed c JOIN disputes_order o ON o.id = c.order_id
  ORDER BY 1, 2, 3  -- the same lock order in every transaction
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_products_line_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO disputes_product (store_id, sku, title)
  SELECT o.store_id, NEW.sku, NEW.title FROM disputes_order o WHERE o.id = NEW.order_id
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION desk_products_order_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO disputes_product (store_id, sku, title)
  SELECT DISTINCT NEW.store_id, l.sku, l.title FROM disputes_orderline l WHERE l.order_id = NEW.id
  ORDER BY 1, 2, 3
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;

CREATE TRIGGER desk_products_lines_insert AFTER INSERT ON disputes_orderline
  REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION desk_products_lines();
CREATE TRIGGER desk_products_line_update AFTER UPDATE OF order_id, sku, title ON disputes_orderline
  FOR EACH ROW WHEN (OLD.order_id IS DISTINCT FROM NEW.order_id OR OLD.sku IS DISTINCT FROM NEW.sku
                     OR OLD.title IS DISTINCT FROM NEW.title)
  EXECUTE FUNCTION desk_products_line_row();
CREATE TRIGGER desk_products_order_store AFTER UPDATE OF store_id ON disputes_order
  FOR EACH ROW WHEN (OLD.store_id IS DISTINCT FROM NEW.store_id)
  EXECUTE FUNCTION desk_products_order_row();
"""

_PG_DROP = """
DROP TRIGGER IF EXISTS desk_products_lines_insert ON disputes_orderline;
DROP TRIGGER IF EXISTS desk_products_line_update ON disputes_orderline;
DROP TRIGGER IF EXISTS desk_products_order_store ON disputes_order;
DROP FUNCTION IF EXISTS desk_products_lines();
DROP FUNCTION IF EXISTS desk_products_line_row();
DROP FUNCTION IF EXISTS desk_products_order_row();
"""

# --- SQLite -------------------------------------------------------------------------------
# (An INSERT … SELECT needs its WHERE before ON CONFLICT, or SQLite reads it as a join's ON.)

_SQLITE_LINE = """
  INSERT INTO disputes_product (store_id, sku, title)
  SELECT o.store_id, NEW.sku, NEW.title FROM disputes_order o WHERE o.id = NEW.order_id
  ON CONFLICT DO NOTHING;"""

_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER desk_products_lines_insert AFTER INSERT ON disputes_orderline BEGIN {_SQLITE_LINE} END",
    "CREATE TRIGGER desk_products_line_update AFTER UPDATE OF order_id, sku, title ON disputes_orderline "
    "FOR EACH ROW WHEN OLD.order_id IS NOT NEW.order_id OR OLD.sku IS NOT NEW.sku "
    f"OR OLD.title IS NOT NEW.title BEGIN {_SQLITE_LINE} END",
    "CREATE TRIGGER desk_products_order_store AFTER UPDATE OF store_id ON disputes_order "
    "FOR EACH ROW WHEN OLD.store_id IS NOT NEW.store_id BEGIN "
    "INSERT INTO disputes_product (store_id, sku, title) "
    "SELECT DISTINCT NEW.store_id, l.sku, l.title FROM disputes_orderline l WHERE l.order_id = NEW.id "
    "ON CONFLICT DO NOTHING; END",
]
_SQLITE_NAMES = ["desk_products_lines_insert", "desk_products_line_update", "desk_products_order_store"]

# Both databases: every store, SKU and title the lines have now, and nothing else.
_REBUILD = [
    "DELETE FROM disputes_product",
    """INSERT INTO disputes_product (store_id, sku, title)
    SELECT DISTINCT o.store_id, l.sku, l.title
    FROM disputes_orderline l JOIN disputes_order o ON o.id = l.order_id""",
]

_TRIGGERS = TriggerSet(_PG_CREATE, _PG_DROP, _SQLITE_NAMES, _SQLITE_TRIGGERS, _REBUILD, _REBUILD)

# Create the triggers (and, on PostgreSQL, their functions), then fill the table; drop them;
# write the table again from the lines (after writes with the triggers off, or a TRUNCATE).
install = _TRIGGERS.install
uninstall = _TRIGGERS.uninstall
rebuild = _TRIGGERS.rebuild
