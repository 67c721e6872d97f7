"""What every command needs: the runtime, and errors turned into one-line messages."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any

import click
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from logistics.app import Runtime, build_runtime
from logistics.db import migrate as migrations
from logistics.db.engine import REFUSALS, refusal_reason, unit_of_work
from logistics.readers.config_files import ConfigFileError
from logistics.services.errors import InputError, NotFound
from logistics.settings import Settings, SettingsError, load_settings

CLI_ACTOR = "cli"


class ProgressBar:
    """A progress bar on standard error fed with (done, total) reports: it learns its length from the
    first report it shows, and shows none for work that is over within `after_seconds`."""

    def __init__(self, label: str, *, after_seconds: float = 0.0, file: IO[str] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label, self.after_seconds, self.file, self.clock = label, after_seconds, file, clock
        self.started, self.done = clock(), 0
        self.bar: Any = None  # a click ProgressBar once shown

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if self.clock() - self.started < self.after_seconds:
                return
            self.bar = click.progressbar(length=total, label=self.label, file=self.file or sys.stderr)
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def current_settings() -> Settings:
    """The settings, or a one-line error naming what is wrong with them."""
    try:
        return load_settings()
    except SettingsError as error:
        raise click.ClickException(f"configuration: {error}") from None


def open_runtime(*, schema: bool = True, log_level: str | None = None) -> Runtime:
    """The runtime; with `schema`, only on a database whose schema is this version's (else a one-line
    error saying to run `logistics init`, rather than a traceback at the first query). `log_level`
    replaces the log_level setting (a command's --log-level)."""
    try:
        runtime = build_runtime(load_settings(overrides={"log_level": log_level} if log_level else None))
    except (SettingsError, ConfigFileError) as error:
        raise click.ClickException(f"configuration: {error}") from None
    if schema:
        try:
            require_current_schema(runtime)
        except click.ClickException:
            runtime.close()
            raise
    return runtime


def require_current_schema(runtime: Runtime) -> None:
    try:
        current = migrations.current_revision(runtime.engine)
    except OperationalError as error:
        raise click.ClickException(f"the database cannot be opened: {error.orig}") from None
    if current != migrations.head_revision(runtime.engine):
        raise click.ClickException(
            f"the database is at revision {current or 'none'}: run `logistics init` first")


def upgrade_database(runtime: Runtime) -> str | None:
    """Bring the schema up to this version, then record what a database from before versioned records
    lacks: the storage profiles of config/profiles.toml, and each item's allowance as its first version.
    Returns the revision reached."""
    from logistics.readers.config_files import load_profiles
    from logistics.services import allowances, profiles

    migrations.upgrade(runtime.engine)
    now = datetime.now(UTC)
    try:
        with unit_of_work(runtime.sessions, actor=CLI_ACTOR,
                          reason=f"seeded from {profiles.SEED_SOURCE}") as session:
            if profiles.newest_version_id(session) is None:
                seeded = profiles.seed_profiles(session, load_profiles(), by=CLI_ACTOR, now=now)
                click.echo(f"{seeded} storage profiles recorded from {profiles.SEED_SOURCE}")
            allowances.seed_allowances(session, by=CLI_ACTOR, now=now)
    except ConfigFileError as error:
        raise click.ClickException(f"configuration: {error}") from None
    return migrations.current_revision(runtime.engine)


def failure(error: InputError | NotFound) -> click.ClickException:
    return click.ClickException(str(error))


@contextmanager
def changing(reason: str) -> Iterator[Session]:
    """A transaction signed by the command line; bad input ends the command with a one-line error."""
    runtime = open_runtime()
    try:
        with unit_of_work(runtime.sessions, actor=CLI_ACTOR, reason=reason) as session:
            yield session
    except (InputError, NotFound) as error:
        raise failure(error) from None
    except REFUSALS as error:
        raise click.ClickException(f"the database refused the change ({refusal_reason(error)}); "
                                   "nothing was saved") from None
    finally:
        runtime.close()


def parse_time(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 time from the command line; without an offset it is taken as UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO 8601 time such as 2026-11-24T08:00+07:00",
                                 param_hint=option) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
