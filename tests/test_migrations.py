"""The squashed migrations: they build a new database, and a database migrated before the squash
(the demo, dumped in tests/fixtures/ by make_demo_dumps.sh) counts as up to date, data intact.
Each test migrates a throw-away database of its own in a `manage.py` process: SQLite always,
PostgreSQL too when the suite runs on it."""

import gzip
import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader

from disputes.default_rules import RULES
from disputes.models import Shipment
from messaging.library import TEMPLATES

FIXTURES = Path(__file__).parent / "fixtures"
APPS = ("disputes", "evidence", "messaging")
SQUASHED = {
    ("disputes", "0001_squashed_initial"),
    ("disputes", "0002_squashed_default_deadline_rules"),
    ("disputes", "0003_squashed_alerts_and_appeals"),
    ("evidence", "0001_squashed_initial"),
    ("messaging", "0001_squashed_initial"),
    ("messaging", "0002_squashed_reply_library"),
}
# What `seed_demo` made before the squash (tests/fixtures/make_demo_dumps.sh).
DEMO_COUNTS = {
    "auth_user": 5,
    "disputes_store": 2,
    "disputes_order": 600,
    "disputes_claim": 30,
    "disputes_claimevent": 152,
    "disputes_deadlinerule": 22 + 3,  # the dump's 22, then when buyers may open claims (disputes 0021)
    "messaging_message": 8,
    "messaging_replytemplate": 35 + 16,  # the dump's 35, then the Russian set (messaging 0006)
    "evidence_evidenceitem": 3,
}


def sqlite_regexp(pattern, value):
    return value is not None and re.search(pattern, value) is not None


class SQLiteFile:
    def __init__(self, path: Path):
        self.path = path
        self.url = f"sqlite:///{path}"

    def load(self, dump: Path) -> None:
        with self.connect() as db:
            db.executescript(gzip.decompress(dump.read_bytes()).decode())

    def connect(self):
        db = sqlite3.connect(self.path)
        db.create_function("REGEXP", 2, sqlite_regexp)  # the stores' check constraints use it
        return db

    def rows(self, sql: str) -> list[tuple]:
        db = self.connect()
        try:
            return db.execute(sql).fetchall()
        finally:
            db.close()

    def schema(self) -> set:
        """Tables with their columns, indexes and constraints; column order aside (SQLite's table
        rebuilds move an altered column to the end, so the order depends on a table's past)."""
        entries = set()
        for kind, name, sql in self.rows("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL"):
            if kind == "table":
                head, body = sql.split("(", 1)
                entries.add((kind, name, tuple(sorted(split_top_level(body.rsplit(")", 1)[0])))))
            else:
                entries.add((kind, name, sql))
        return entries


def split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


class PostgresDatabase:
    def __init__(self, name: str):
        import psycopg

        self.psycopg = psycopg
        server = settings.DATABASES["default"]
        self.params = {
            "host": server["HOST"] or "127.0.0.1",
            "port": server["PORT"] or 5432,
            "user": server["USER"],
            "password": server["PASSWORD"],
        }
        self.name = name
        login = self.params["user"] + (f":{self.params['password']}" if self.params["password"] else "")
        self.url = f"postgres://{login}@{self.params['host']}:{self.params['port']}/{name}"
        self.admin("CREATE DATABASE {}")

    def admin(self, statement: str) -> None:
        with self.psycopg.connect(dbname="postgres", autocommit=True, **self.params) as server:
            server.execute(statement.format(f'"{self.name}"'))

    def drop(self) -> None:
        self.admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")

    def load(self, dump: Path) -> None:
        # pg_dump's own lines for psql (\restrict …) are not SQL; the rest is plain INSERTs.
        sql = "\n".join(
            line
            for line in gzip.decompress(dump.read_bytes()).decode().split("\n")
            if not re.match(r"\\(un)?restrict ", line)
        )
        with self.psycopg.connect(dbname=self.name, **self.params) as db:
            db.execute(sql)

    def rows(self, sql: str) -> list[tuple]:
        with self.psycopg.connect(dbname=self.name, **self.params) as db:
            return db.execute(sql).fetchall()

    def schema(self) -> set:
        """Tables with their columns in order, indexes and constraints. A restored dump renumbers
        the columns (no gaps where columns were dropped) and re-reads index conditions, which
        changes how their casts are written but not what they mean: both are evened out."""
        columns = self.rows(
            "SELECT table_name, column_name, data_type, character_maximum_length, is_nullable, "
            "column_default, is_identity FROM information_schema.columns WHERE table_schema = 'public' "
            "ORDER BY table_name, ordinal_position"
        )
        order: dict[str, list[str]] = {}
        for table, column, *_ in columns:
            order.setdefault(table, []).append(column)
        indexes = self.rows(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        )
        constraints = self.rows(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace"
        )
        return (
            {("column", *c) for c in columns}
            | {("column order", table, tuple(names)) for table, names in order.items()}
            | {("index", table, name, without_casts(sql)) for table, name, sql in indexes}
            | {("constraint", *c) for c in constraints}
        )


def without_casts(sql: str) -> str:
    return re.sub(r"::(character varying|text)(\[\])?|[()]", "", sql)


BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            connection.vendor != "postgresql", reason="only when the suite runs on PostgreSQL"
        ),
    ),
]


