"""What `logistics serve` prints for the person running it (issue 19, point 3): a line per web request at
INFO, the scheduler's job runs only with --log-level DEBUG."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import requests

from tests.conftest import logistics_command
from tests.integration.mosquitto_helpers import PrivateBroker, broker_credentials
from tests.web.live_server import free_port

JOB_RUN = "Running job"  # APScheduler's line as each job starts


def console_of_serve(demo: Path, folder: Path, *options: str) -> str:
    """Everything `logistics serve OPTIONS` printed while it answered /login once and ran a scheduled
    job (its run recorded in job_runs, so the job's own lines were already written)."""
    database, port = folder / "shipments.db", free_port()
    shutil.copyfile(demo, database)
    credentials = broker_credentials(logger_ids=[])
    with PrivateBroker(folder / "broker", password_file_text=credentials.password_file_text,
                       acl_file_text=credentials.acl_file_text) as broker:
        environ = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
        environ.update(LOGISTICS_DATABASE_URL=f"sqlite:///{database}", LOGISTICS_SECRET_KEY="console-test",
                       LOGISTICS_SCAN_INTERVAL_SECONDS="5",
                       LOGISTICS_MQTT_URL=f"mqtt://ingest:{credentials.secrets['ingest']}@{broker.host}:"
                                          f"{broker.port}")
        console = folder / "console.log"
        with console.open("wb") as output:
            process = subprocess.Popen([*logistics_command(), "serve", "--port", str(port), *options],
                                       env=environ, stdout=output, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: _answers(f"http://127.0.0.1:{port}/health"), process, console, "healthy")
            assert requests.get(f"http://127.0.0.1:{port}/login", timeout=10).status_code == 200
            wait_for(lambda: _job_runs(database) > 0, process, console, "a job run recorded")
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=60)
    return console.read_text()


def wait_for(condition, process: subprocess.Popen[bytes], console: Path, what: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert process.poll() is None, f"serve exited:\n{console.read_text()}"
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(f"not {what} within 90 s:\n{console.read_text()}")


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def _job_runs(database: Path) -> int:
    with closing(sqlite3.connect(database, timeout=10)) as connection:
        return int(connection.execute("SELECT count(*) FROM job_runs").fetchone()[0])


def test_by_default_requests_show_and_job_runs_do_not(sqlite_templates, tmp_path):
    console = console_of_serve(sqlite_templates["demo"], tmp_path)
    assert any("INFO logistics.web.request_log: GET /login 200 " in line and line.endswith(" ms -")
               for line in console.splitlines()), console
    assert "scheduler started: " in console  # one line, naming the jobs and their intervals
    assert JOB_RUN not in console and "apscheduler" not in console


def test_log_level_debug_shows_each_job_run(sqlite_templates, tmp_path):
    console = console_of_serve(sqlite_templates["demo"], tmp_path, "--log-level", "debug")
    assert JOB_RUN in console
    assert "INFO logistics.web.request_log: GET /login 200 " in console
