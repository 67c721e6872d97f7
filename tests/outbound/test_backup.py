"""`logistics backup` and `logistics restore` on SQLite and PostgreSQL; a live backup and a refused restore
also from the installed command."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing

import pytest

from tests.conftest import _pg_database, check_audit_chain_at

PASSWORD = "a-long-password\n"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, run):
    """The command's environment for a migrated, empty database of each kind (SQLite: the `run` fixture's
    own file), copied from the session's templates rather than migrated again for each test."""
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_templates")["empty"], run.database)
        yield {}
        return
    with _pg_database(request.getfixturevalue("pg_templates")["empty"]) as url:
        yield {"LOGISTICS_DATABASE_URL": url}
        check_audit_chain_at(request, url)


def users(run, env):
    return run("users", "list", **env).stdout


def test_a_backup_restores_the_database_as_it_was(run, database, tmp_path):
    run("users", "add", "amara", "--role", "pharmacy", stdin=PASSWORD, **database)
    target = tmp_path / "backups" / "before.bak"
    made = run("backup", "-o", str(target), **database)
    assert f"backup written to {target}" in made.stdout and target.stat().st_size > 0
    run("users", "add", "nok", "--role", "qa", stdin=PASSWORD, **database)
    assert "nok" in users(run, database)
    refused = run("restore", str(target), check=False, **database)
    assert refused.returncode == 2 and "add --yes" in refused.stderr and "nok" in users(run, database)
    restored = run("restore", str(target), "--yes", **database)
    assert "database at revision" in restored.stdout
    assert "nok" not in users(run, database) and "amara" in users(run, database)
    assert "audit trail intact" in run("audit", "verify", **database).stdout


def test_a_backup_never_overwrites_and_a_bad_file_is_not_restored(run, run_installed, database, tmp_path):
    run("users", "add", "amara", "--role", "pharmacy", stdin=PASSWORD, **database)
    target = tmp_path / "one.bak"
    run("backup", "-o", str(target), **database)
    again = run("backup", "-o", str(target), check=False, **database)
    assert again.returncode == 2 and "exists already" in again.stderr
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"not a backup at all" * 100)
    bad = run("restore", str(junk), "--yes", check=False, **database)
    assert bad.returncode == 2 and bad.stderr.startswith("Error: ")
    assert "amara" in users(run, database)  # untouched
    missing = run_installed("restore", str(tmp_path / "none.bak"), "--yes", check=False, **database)
    assert missing.returncode == 2 and "no such backup file" in missing.stderr


def test_sqlite_is_backed_up_consistently_while_another_writer_holds_a_transaction(run, cli_demo,
                                                                                  run_installed, tmp_path):
    with closing(sqlite3.connect(run.database, timeout=10)) as writer:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE items SET name = 'half-written' WHERE code = 'SEL-CD34'")
        made = run_installed("backup", "-o", str(tmp_path / "live.db"))  # the writer has not committed
        writer.rollback()
    assert "sqlite backup written" in made.stdout
    with closing(sqlite3.connect(tmp_path / "live.db")) as copy:
        names = [row[0] for row in copy.execute("SELECT name FROM items WHERE code = 'SEL-CD34'")]
    assert names and names != ["half-written"]
