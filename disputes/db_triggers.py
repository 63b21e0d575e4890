"""Installing and dropping a set of database triggers, on PostgreSQL or SQLite: what the modules
that keep counts on write (store_hours.py, win_tallies.py, watch_columns.py) share."""

from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class TriggerSet:
    pg_create: str  # the functions and triggers, one script
    pg_drop: str  # DROP ... IF EXISTS for each of them, one script
    sqlite_names: list[str]
    sqlite_triggers: list[str]  # one CREATE TRIGGER statement each

    def install(self, schema_editor=None):
        """Replace what is there; return the connection used (for the caller's recount)."""
        conn = schema_editor.connection if schema_editor else connection
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute(self.pg_drop + self.pg_create)
            else:
                self._drop_sqlite(cursor)
                for statement in self.sqlite_triggers:
                    cursor.execute(statement)
        return conn

    def uninstall(self, schema_editor=None) -> None:
        conn = schema_editor.connection if schema_editor else connection
        with conn.cursor() as cursor:
            if conn.vendor == "postgresql":
                cursor.execute(self.pg_drop)
            else:
                self._drop_sqlite(cursor)

    def _drop_sqlite(self, cursor) -> None:
        for name in self.sqlite_names:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
