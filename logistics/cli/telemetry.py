"""Loggers, broker credentials and stored readings."""

from __future__ import annotations

import csv
import json
import os
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

import click
from sqlmodel import col, select

from logistics.cli.common import changing, failure, open_runtime, parse_time
from logistics.core.mosquitto import acl_file, hash_secret, new_secret, password_file
from logistics.db.models import Logger
from logistics.services import loggers, readings
from logistics.services.errors import InputError, NotFound
from sensors.topics import parse_broker_url

BROKER_SETTINGS = """\
# Broker settings the tracker relies on (SPEC §4). Include this file from mosquitto.conf.
persistence true                 # keep sessions and queued QoS 1 messages across broker restarts
autosave_interval 60
max_inflight_messages 100        # unacknowledged messages per client: the ingest's window
max_queued_messages 100000       # a silent ingest must not make the broker drop telemetry
allow_anonymous false
password_file {passwd}
acl_file {acl}
"""


@click.group(name="loggers")
def loggers_group() -> None:
    """The logger registry: credentials and assignments to shipments."""


@loggers_group.command(name="add")
@click.argument("logger_id")
@click.option("--serial", required=True, help="The manufacturer's serial number.")
@click.option("--model", default=None, help="Make and model.")
@click.option("--calibration-due", default=None, help="Date the calibration expires (YYYY-MM-DD).")
def loggers_add(logger_id: str, serial: str, model: str | None, calibration_due: str | None) -> None:
    """Register a logger and print its secret (shown once: its MQTT password and HTTP token)."""
    due = _date(calibration_due, "--calibration-due")
    with changing("logger registered") as session:
        _, secret = loggers.register_logger(session, code=logger_id, serial=serial, model=model,
                                            calibration_due=due)
    click.echo(secret)
    click.echo(f"logger {logger_id} registered; the line above is its secret, shown only now. "
               "Run `logistics broker-config` to update the broker.", err=True)


@loggers_group.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def loggers_list(as_json: bool) -> None:
    """List loggers with their status, last contact and current shipment."""
    with open_runtime().sessions() as session:
        rows = [loggers.public(row) for row in loggers.list_loggers(session, now=datetime.now(UTC))]
    if as_json:
        click.echo(json.dumps([row.model_dump(mode="json") for row in rows], indent=2))
        return
    for row in rows:
        seen = row.last_seen_at.isoformat(timespec="seconds") if row.last_seen_at else "never"
        click.echo(f"{row.code:<14} {row.status:<11} {row.shipment or '-':<14} last seen {seen:<25} "
                   f"calibration due {row.calibration_due or '-'}")


@loggers_group.command(name="rotate-secret")
@click.argument("logger_id")
def loggers_rotate(logger_id: str) -> None:
    """Give a logger a new secret and print it once; the old one stops working."""
    with changing("secret rotated") as session:
        secret = loggers.rotate_secret(session, logger_id)
    click.echo(secret)


@loggers_group.command(name="assign")
@click.argument("logger_id")
@click.argument("reference")
@click.option("--from", "start", default=None, help="Start (ISO 8601; default now).")
@click.option("--to", "end", default=None, help="End (ISO 8601; default open).")
def loggers_assign(logger_id: str, reference: str, start: str | None, end: str | None) -> None:
    """Assign a logger to a shipment for a time window."""
    starts_at = parse_time(start, "--from") or datetime.now(UTC)
    with changing("logger assigned") as session:
        loggers.assign(session, logger_code=logger_id, reference=reference, starts_at=starts_at,
                       ends_at=parse_time(end, "--to"))
    click.echo(f"{logger_id} assigned to {reference} from {starts_at.isoformat(timespec='seconds')}")


@loggers_group.command(name="unassign")
@click.argument("logger_id")
@click.option("--at", default=None, help="When it was stopped (ISO 8601; default now).")
def loggers_unassign(logger_id: str, at: str | None) -> None:
    """End a logger's open assignment (it was stopped or taken out of the shipment)."""
    ended = parse_time(at, "--at") or datetime.now(UTC)
    with changing("logger unassigned") as session:
        loggers.unassign(session, logger_code=logger_id, at=ended)
    click.echo(f"{logger_id} unassigned at {ended.isoformat(timespec='seconds')}")


