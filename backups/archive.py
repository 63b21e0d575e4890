"""A backup of the desk is one tar archive:

    database.sql | database.sqlite3   pg_dump's plain SQL, or a copy made by SQLite's backup API
    evidence/<storage name>          every evidence original, thumbnail and preview the rows name
    messages/<file name>             every message attachment
    manifest.json                    the SHA-256 and size of each of the above, and what made it

A restore reads the whole archive once against its manifest before it changes anything, so a
damaged or altered archive is refused with nothing written; it loads only into an empty database
and empty file storage, then re-hashes every evidence original and attachment it wrote against
the fingerprint its restored row holds."""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from django.core.files import File
from django.core.files.storage import Storage
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from evidence.models import EvidenceItem
from evidence.storage import evidence_storage
from messaging.models import Attachment
from messaging.storage import message_files

FORMAT = 1
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
PAGE = 1000
# pg_dump and psql give up on a server that does not answer within this many seconds.
PG_CONNECT_SECONDS = "10"


class BackupError(Exception):
    """The archive cannot be made or restored; the message says why and what to do."""


@dataclass
class Summary:
    database: str
    evidence_files: int = 0
    message_files: int = 0
    bytes: int = 0
    problems: list[str] = field(default_factory=list)


class _Hashing(io.RawIOBase):
    """Reads through to a file while hashing what passes, for tarfile to copy from."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.digest = hashlib.sha256()
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.source.read(size)
        self.digest.update(data)
        self.count += len(data)
        return data


# --- What the database points at -------------------------------------------------------------


def _in_pages(rows: QuerySet, *fields: str) -> Iterator[tuple]:
    """Rows by id, a page at a time, each page read whole: no cursor stays open while the
    files are copied (SQLite's connection is used for other reads meanwhile)."""
    after = 0
    while True:
        page = list(rows.filter(pk__gt=after).order_by("pk").values_list("pk", *fields)[:PAGE])
        if not page:
            return
        yield from (row[1:] for row in page)
        after = page[-1][0]


def _evidence_names() -> Iterator[str]:
    for names in _in_pages(EvidenceItem.objects.all(), "storage_name", "thumb_name", "preview_name"):
        yield from (name for name in names if name)


def _message_names() -> Iterator[str]:
    for (name,) in _in_pages(Attachment.objects.all(), "file"):
        yield name


def _stores() -> dict[str, Storage]:
    return {"evidence": evidence_storage(), "messages": message_files()}


# --- Backup ----------------------------------------------------------------------------------


def backup(path: Path) -> Summary:
    """Write the archive to `path` (through a temporary name, so a failed backup leaves no
    archive that looks whole)."""
    vendor = connection.vendor
    if vendor not in ("postgresql", "sqlite"):
        raise BackupError(f"cannot back up a {vendor} database")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    summary = Summary(database=vendor)
    members: dict[str, dict] = {}
    try:
        with tarfile.open(partial, "w") as archive, tempfile.TemporaryDirectory() as work:
            dump = Path(work) / ("database.sql" if vendor == "postgresql" else "database.sqlite3")
            _dump_database(dump)
            with open(dump, "rb") as source:
                members[dump.name] = _add(archive, dump.name, source, dump.stat().st_size)
            for folder, names in (("evidence", _evidence_names()), ("messages", _message_names())):
                storage = _stores()[folder]
                for name in names:
                    member = f"{folder}/{name}"
                    if member in members:
                        continue
                    try:
                        size = storage.size(name)
                        with storage.open(name, "rb") as source:
                            members[member] = _add(archive, member, source, size)
                    except FileNotFoundError:
                        summary.problems.append(f"{member} is missing from storage; not in the backup")
                        continue
                    if folder == "evidence":
                        summary.evidence_files += 1
                    else:
                        summary.message_files += 1
            manifest = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "database": {"vendor": vendor, "member": dump.name},
                "members": members,
            }
            data = json.dumps(manifest, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(timezone.now().timestamp()), 0o600
            archive.addfile(info, io.BytesIO(data))
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    summary.bytes = path.stat().st_size
    return summary


def _add(archive: tarfile.TarFile, member: str, source: IO[bytes], size: int) -> dict:
    info = tarfile.TarInfo(member)
    info.size, info.mtime, info.mode = size, int(timezone.now().timestamp()), 0o600
    reader = _Hashing(source)
    archive.addfile(info, reader)
    if reader.count != size:
        raise BackupError(f"{member} changed size while it was copied ({size} → {reader.count} bytes)")
    return {"sha256": reader.digest.hexdigest(), "size": size}


def _dump_database(target: Path) -> None:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        # The backup API copies a consistent snapshot even while web and worker write.
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)
        copy.close()
        return
    _pg("pg_dump", "--format=plain", "--no-owner", "--no-privileges", f"--file={target}")


