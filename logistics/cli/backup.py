"""`logistics backup` and `logistics restore`: copies of the database, and putting one back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from logistics.cli.common import ProgressBar, open_runtime, upgrade_database
from logistics.outbound.backup import BackupError, back_up, default_name, restore
from logistics.settings import SettingsError, load_settings


class Refused(click.ClickException):
    """Nothing was done: exit status 2 and one line saying why."""

    exit_code = 2


def _database_url() -> str:
    try:
        return load_settings().database_url
    except SettingsError as error:
        raise click.ClickException(f"configuration: {error}") from None


@click.command(name="backup")
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write here (default: backups/shipments-TIME.db for SQLite, .dump for PostgreSQL).")
def backup_command(out_file: Path | None) -> None:
    """Back up the database while the tracker runs: SQLite's online backup (checked with an integrity
    check), or pg_dump's custom format for PostgreSQL (checked by listing it)."""
    url = _database_url()
    target = out_file or Path("backups") / default_name(url, datetime.now(UTC))
    bar = ProgressBar("backing up")
    try:
        made = back_up(url, target, progress=bar)
    except BackupError as error:
        raise Refused(str(error)) from None
    finally:
        bar.close()
    click.echo(f"{made.kind} backup written to {made.path} ({_size(made.size)})")


@click.command(name="restore")
@click.argument("backup_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Confirm: the database's contents are replaced by the backup's.")
def restore_command(backup_file: Path, yes: bool) -> None:
    """Replace the database's contents with BACKUP_FILE. Stop web, ingest and scheduler first; afterwards
    `logistics audit verify` checks the restored trail."""
    if not yes:
        raise Refused("restoring replaces every record in the database: add --yes to confirm")
    url = _database_url()
    bar = ProgressBar("restoring")
    try:
        restore(url, backup_file, progress=bar)
    except BackupError as error:
        raise Refused(str(error)) from None
    finally:
        bar.close()
    runtime = open_runtime(schema=False)  # the restored schema may be older: bring it up to date
    try:
        revision = upgrade_database(runtime)
    finally:
        runtime.close()
    click.echo(f"restored {backup_file}; database at revision {revision}")


def _size(size: Any) -> str:
    return f"{size / 1024 / 1024:.1f} MiB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KiB"


COMMANDS = (backup_command, restore_command)
