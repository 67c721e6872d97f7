"""`logistics scheduler` killed with SIGKILL and started again: what arrived while it was down is still
evaluated, and nothing it had already raised is raised twice."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta

from sqlmodel import col, select

from logistics.db.models import Alert, ExcursionRecord
from tests.conftest import logistics_command
from tests.services.test_excursions import START, send, trace_with_a_40_minute_excursion

RULE = "above_8c_30min"  # the trace's 40 minutes at 9.5 °C


def start_scheduler(runtime):
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
    environ |= {"LOGISTICS_DATABASE_URL": runtime.settings.database_url,
                "LOGISTICS_SCAN_INTERVAL_SECONDS": "5"}
    return subprocess.Popen([*logistics_command(), "scheduler"], env=environ, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def above_range(runtime):
    """The records of the trace's excursions, and the alerts announcing them."""
    with runtime.sessions() as session:
        found = session.exec(select(ExcursionRecord).where(ExcursionRecord.rule == RULE)
                             .order_by(col(ExcursionRecord.start))).all()
        keys = [f"excursion:{record.id}:opened" for record in found]
        alerts = session.exec(select(Alert.key).where(col(Alert.key).in_(keys))).all()
    return found, alerts


def wait_for(runtime, count, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found, alerts = above_range(runtime)
        if len(found) >= count and len(alerts) >= count:
            return found, alerts
        time.sleep(0.5)
    raise AssertionError(f"{count} excursions were not raised within {seconds} s: {above_range(runtime)}")


def test_a_killed_scheduler_misses_nothing_and_repeats_nothing(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    send(runtime, trace_with_a_40_minute_excursion())
    first = start_scheduler(runtime)
    try:
        wait_for(runtime, 1)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    later = [(moment + timedelta(hours=8), temperature) for moment, temperature
             in trace_with_a_40_minute_excursion()]  # arrives while no scheduler runs
    send(runtime, later)
    second = start_scheduler(runtime)
    try:
        found, alerts = wait_for(runtime, 2)
        time.sleep(6)  # one more scan interval: it must find nothing new to raise
        found, alerts = above_range(runtime)
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(20)
    assert [record.start for record in found] == [START + timedelta(minutes=180),
                                                  START + timedelta(hours=8, minutes=180)]
    assert sorted(alerts) == sorted(f"excursion:{record.id}:opened" for record in found)
