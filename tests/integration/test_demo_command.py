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


def test_demo_serves_pages_and_stores_simulated_telemetry_without_a_broker(tmp_path):
    database, web_port, mqtt_port = tmp_path / "demo.db", free_port(), free_port()
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
    environ.update(LOGISTICS_DATABASE_URL=f"sqlite:///{database}",
                   LOGISTICS_MQTT_URL=f"mqtt://127.0.0.1:{mqtt_port}")  # nothing listens: embedded broker
    log_path = tmp_path / "demo.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(Path(sys.executable).parent / "logistics"), "demo", "--port",
                                    str(web_port), "--speed", "3600"], env=environ, stdout=log, stderr=log)
    try:
        readings = wait_for_readings(database, process, log_path)
        assert readings > 0
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
    assert "DEVELOPMENT-ONLY" in output and "demo data loaded" in output


def wait_for_readings(database: Path, process: subprocess.Popen[bytes], log_path: Path) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, f"demo exited:\n{log_path.read_text()}"
        if database.exists():
            try:
                with closing(sqlite3.connect(database)) as connection:
                    count = connection.execute("SELECT count(*) FROM readings").fetchone()[0]
            except sqlite3.OperationalError:  # the schema is still being created
                count = 0
            if count:
                return int(count)
        time.sleep(0.5)
    raise AssertionError(f"no telemetry stored within 60 s:\n{log_path.read_text()}")