def _pg(program: str, *args: str) -> None:
    db = connection.settings_dict
    env = {
        **os.environ,
        "PGDATABASE": db["NAME"],
        "PGUSER": db.get("USER") or "",
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGCONNECT_TIMEOUT": PG_CONNECT_SECONDS,
    }
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    if shutil.which(program) is None:
        raise BackupError(f"{program} is not installed (Debian: apt-get install postgresql-client)")
    done = subprocess.run([program, *args], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{program} failed: {done.stderr.strip()[-2000:]}")


# --- Restore ---------------------------------------------------------------------------------


def read_manifest(path: Path) -> dict:
    """The archive's manifest, after every member was read and matched against it."""
    try:
        archive = tarfile.open(path, "r")  # noqa: SIM115 -- closed by the with block below
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path} is not a desk backup: {error}") from None
    with archive:
        try:
            extracted = archive.extractfile(MANIFEST)
            manifest = json.loads(extracted.read()) if extracted else None
        except (KeyError, ValueError):
            manifest = None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise BackupError(f"{path} has no readable manifest of format {FORMAT}")
        expected: dict[str, dict] = manifest["members"]
        for name in expected:
            if not _safe_member(name, manifest["database"]["member"]):
                raise BackupError(f"{name} is not a name a desk backup holds")
        seen: set[str] = set()
        for info in archive:
            if info.name == MANIFEST:
                continue
            if info.name not in expected or not info.isfile():
                raise BackupError(f"{info.name} is in the archive but not in its manifest")
            digest = hashlib.sha256()
            source = archive.extractfile(info)
            assert source is not None
            while chunk := source.read(CHUNK):
                digest.update(chunk)
            if digest.hexdigest() != expected[info.name]["sha256"]:
                raise BackupError(
                    f"{info.name} does not match its SHA-256 in the manifest: the archive was altered"
                )
            seen.add(info.name)
        missing = sorted(set(expected) - seen)
        if missing:
            raise BackupError(f"the archive lacks {len(missing)} file(s) of its manifest, first {missing[0]}")
    return manifest


def _safe_member(name: str, database: str) -> bool:
    """The database dump, or a relative path under evidence/ or messages/ that stays there."""
    if name == database:
        return name in ("database.sql", "database.sqlite3")
    parts = PurePosixPath(name).parts
    return (
        len(parts) >= 2 and parts[0] in ("evidence", "messages") and not {"..", "", "/"} & set(parts)
    ) and not name.startswith("/")


def restore(path: Path) -> Summary:
    """Load the archive into this (empty) database and (empty) file storage, then verify every
    restored original against its row's fingerprint."""
    manifest = read_manifest(path)
    vendor = manifest["database"]["vendor"]
    if vendor != connection.vendor:
        raise BackupError(f"this backup is of a {vendor} database; the desk is set to {connection.vendor}")
    if connection.introspection.table_names():
        raise BackupError("the database is not empty: restore into a new, empty database")
    for folder, storage in _stores().items():
        if _has_files(storage):
            raise BackupError(f"the {folder} storage is not empty: restore into an empty folder or bucket")
    summary = Summary(database=vendor)
    with tarfile.open(path, "r") as archive, tempfile.TemporaryDirectory() as work:
        member = manifest["database"]["member"]
        archive.extract(member, work, filter="data")
        _load_database(Path(work) / member)
        for info in archive:
            folder, _, name = info.name.partition("/")
            if folder not in ("evidence", "messages"):
                continue
            source = archive.extractfile(info)
            assert source is not None
            stored = _stores()[folder].save(name, File(source, name=name))
            if stored != name:
                raise BackupError(f"{info.name} was stored as {stored}")
    summary.problems = verify_files()
    summary.evidence_files = EvidenceItem.objects.count()
    summary.message_files = Attachment.objects.count()
    summary.bytes = path.stat().st_size
    return summary


def _has_files(storage: Storage) -> bool:
    try:
        folders, files = storage.listdir("")
    except FileNotFoundError:
        return False
    return bool(files) or any(name != ".incoming" and _has_files_under(storage, name) for name in folders)


def _has_files_under(storage: Storage, folder: str) -> bool:
    folders, files = storage.listdir(folder)
    return bool(files) or any(_has_files_under(storage, f"{folder}/{name}") for name in folders)


def _load_database(dump: Path) -> None:
    if connection.vendor == "sqlite":
        connection.close()
        with sqlite3.connect(dump) as source, sqlite3.connect(connection.settings_dict["NAME"]) as target:
            source.backup(target)
        source.close()
        target.close()
        return
    connection.close()
    _pg("psql", "--quiet", "--no-psqlrc", "--single-transaction", "-v", "ON_ERROR_STOP=1", f"--file={dump}")


def verify_files() -> list[str]:
    """Every evidence original and message attachment the database names, re-hashed from storage
    against its recorded SHA-256; the list of those that differ or are missing."""
    problems = []
    checks: list[tuple[Storage, QuerySet, tuple[str, str]]] = [
        (evidence_storage(), EvidenceItem.objects.all(), ("storage_name", "sha256")),
        (message_files(), Attachment.objects.all(), ("file", "sha256")),
    ]
    for storage, rows, fields in checks:
        for name, expected in _in_pages(rows, *fields):
            digest = hashlib.sha256()
            try:
                with storage.open(name, "rb") as f:
                    for chunk in iter(lambda: f.read(CHUNK), b""):
                        digest.update(chunk)
            except FileNotFoundError:
                problems.append(f"{name} is missing")
                continue
            if digest.hexdigest() != expected:
                problems.append(f"{name} does not match its fingerprint")
    return problems
