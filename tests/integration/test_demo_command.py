"""The README's first command: `logistics demo` brings up web, ingest and simulated loggers on one machine."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import requests

from tests.browser.conftest import free_port


def test_demo_records_its_past_serves_pages_and_its_loggers_go_on_without_a_broker(tmp_path):
    database, web_port, mqtt_port = tmp_path / "demo.db", free_port(), free_port()
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
    environ.update(LOGISTICS_DATABASE_URL=f"sqlite:///{database}",
                   LOGISTICS_MQTT_URL=f"mqtt://127.0.0.1:{mqtt_port}")  # nothing listens: embedded broker
    log_path = tmp_path / "demo.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(Path(sys.executable).parent / "logistics"), "demo", "--port",
                                    str(web_port), "--speed", "3600"], env=environ, stdout=log, stderr=log)
    try:
        assert wait_for_readings(database, process, log_path, f"http://127.0.0.1:{web_port}") > 40_000
        online = wait_for_loggers_online(database, process, log_path)  # they announce themselves live
        assert online >= {"LG-24005", "LG-24006", "LG-24007", "LG-24101", "LG-24104"}, online
        assert requests.get(f"http://127.0.0.1:{web_port}/health", timeout=5).json()["status"] == "ok"
        login_page = requests.get(f"http://127.0.0.1:{web_port}/login", timeout=5)
        assert "Sign in" in login_page.text
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    output = log_path.read_text()
    assert "DEVELOPMENT-ONLY" in output and "demo data loaded" in output and "demo history recorded" in output


def wait_for_readings(database: Path, process: subprocess.Popen[bytes], log_path: Path, url: str) -> int:
    """The readings stored once the demo serves: it records the scenario's past first, which takes a while
    on a busy machine."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        assert process.poll() is None, f"demo exited:\n{log_path.read_text()}"
        try:
            serving = requests.get(f"{url}/health", timeout=5).ok
        except requests.ConnectionError:
            serving = False
        if serving:
            with closing(sqlite3.connect(database)) as connection:
                return int(connection.execute("SELECT count(*) FROM readings").fetchone()[0])
        time.sleep(0.5)
    raise AssertionError(f"the demo did not serve within 10 minutes:\n{log_path.read_text()}")


def wait_for_loggers_online(database: Path, process: subprocess.Popen[bytes], log_path: Path) -> set[str]:
    """The loggers the ingest has seen announce themselves online (their retained status)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, f"demo exited:\n{log_path.read_text()}"
        with closing(sqlite3.connect(database)) as connection:
            online = {code for (code,) in connection.execute(
                "SELECT code FROM loggers WHERE online = 1 AND firmware = 'sim-1.0'")}
        if len(online) >= 9:
            return online
        time.sleep(0.5)
    raise AssertionError(f"the simulated loggers did not come online:\n{log_path.read_text()}")
