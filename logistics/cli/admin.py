"""Administration: the database, settings, users and the audit trail."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import click

from logistics.app import Runtime
from logistics.cli.common import changing, open_runtime, upgrade_database
from logistics.core.languages import DEFAULT_LANGUAGE, LANGUAGES
from logistics.core.roles import Role
from logistics.db import migrate as migrations
from logistics.services import audit, users
from logistics.settings import SettingsError, load_settings

if TYPE_CHECKING:
    from logistics.services.demo_history import HistoryLoad


@click.command()
@click.option("--demo", "with_demo", is_flag=True, help="Also load the demo scenario and users.")
def init(with_demo: bool) -> None:
    """Create the database or upgrade it to the newest schema."""
    runtime = open_runtime(schema=False)
    click.echo(f"database at revision {upgrade_database(runtime)}")
    if with_demo:
        load_demo_data(runtime)


@click.command()
@click.option("--new", "message", metavar="MESSAGE",
              help="Developers: autogenerate a new migration from the model changes.")
def migrate(message: str | None) -> None:
    """Upgrade the database schema (the same as `init`), or write a new migration."""
    runtime = open_runtime(schema=False)
    if message:
        migrations.new_revision(runtime.engine, message)
        return
    click.echo(f"database at revision {upgrade_database(runtime)}")


def load_demo_data(runtime: Runtime) -> HistoryLoad | None:
    """Load the demo scenario with its history unless it is there already; print the demo users."""
    from logistics.readers.config_files import load_alert_routes, load_demo_scenario
    from logistics.services import demo  # with the forecast's numpy: only `init --demo` and `demo` need it
    from logistics.services.demo_history import record_history

    scenario = load_demo_scenario()
    loaded = None
    began = time.perf_counter()
    try:
        loaded = record_history(runtime.sessions, runtime.engine, runtime.profiles, load_alert_routes(),
                                scenario=scenario, now=datetime.now(UTC))
        click.echo("demo data loaded: " + ", ".join(f"{n} {name}" for name, n in loaded.counts.items()))
        click.echo(f"demo history recorded: {loaded.readings} readings, {loaded.receipts} receipts, "
                   f"{loaded.decisions} QA decisions ({time.perf_counter() - began:.1f} s)")
    except demo.DemoAlreadyLoaded as error:
        click.echo(str(error))
    click.echo("demo users (user name / password):")
    for user in scenario["users"]:
        click.echo(f"  {user['username']:<10} {user['password']:<16} {user['role']}")
    return loaded


@click.command(name="config")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def show_config(as_json: bool) -> None:
    """Print the effective settings (secrets masked)."""
    try:
        shown = load_settings().masked()
    except SettingsError as error:
        raise click.ClickException(f"configuration: {error}") from None
    if as_json:
        click.echo(json.dumps(shown, indent=2))
        return
    for name, value in shown.items():
        click.echo(f"{name} = {value!r}")


@click.group(name="users")
def users_group() -> None:
    """Manage people who sign in, and their API tokens."""


@users_group.command(name="add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--full-name", default="", help="Shown on pages and signatures.")
@click.option("--language", default=DEFAULT_LANGUAGE, type=click.Choice(list(LANGUAGES)),
              help="The language of their pages (they can change it themselves).")
def users_add(name: str, role: str, full_name: str, language: str) -> None:
    """Add a user; the password is read from standard input when it is not a terminal."""
    password = _read_password()
    with changing("user added") as session:
        users.add_user(session, username=name, role=role, password=password, full_name=full_name,
                       language=language)
    click.echo(f"user {name} added with role {role}")


@users_group.command(name="passwd")
@click.argument("name")
def users_passwd(name: str) -> None:
    """Set a user's password (read from standard input when it is not a terminal)."""
    password = _read_password()
    with changing("password reset") as session:
        users.set_password(session, name, password)
    click.echo(f"password of {name} changed; their sessions ended")


@users_group.command(name="role")
@click.argument("name")
@click.argument("role", type=click.Choice([role.value for role in Role]))
def users_role(name: str, role: str) -> None:
    """Give NAME another role; their sessions end, so they sign in again under it."""
    with changing("role changed") as session:
        users.set_role(session, name, role)
    click.echo(f"{name} now has role {role}; their sessions ended")


@users_group.command(name="disable")
@click.argument("name")
def users_disable(name: str) -> None:
    """Stop NAME signing in or using their API tokens; their sessions end at once."""
    with changing("user disabled") as session:
        users.set_active(session, name, False)
    click.echo(f"{name} disabled; their sessions ended")


@users_group.command(name="enable")
@click.argument("name")
def users_enable(name: str) -> None:
    """Let a disabled user sign in again."""
    with changing("user enabled") as session:
        users.set_active(session, name, True)
    click.echo(f"{name} enabled")


@users_group.command(name="list")
def users_list() -> None:
    """List users and their roles."""
    from sqlmodel import col, select

    from logistics.db.models import User

    with open_runtime().sessions() as session:
        for user in session.exec(select(User).order_by(col(User.username))).all():
            state = "" if user.active else " (disabled)"
            click.echo(f"{user.username:<20} {user.role:<10} {user.full_name}{state}")


@users_group.command(name="token")
@click.argument("name")
@click.option("--label", default="", help="What the token is for, e.g. 'ERP sync'.")
def users_token(name: str, label: str) -> None:
    """Print a new API token for NAME (send it as `Authorization: Bearer TOKEN`)."""
    with changing("API token issued") as session:
        token = users.issue_token(session, name, label)
    click.echo(token)


@users_group.command(name="revoke-tokens")
@click.argument("name")
def users_revoke(name: str) -> None:
    """Revoke every API token of NAME."""
    with changing("tokens revoked") as session:
        count = users.revoke_tokens(session, name)
    click.echo(f"{count} token(s) revoked")


def _read_password() -> str:
    if sys.stdin.isatty():
        return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.ClickException("no password on standard input")
    return line


@click.group(name="audit")
def audit_group() -> None:
    """The append-only audit trail."""


@audit_group.command(name="verify")
def audit_verify() -> None:
    """Check the audit trail's hash chain; exit 1 at the first edited or removed event."""
    with open_runtime().sessions() as session:
        count, broken = audit.verify_audit_trail(session)
    if broken is not None:
        click.echo(f"audit trail BROKEN at event {broken.event_id}: {broken.problem} "
                   f"({count} events read)", err=True)
        sys.exit(1)
    click.echo(f"audit trail intact: {count} events verified")


COMMANDS = (init, migrate, show_config, users_group, audit_group)
