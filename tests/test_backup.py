"""./desk backup and ./desk restore: the archive restores into a fresh database (SQLite, or
PostgreSQL when the suite runs on it) and every evidence file matches its fingerprint; an altered
archive or a database in use is refused with nothing written."""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from evidence.models import EvidenceItem
from messaging.services import AttachmentData, message_receive

from . import worker
from .evidence_corpus import add_evidence, pdf, photo


def desk_with_files(world) -> None:
    add_evidence(world.order_a, world.agent_a, photo(1600, 1200, label="box"), name="box.jpg")
    add_evidence(world.order_a, world.agent_a, pdf("Delivered 3 May"), name="pod.pdf", kind="other")
    message_receive(
        order=world.order_a,
        body="Here is the label.",
        attachments=[AttachmentData("label.pdf", "application/pdf", pdf("Label"))],
    )


@contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """The URL of a new, empty database of the suite's kind, dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    name = f"desk_restore_{uuid.uuid4().hex[:10]}"
    base = worker.test_database_url().rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=10) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=10) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(url: str, sql: str) -> list[tuple]:
    """Read the restored database directly, not through the desk's code."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            rows = db.execute(sql).fetchall()
        db.close()
        return rows
    import psycopg

    with psycopg.connect(url, connect_timeout=10) as db:
        return db.execute(sql).fetchall()


def manage(*args: str, database_url: str, private: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "PRIVATE_MEDIA_ROOT": str(private),
        "DESK_IMPORT_DIR": str(private / "imports"),
    }
    env.pop("EVIDENCE_S3_BUCKET", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=worker.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def files_under(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("storage", ["folder", "bucket"])
def test_a_backup_restores_into_a_fresh_database_with_every_file_matching_its_fingerprint(
    world, tmp_path, storage, request
):
    if storage == "bucket":
        request.getfixturevalue("s3_bucket")
    desk_with_files(world)
    items = sorted(EvidenceItem.objects.values_list("storage_name", "sha256"))
    assert len(items) == 2
    archive = tmp_path / "desk.tar"
    call_command("backup", str(archive), stdout=io.StringIO())

    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        names = set(tar.getnames())
    # The originals, their thumbnails and previews, the attachment and the database.
    assert len([n for n in names if n.startswith("evidence/")]) == 6
    assert len([n for n in names if n.startswith("messages/")]) == 1
    assert manifest["database"]["vendor"] == connection.vendor
    for name, sha256 in items:
        assert manifest["members"][f"evidence/{name}"]["sha256"] == sha256

    restored = tmp_path / "restored"
    with fresh_database(tmp_path) as url:
        done = manage("restore", str(archive), database_url=url, private=restored)
        assert done.returncode == 0, done.stderr
        assert "2 evidence item(s) and 1 attachment(s), each file matching its SHA-256" in done.stdout
        # Checked again here, independently: the restored rows and the restored files agree.
        restored_items = sorted(query(url, "SELECT storage_name, sha256 FROM evidence_evidenceitem"))
        attachments = query(url, "SELECT file, sha256 FROM messaging_attachment")
        claims = query(url, "SELECT count(*) FROM disputes_claim")
    assert restored_items == items
    for name, sha256 in restored_items:
        assert sha256_of(restored / "evidence" / name) == sha256
    assert len(attachments) == 1 and sha256_of(restored / "messages" / attachments[0][0]) == attachments[0][1]
    assert claims == [(1,)]


def tampered_copy(archive: Path, target: Path) -> str:
    """The archive with one byte of an evidence original changed (its manifest left alone)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as copy:
        changed = next(n for n in source.getnames() if n.startswith("evidence/originals/"))
        for info in source:
            data = source.extractfile(info).read()  # type: ignore[union-attr]
            if info.name == changed:
                data = data[:100] + bytes([data[100] ^ 0xFF]) + data[101:]
            copy.addfile(info, io.BytesIO(data))
    return changed


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_tampered_archive_is_refused_and_nothing_is_restored(world, tmp_path):
    desk_with_files(world)
    archive = tmp_path / "desk.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    tampered = tmp_path / "tampered.tar"
    changed = tampered_copy(archive, tampered)

    restored = tmp_path / "restored"
    with fresh_database(tmp_path) as url:
        done = manage("restore", str(tampered), database_url=url, private=restored)
        assert done.returncode != 0
        assert f"{changed} does not match its SHA-256 in the manifest" in done.stderr
        tables = query(
            url,
            "SELECT name FROM sqlite_master WHERE type = 'table'"
            if url.startswith("sqlite")
            else "SELECT tablename FROM pg_tables WHERE schemaname = 'public'",
        )
    assert tables == [] and files_under(restored) == []


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_in_use(world, tmp_path):
    add_evidence(world.order_a, world.agent_a, photo(label="kept"), name="kept.jpg")
    archive = tmp_path / "desk.tar"
    call_command("backup", str(archive), stdout=io.StringIO())
    with pytest.raises(CommandError, match="the database is not empty"):
        call_command("restore", str(archive))
    assert EvidenceItem.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_backup_never_overwrites_an_archive(world, tmp_path):
    archive = tmp_path / "desk.tar"
    archive.write_bytes(b"an older backup")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup", str(archive))
    assert archive.read_bytes() == b"an older backup"


def test_an_archive_naming_a_file_outside_the_desks_folders_is_refused(tmp_path):
    from backups.archive import BackupError, read_manifest

    payload = b"written where it should not be"
    escape = "evidence/../../escape.txt"
    manifest = {
        "format": 1,
        "database": {"vendor": "sqlite", "member": "database.sqlite3"},
        "members": {escape: {"sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload)}},
    }
    archive = tmp_path / "crafted.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in ((escape, payload), ("manifest.json", json.dumps(manifest).encode())):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError, match="is not a name a desk backup holds"):
        read_manifest(archive)
