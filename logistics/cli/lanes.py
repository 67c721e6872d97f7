"""Lanes (route templates): load them from a TOML seed file."""

from __future__ import annotations

from pathlib import Path

import click

from logistics.cli.common import CLI_ACTOR, failure, open_runtime
from logistics.db.engine import unit_of_work
from logistics.readers.config_files import ConfigFileError, read_lanes_file
from logistics.services import lanes as lane_records
from logistics.services.errors import InputError, NotFound


@click.group(name="lanes")
def lanes() -> None:
    """Lanes (route templates): load them from a TOML seed file."""


@lanes.command(name="load")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def load(file: Path) -> None:
    """Record the [[lanes]] of FILE (see config/lanes.toml); a lane already there, by its code, is set as
    the file has it. All are recorded, or none."""
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


COMMANDS = (lanes,)
