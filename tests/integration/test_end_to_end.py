"""The whole chain, each part the real command: simulated logger → Mosquitto → `logistics ingest` →
`logistics scheduler` → an alert at a local webhook and in a local mailbox, within one scan interval."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.conftest import logistics_command

SCAN_INTERVAL_S = 5
ALERT_ROUTES = """
[[routes]]
severities = ["major", "critical"]
sites = ["*"]
targets = [{{ channel = "webhook", address = "{webhook}" }},
           {{ channel = "email", address = "qa@hospital.example" }}]
"""


class Tracker:
    """The `logistics` command with one database, one configuration folder and one environment."""

    def __init__(self, folder: Path, **settings: str) -> None:
        self.folder = folder
        self.environ = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
        self.environ.update({f"LOGISTICS_{name.upper()}": value for name, value in settings.items()})

    def run(self, *args: str) -> str:
        result = subprocess.run(logistics_command() + list(args), env=self.environ, cwd=self.folder,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"logistics {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    @contextmanager
    def running(self, *args: str, log_name: str | None = None, **settings: str) -> Iterator[Path]:
        """Run `logistics ARGS` (with these extra settings) until the block ends; yield its log file."""
        with self.process(logistics_command() + list(args), log_name or args[0], **settings) as log_path:
            yield log_path

    @contextmanager
    def process(self, argv: list[str], log_name: str, **settings: str) -> Iterator[Path]:
        """Run any command in the tracker's environment; SIGTERM at the end, as systemd would."""
        log_path = self.folder / f"{log_name}.log"
        environ = self.environ | {f"LOGISTICS_{name.upper()}": value for name, value in settings.items()}
        with log_path.open("wb") as log:
            process = subprocess.Popen(argv, env=environ, cwd=self.folder, stdout=log,
                                       stderr=subprocess.STDOUT)
        try:
            yield log_path
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def wait_for(condition: Callable[[], object], timeout: float, what: str, logs: list[Path]) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    shown = "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for log in logs if log.exists())
    raise AssertionError(f"{what} within {timeout:.0f} s\n{shown}")


def test_a_simulated_excursion_reaches_the_webhook_and_the_mailbox_within_a_scan(
        tmp_path, start_broker, receiver, mailbox, demo_history_template):
    box, smtp_port = mailbox
    config = tmp_path / "config"
    config.mkdir()
    (config / "alerts.toml").write_text(ALERT_ROUTES.format(webhook=receiver.url))
    tracker = Tracker(tmp_path, database_url=f"sqlite:///{tmp_path / 'tracker.db'}", config_dir=str(config),
                      smtp_url=f"smtp://127.0.0.1:{smtp_port}", scan_interval_seconds=str(SCAN_INTERVAL_S),
                      mqtt_url="mqtt://ingest:ingest-secret@127.0.0.1:1")
    shutil.copyfile(demo_history_template, tmp_path / "tracker.db")  # as `logistics init --demo` leaves it
    secret = tracker.run("loggers", "add", "LG-E2E", "--serial", "E2E-1").strip()
    # In the demo's refrigerated shipment in transit, for longer than the simulated journey lasts.
    since = (datetime.now(UTC) - timedelta(days=4)).isoformat()
    tracker.run("loggers", "assign", "LG-E2E", "HG-2026-0045", "--from", since)
    tracker.run("broker-config", "--out", str(tmp_path / "broker-config"))
    broker = start_broker(include_dir=tmp_path / "broker-config")
    tracker.environ["LOGISTICS_MQTT_URL"] = f"mqtt://ingest:ingest-secret@{broker.host}:{broker.port}"
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps({"LG-E2E": secret}))

    with ExitStack() as services:
        ingest_log = services.enter_context(tracker.running("ingest"))
        scheduler_log = services.enter_context(tracker.running("scheduler"))
        logs = [ingest_log, scheduler_log]
        wait_for(lambda: "ingest connected" in ingest_log.read_text(), 60, "the ingest did not connect", logs)
        tracker.run("simulate", "--logger", "LG-E2E", "--credentials", str(credentials), "--excursion",
                    "--customs-hours", "2", "--speed", "0", "--interval", "300")
        published = time.monotonic()

        def excursion_hooks() -> list[dict]:  # (the days before the journey began are a no-data one)
            return [body for body in receiver.bodies if "above its range on LG-E2E" in body["title"]]

        [hook] = wait_for(excursion_hooks, SCAN_INTERVAL_S + 20, "no webhook for LG-E2E's excursion", logs)
        heard_after = time.monotonic() - published
        mail = wait_for(lambda: [m for m in box.messages if b"LG-E2E" in m.content], 10,
                        "no e-mail for LG-E2E's excursion", logs)

    assert "above its range on LG-E2E" in hook["title"] and hook["severity"] == "major"
    assert hook["link"].endswith("/shipments/HG-2026-0045")
    assert mail[0].rcpt_tos == ["qa@hospital.example"]
    # Stored, judged and delivered within one scan interval, with a few seconds for the ingest.
    assert heard_after < SCAN_INTERVAL_S + 5, f"heard {heard_after:.1f} s after the last reading went out"