def make_database(backend: str, folder: Path, label: str):
    if backend == "sqlite":
        return SQLiteFile(folder / f"{label}.sqlite3")
    return PostgresDatabase(f"squash_{label}_{os.getpid()}")


def drop(database) -> None:
    if isinstance(database, PostgresDatabase):
        database.drop()


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def fresh(backend, tmp_path_factory):
    """A new database the squashed migrations built (shared by this module's tests)."""
    database = make_database(backend, tmp_path_factory.mktemp("fresh"), "fresh")
    try:
        migrate(database, checked=True)
        yield database
    finally:
        drop(database)


@pytest.fixture
def demo(backend, tmp_path):
    """The demo database as the migrations before the squash left it, not migrated since."""
    database = make_database(backend, tmp_path, "demo")
    try:
        database.load(FIXTURES / f"demo-{backend}.sql.gz")
        yield database
    finally:
        drop(database)


# One process for all three commands: starting Django is most of the time they take.
MIGRATE = """
import django
from django.core.management import call_command
django.setup()
call_command("migrate", interactive=False, verbosity=0)
if checked:
    call_command("migrate", check_unapplied=True, verbosity=0)  # nothing left to apply
    call_command("makemigrations", check_changes=True, dry_run=True, verbosity=0)
"""


def migrate(database, checked: bool = False) -> None:
    """`manage.py migrate`; `checked` then makes sure nothing is left to apply and that the
    history agrees with the models (`makemigrations --check` reads the database's history)."""
    done = subprocess.run(
        [sys.executable, "-c", f"checked = {checked}\n{MIGRATE}"],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": database.url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def squashed_migrations() -> list:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return [migration for (app, _name), migration in loader.disk_migrations.items() if app in APPS]


def applied(database) -> set:
    return set(database.rows("SELECT app, name FROM django_migrations"))


def test_a_demo_database_migrated_before_the_squash_is_up_to_date_with_its_data(demo, fresh):
    before = {(app, name) for app, name in applied(demo) if app in APPS}
    assert not before & SQUASHED and ("disputes", "0018_alert_once_per_window") in before
    # The squashed migrations replace exactly the migrations this database went through.
    replaced = [key for migration in squashed_migrations() for key in migration.replaces]
    assert sorted(replaced) == sorted(before)

    migrate(demo, checked=True)

    assert applied(demo) >= SQUASHED
    for table, count in DEMO_COUNTS.items():
        assert demo.rows(f"SELECT COUNT(*) FROM {table}") == [(count,)], table
    assert demo.rows("SELECT name FROM disputes_store ORDER BY name") == [("Amazon US",), ("Ozon RU",)]
    # The shipped texts name the promised date with its own placeholder now (messaging 0004).
    assert demo.rows(
        "SELECT COUNT(*) FROM messaging_replytemplate WHERE code = 'shipped-tracking' "
        "AND body LIKE '%{expected_delivery}%'"
    ) == [(1,)]
    assert demo.rows("SELECT platform_order_id FROM disputes_order WHERE id = 1") == [
        ("111-4000000-0000000",)
    ]
    assert demo.rows("SELECT original_name FROM evidence_evidenceitem ORDER BY id") == [
        ("packed-lamp.jpg",),
        ("buyer-photo.jpg",),
        ("tracking.pdf",),
    ]
    assert demo.rows(
        "SELECT length FROM disputes_deadlinerule WHERE platform = 'amazon' AND claim_kind = 'a_to_z' "
        "AND deadline = 'respond' AND store_id IS NULL"
    ) == [(72,)]
    # The same tables, columns, indexes and constraints as a database the squash built.
    assert demo.schema() == fresh.schema()


def test_a_new_database_starts_with_the_default_rules_and_reply_library(fresh):
    assert applied(fresh) >= SQUASHED
    rules = [
        (*row[:6], json.loads(row[6]) if isinstance(row[6], str) else row[6], row[7])
        for row in fresh.rows(
            "SELECT platform, claim_kind, deadline, length, unit, starts_from, warn_hours_before, source "
            "FROM disputes_deadlinerule WHERE store_id IS NULL AND is_active ORDER BY id"
        )
    ]
    # What the migrations before the squash left (Amazon's A-to-Z response at 72 hours), which
    # is still what disputes/default_rules.py installs.
    assert rules == [tuple(rule) for rule in RULES]
    assert rules[0][:6] == ("amazon", "a_to_z", "respond", 72, "calendar_hours", "platform_request")
    templates = fresh.rows(
        "SELECT code, stage, platform, language, purpose, title, body FROM messaging_replytemplate ORDER BY id"
    )
    assert templates == [
        (c, s, p, lang, pur, title, body) for c, s, p, lang, pur, title, _en, _zh, body in TEMPLATES
    ]
    assert fresh.rows("SELECT COUNT(*) FROM disputes_store") == [(0,)]


def test_the_database_keeps_one_shipment_per_order_and_tracking_number(world):
    Shipment.objects.create(order=world.order_a, tracking_number="RA1")
    Shipment.objects.create(order=world.order_a, tracking_number="")
    Shipment.objects.create(order=world.order_a, tracking_number="")
    with pytest.raises(IntegrityError), transaction.atomic():
        Shipment.objects.create(order=world.order_a, tracking_number="RA1")
    assert Shipment.objects.filter(order=world.order_a).count() == 3