@click.command(name="broker-config")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write passwd, acl and logistics.conf into.")
@click.option("--ingest-user", default="ingest", show_default=True,
              help="MQTT user of `logistics ingest` (reads every logger's telemetry).")
def broker_config(out_dir: Path, ingest_user: str) -> None:
    """Write a Mosquitto password file and ACL from the registry: each logger writes only its own topic."""
    runtime = open_runtime()
    with runtime.sessions() as session:
        registered = session.exec(
            select(Logger.code, Logger.credential_hash)
            .where(Logger.status != "retired", col(Logger.credential_hash).is_not(None))
            .order_by(col(Logger.code))).all()
    ingest_hash, new_url = _ingest_credentials(runtime.settings.mqtt_url, ingest_user)
    entries = [(code, stored) for code, stored in registered if stored] + [(ingest_user, ingest_hash)]
    try:
        passwd = password_file(entries)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    out_dir.mkdir(parents=True, exist_ok=True)
    _write(out_dir / "passwd", passwd, private=True)
    _write(out_dir / "acl", acl_file(logger_ids=[code for code, _ in registered], ingest_user=ingest_user,
                                     prefix=runtime.settings.mqtt_topic_prefix))
    _write(out_dir / "logistics.conf", BROKER_SETTINGS.format(passwd=(out_dir / "passwd").resolve(),
                                                              acl=(out_dir / "acl").resolve()))
    click.echo(f"wrote {out_dir}/passwd ({len(entries)} users), acl and logistics.conf")
    if new_url:
        click.echo(f"new ingest credentials: set LOGISTICS_MQTT_URL={new_url}")


def _ingest_credentials(mqtt_url: str, ingest_user: str) -> tuple[str, str | None]:
    """Hash the ingest password from mqtt_url, or make one (and say which URL to configure)."""
    broker = parse_broker_url(mqtt_url)
    if broker.username == ingest_user and broker.password:
        return hash_secret(broker.password), None
    secret = new_secret()
    scheme = "mqtts" if broker.tls else "mqtt"
    return hash_secret(secret), f"{scheme}://{ingest_user}:{secret}@{broker.host}:{broker.port}"


def _write(path: Path, text: str, *, private: bool = False) -> None:
    path.write_text(text, encoding="utf-8")
    if private:
        os.chmod(path, 0o600)


@click.group(name="readings")
def readings_group() -> None:
    """Stored telemetry."""


@readings_group.command(name="export")
@click.option("--logger", "logger_id", required=True, help="Logger id.")
@click.option("--shipment", default=None, help="Only while the logger was in this shipment.")
@click.option("--from", "start", default=None, help="From this time (ISO 8601, inclusive).")
@click.option("--to", "end", default=None, help="Until this time (ISO 8601, exclusive).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (with a progress bar) instead of standard output.")
def readings_export(logger_id: str, shipment: str | None, start: str | None, end: str | None,
                    fmt: str, out_file: Path | None) -> None:
    """Export a logger's readings as CSV or JSON, times in UTC."""
    query = readings.ReadingQuery(logger=logger_id, shipment=shipment,
                                  start=parse_time(start, "--from"), end=parse_time(end, "--to"))
    with open_runtime().sessions() as session:
        try:
            total = readings.count_readings(session, query)
            rows = readings.iter_readings(session, query)
            if out_file is None:
                _export(rows, fmt, sys.stdout)
                return
            with out_file.open("w", encoding="utf-8", newline="") as handle, click.progressbar(
                    rows, length=total, label=f"exporting {total} readings", file=sys.stderr) as bar:
                _export(bar, fmt, handle)
        except (InputError, NotFound) as error:
            raise failure(error) from None


def _export(rows: Any, fmt: str, handle: IO[str]) -> None:
    if fmt == "csv":
        writer = csv.DictWriter(handle, fieldnames=readings.EXPORT_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({key: _plain(value) for key, value in row.items()})
        return
    handle.write("[")
    for index, row in enumerate(rows):
        handle.write(("," if index else "") + "\n" + json.dumps(
            {key: _plain(value) for key, value in row.items()}))
    handle.write("\n]\n")


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date such as 2027-03-31", param_hint=option) from None


COMMANDS = (loggers_group, broker_config, readings_group)
