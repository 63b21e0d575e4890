"""Installing, dropping and recounting a set of database triggers, on PostgreSQL or SQLite: what
the modules that keep counts or columns on write (store_hours.py, win_tallies.py, watch_columns.py,
open_counts.py, agent_tallies.py, products.py) share. Each defines its set once (win_tallies.py
two, by day and by SKU), and its module-level `install()`, `uninstall()` and `rebuild()` are the
set's methods; a module's own needs are the set's fields (watch_columns.py's recount in one
transaction)."""

from dataclasses import dataclass

from django.db import connection, transaction


@dataclass(frozen=True)
class TriggerSet:
    pg_create: str  # the functions and triggers, one script
    pg_drop: str  # DROP ... IF EXISTS for each of them, one script
    sqlite_names: list[str]
    sqlite_triggers: list[str]  # one CREATE TRIGGER statement each
    pg_rebuild: list[str]  # what counts everything again from the tables, in order
    sqlite_rebuild: list[str]
    # The recount in one transaction of its own (a savepoint inside the caller's), for a setting
    # that must last through all its statements and no longer (watch_columns.py's).
    rebuild_atomic: bool = False

    def install(self, schema_editor=None) -> None:
        """Replace what is there, then count everything (the triggers saw none of the rows
        written before them)."""
        conn = schema_editor.connection if schema_editor else connection
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute(self.pg_drop + self.pg_create)
            else:
                self._drop_sqlite(cursor)
                for statement in self.sqlite_triggers:
                    cursor.execute(statement)
        self.rebuild(conn)

    def uninstall(self, schema_editor=None) -> None:
        conn = schema_editor.connection if schema_editor else connection
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute(self.pg_drop)
            else:
                self._drop_sqlite(cursor)

    def rebuild(self, conn=None) -> None:
        """Count everything again from the tables the triggers watch (after a TRUNCATE or a COPY
        with the triggers off, or to check what they kept)."""
        conn = conn or connection
        if self.rebuild_atomic:
            with transaction.atomic(using=conn.alias):
                self._run_rebuild(conn)
        else:
            self._run_rebuild(conn)

    def _run_rebuild(self, conn) -> None:
        with conn.cursor() as cursor:
            for statement in self.pg_rebuild if conn.vendor == "postgresql" else self.sqlite_rebuild:
                cursor.execute(statement)

    def _drop_sqlite(self, cursor) -> None:
        for name in self.sqlite_names:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
