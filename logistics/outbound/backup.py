"""Backups of the tracker's database and their restore: SQLite through its online backup API (a
consistent copy while the tracker keeps running), PostgreSQL through pg_dump and pg_restore.

A backup is checked before it is reported done: SQLite's copy must pass `PRAGMA integrity_check`, a
PostgreSQL dump must list its contents with `pg_restore --list`.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from logistics.db.engine import resolve_database_url

Progress = Callable[[int, int], None]  # (done, total) in pages; SQLite only
PAGES_PER_STEP = 1024  # copied between yields, so that writers are held up only briefly


class BackupError(RuntimeError):
    """The backup or restore could not be made; nothing was reported done."""


@dataclass(frozen=True)
class Made:
    path: Path
    size: int
    kind: str  # sqlite or postgresql


def default_name(database_url: str, now: datetime) -> str:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"shipments-{stamp}.db" if _is_sqlite(database_url) else f"shipments-{stamp}.dump"


def back_up(database_url: str, target: Path, progress: Progress | None = None) -> Made:
    """Write a consistent copy of the database to `target` (which must not exist)."""
    if target.exists():
        raise BackupError(f"{target} exists already: choose another name")
    target.parent.mkdir(parents=True, exist_ok=True)
    if _is_sqlite(database_url):
        _sqlite_backup(_sqlite_path(database_url), target, progress)
        kind = "sqlite"
    else:
        _pg_dump(database_url, target)
        kind = "postgresql"
    return Made(target, target.stat().st_size, kind)


def restore(database_url: str, source: Path, progress: Progress | None = None) -> None:
    """Replace the database's contents with the backup's. Stop the tracker's processes first."""
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    if _is_sqlite(database_url):
        _check_sqlite(source)
        _sqlite_copy(source, _sqlite_path(database_url), progress)
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
              "--exit-on-error", "-d", _libpq_url(database_url), str(source)], database_url)


def _sqlite_backup(database: Path, target: Path, progress: Progress | None) -> None:
    if not database.is_file():
        raise BackupError(f"{database}: no such database file")
    partial = target.with_name(target.name + ".partial")
    try:
        _sqlite_copy(database, partial, progress)
        _check_sqlite(partial)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)


def _sqlite_copy(source: Path, target: Path, progress: Progress | None) -> None:
    """SQLite's online backup: page by page, consistent even while others write to `source`."""
    def report(_status: int, left: int, total: int) -> None:
        if progress is not None:
            progress(total - left, total)

    try:
        with closing(sqlite3.connect(source)) as reading, closing(sqlite3.connect(target)) as writing:
            reading.backup(writing, pages=PAGES_PER_STEP, progress=report)
    except sqlite3.Error as error:
        raise BackupError(f"SQLite: {error}") from None


def _check_sqlite(path: Path) -> None:
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
            versioned = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'alembic_version'").fetchone()[0]
    except sqlite3.Error as error:
        raise BackupError(f"{path}: not a readable SQLite database ({error})") from None
    if verdict != "ok":
        raise BackupError(f"{path}: integrity check failed: {verdict}")
    if not versioned:
        raise BackupError(f"{path}: not a database of this tracker (no schema version)")


def _pg_dump(database_url: str, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    try:
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(partial), _libpq_url(database_url)],
             database_url)
        _run(["pg_restore", "--list", str(partial)], database_url)  # the dump reads back
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)


def _run(command: list[str], database_url: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (the PostgreSQL client tools are needed)")
    password = make_url(resolve_database_url(database_url)).password
    environ = {**os.environ, **({"PGPASSWORD": str(password)} if password else {})}
    finished = subprocess.run(command, capture_output=True, text=True, env=environ, check=False)
    if finished.returncode != 0:
        problem = (finished.stderr.strip() or finished.stdout.strip()).splitlines()
        raise BackupError(f"{command[0]} failed: {problem[-1] if problem else finished.returncode}")


def _libpq_url(database_url: str) -> str:
    """The URL as libpq reads it: no SQLAlchemy driver name, and no password (it goes in PGPASSWORD)."""
    url = make_url(resolve_database_url(database_url)).set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def _is_sqlite(database_url: str) -> bool:
    return make_url(resolve_database_url(database_url)).get_backend_name() == "sqlite"


def _sqlite_path(database_url: str) -> Path:
    database = make_url(resolve_database_url(database_url)).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory database has nothing to back up")
    return Path(database)
