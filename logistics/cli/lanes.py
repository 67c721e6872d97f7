"""Lanes (route templates): load them from a TOML or CSV seed file, and export them as CSV."""

from __future__ import annotations

from pathlib import Path

import click

from logistics.cli.common import CLI_ACTOR, failure, open_runtime
from logistics.db.engine import unit_of_work
from logistics.readers.config_files import ConfigFileError, read_lanes_file
from logistics.services import lanes as lane_records
from logistics.services.errors import InputError, NotFound


class _Refused(Exception):
    """The file's problems, raised inside the transaction so that nothing of it is kept."""

    def __init__(self, problems: str) -> None:
        super().__init__(problems)


@click.group(name="lanes")
def lanes() -> None:
    """Lanes (route templates): load them from a seed file (TOML or CSV), export them as CSV."""


@lanes.command(name="load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def load(file: Path) -> None:
    """Record the lanes of FILE: the [[lanes]] of a TOML file (see config/lanes.toml), or a CSV file with a
    row per leg (as `lanes export` writes it). A lane already there, by its code, is set as the file has
    it. All are recorded, or none and every problem is named."""
    if file.suffix.lower() == ".csv":
        _load_csv(file)
        return
    try:
        raw = read_lanes_file(file)
    except ConfigFileError as error:
        raise click.ClickException(str(error)) from None
    runtime = open_runtime()
    try:
        drafts = lane_records.lane_drafts(raw)
        reason = f"lanes loaded from {file.name}"
        with unit_of_work(runtime.sessions, actor=CLI_ACTOR, reason=reason) as session:
            created, updated = lane_records.load_lanes(session, drafts, runtime.profiles)
    except (InputError, NotFound) as error:
        raise failure(error) from None
    finally:
        runtime.close()
    click.echo(f"{created} lanes added, {updated} changed from {file}")


def _load_csv(file: Path) -> None:
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{file}: cannot be read as UTF-8 text ({error})") from None
    runtime = open_runtime()
    try:
        reason = f"lanes loaded from {file.name}"
        with unit_of_work(runtime.sessions, actor=CLI_ACTOR, reason=reason) as session:
            done = lane_records.load_csv(session, text, runtime.profiles)
            if done.problems:
                raise _Refused("\n".join(f"row {problem.row}, {problem.column}: {problem.problem}"
                                         for problem in done.problems))
    except _Refused as refused:
        raise click.ClickException(f"{file}: nothing was recorded; its problems:\n{refused}") from None
    finally:
        runtime.close()
    click.echo(f"{done.created} lanes added, {done.updated} changed from {file}")


@lanes.command(name="export")
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write the CSV to this file instead of standard output.")
def export(out: Path | None) -> None:
    """Every lane as CSV, a row per leg: the file `lanes load` reads."""
    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            text = lane_records.export_csv(session)
    finally:
        runtime.close()
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"lanes written to {out}", err=True)


COMMANDS = (lanes,)
