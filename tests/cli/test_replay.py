"""`logistics replay`: a recorded shipment judged again under another version, changing nothing."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from logistics.app import build_runtime
from logistics.db.engine import unit_of_work
from logistics.db.models import Logger, LoggerAssignment
from logistics.readers.config_files import load_alert_routes
from logistics.services.excursions import scan
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.conftest import settings_for
from tests.services.test_profiles import add_version, five_minutely, stricter_refrigerated


@pytest.fixture
def recorded(run, cli_demo):
    """HG-2026-0045 with 40 min at 9.5 °C on LG-24003, recorded under refrigerated v1; then v2 exists."""
    now = datetime.now(UTC)  # the demo copy was loaded at the session's start
    runtime = build_runtime(settings_for(f"sqlite:///{run.database}"))
    try:
        start = joined(runtime, "LG-24003")  # readings from then on: no time without data before them
        payload = json.dumps({"readings": [{"ts": time.isoformat(), "temp": temp} for time, temp
                                           in five_minutely(start, [5.0] * 36 + [9.5] * 8 + [5.0] * 20)]})
        TelemetryStore(runtime.engine).store([IncomingMessage(source="mqtt", logger_code="LG-24003",
                                                              payload=payload.encode(), received_at=now)])
        with unit_of_work(runtime.sessions, actor="scheduler") as session:
            scan(session, runtime.profiles, load_alert_routes(), now=now)
        add_version(runtime, "refrigerated", stricter_refrigerated(), now=now)
    finally:
        runtime.close()  # the last connection checkpoints the WAL: the file holds everything
    return start


def joined(runtime, logger):
    """When the logger joined its shipment."""
    with runtime.sessions() as session:
        return session.exec(select(LoggerAssignment.starts_at)
                            .join(Logger, Logger.id == LoggerAssignment.logger_id)
                            .where(Logger.code == logger)).one()


def snapshot(database):
    """The database file's bytes and every row of every table."""
    with sqlite3.connect(database) as connection:
        rows = list(connection.iterdump())
    connection.close()
    return hashlib.sha256(database.read_bytes()).hexdigest(), rows


def test_replay_shows_what_a_stricter_version_would_change_and_changes_nothing(run, recorded):
    before = snapshot(run.database)
    same = json.loads(run("replay", "HG-2026-0045", "--profile", "refrigerated@1", "--json").stdout)
    assert (same["profile"]["version"], same["compared_with"]) == (1, ["refrigerated v1"])
    assert (same["added"], same["removed"], same["changed"], same["unchanged"]) == ([], [], [], 1)

    stricter = json.loads(run("replay", "HG-2026-0045", "--profile", "refrigerated", "--json").stdout)
    assert stricter["profile"]["version"] == 2
    [removed], [added] = stricter["removed"], stricter["added"]
    excursion_start = (recorded + timedelta(minutes=180)).isoformat().replace("+00:00", "Z")
    assert (removed["logger"], removed["rule"], removed["start"], removed["duration_s"]) == (
        "LG-24003", "above_8c_30min", excursion_start, 2400)
    assert (added["rule"], added["severity"], added["start"], added["peak"]) == (
        "above_8c_15min", "major", excursion_start, 9.5)

    report = run("replay", "HG-2026-0045", "--profile", "refrigerated", "--max", "9").stdout
    assert "judged again by refrigerated v2 with the limits and hold given (2 to 9 °C)" in report
    assert "added    LG-24003 above_9c_15min (major)" in report and "40 min, peak 9.50 °C" in report
    assert "removed  LG-24003 above_8c_30min (major)" in report
    assert snapshot(run.database) == before  # byte for byte, row for row


@pytest.mark.parametrize(("options", "message"), [
    (["--profile", "refrigerated@9"], "Invalid value for --profile: refrigerated has no version 9"),
    (["--profile", "refrigerated", "--min", "12"], "Invalid value for --min: min_c is above max_c"),
    (["--profile", "chilled"], "'chilled' is not a profile"),
])
def test_options_that_cannot_be_used_are_a_one_line_error(run, recorded, options, message):
    result = run("replay", "HG-2026-0045", *options, check=False)
    assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_shipment_is_named(run, cli_demo):
    result = run("replay", "HG-1999-0001", check=False)
    assert result.returncode == 1 and "no shipment 'HG-1999-0001'" in result.stderr

