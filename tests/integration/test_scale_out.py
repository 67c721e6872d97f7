"""The scaled-out deployment of docs/deploy.md, run on this machine, each part the real command: PostgreSQL,
two `logistics ingest` workers on one shared subscription, one `logistics scheduler`, and `logistics web`
under gunicorn with two workers. Every reading is stored exactly once, every alert is sent once, and one
sign-in holds on every web worker."""

from __future__ import annotations

import json
import re
import shutil
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import func
from sqlmodel import col, select

from logistics.app import build_runtime
from logistics.db.models import Logger, Reading
from tests.browser.conftest import free_port
from tests.conftest import DEMO_PASSWORD, settings_for
from tests.integration.test_end_to_end import Tracker, wait_for

LOGGERS = ["LG-S1", "LG-S2", "LG-S3"]
MINUTES = 600  # a reading a minute per logger, for the last 10 h
EXCURSION = range(300, 340)  # 40 min at 9.5 °C in the middle: one excursion per logger
SCAN_INTERVAL_S = 5
ROUTES = """
[[routes]]
severities = ["major", "critical"]
sites = ["*"]
targets = [{{ channel = "webhook", address = "{webhook}" }}]
"""
STOPPED = re.compile(r"ingest stopped: (\d+) messages acknowledged, (\d+) readings stored, (\d+) duplicates")


def trace(now: datetime) -> list[bytes]:
    start = now - timedelta(minutes=MINUTES)
    return [json.dumps({"ts": (start + timedelta(minutes=minute)).isoformat(),
                        "temp": 9.5 if minute in EXCURSION else 5.0}).encode() for minute in range(MINUTES)]


def gunicorn(port: int) -> list[str]:
    found = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    assert found, "gunicorn is not installed: pip install -e '.[dev]'"
    return [found, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--no-control-socket",
            "--access-logfile", "-", "--access-logformat", "served-by %(p)s %(s)s %(U)s",
            "logistics.app:wsgi()"]


def stored_readings(runtime) -> int:
    with runtime.sessions() as session:
        return session.exec(select(func.count()).select_from(Reading).join(Logger)
                            .where(col(Logger.code).in_(LOGGERS))).one()


def test_the_scaled_out_deployment_stores_each_reading_once_and_sends_each_alert_once(
        tmp_path, pg_demo_today, start_broker, make_probe, receiver):
    config = tmp_path / "config"
    config.mkdir()
    (config / "alerts.toml").write_text(ROUTES.format(webhook=receiver.url))
    tracker = Tracker(tmp_path, database_url=pg_demo_today, config_dir=str(config),
                      ingest_shared_group="ingest", scan_interval_seconds=str(SCAN_INTERVAL_S),
                      secret_key="scale-out-test-secret",
                      mqtt_url="mqtt://ingest:ingest-secret@127.0.0.1:1")  # broker-config hashes it
    tracker.run("init")  # the schema, as docs/deploy.md has it created before anything starts
    since = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    secrets = {}
    for code in LOGGERS:
        secrets[code] = tracker.run("loggers", "add", code, "--serial", f"SER-{code}").strip()
        tracker.run("loggers", "assign", code, "HG-2026-0045", "--from", since)  # refrigerated, in transit
    tracker.run("broker-config", "--out", str(tmp_path / "broker-config"),
                "--ingest-client-id", "coldchain-ingest-1", "--ingest-client-id", "coldchain-ingest-2")
    broker = start_broker(include_dir=tmp_path / "broker-config")
    tracker.environ["LOGISTICS_MQTT_URL"] = f"mqtt://ingest:ingest-secret@{broker.host}:{broker.port}"
    runtime = build_runtime(settings_for(pg_demo_today))
    try:
        hooks, served = run_the_topology(tracker, runtime, broker, secrets, make_probe, receiver)
        assert stored_readings(runtime) == len(LOGGERS) * MINUTES  # the unique index: each reading once
    finally:
        runtime.close()
    shares = [STOPPED.search((tmp_path / f"ingest-{n}.log").read_text()) for n in (1, 2)]
    assert all(shares), [(tmp_path / f"ingest-{n}.log").read_text()[-2000:] for n in (1, 2)]
    stored_by = [int(share.group(2)) for share in shares if share]
    assert sum(stored_by) == len(LOGGERS) * MINUTES and min(stored_by) > 0, stored_by  # both took a share
    assert sum(int(share.group(3)) for share in shares if share) == 0
    # The same key twice would be a delivery repeated; two keys, an excursion raised twice.
    assert hooks == Counter(dict.fromkeys(LOGGERS, 1)), [(hook["key"], hook["title"])
                                                         for hook in receiver.bodies]
    assert len(served) == 2, f"one sign-in should hold on both gunicorn workers: {served}"

    # Scaling back down: the second worker's session leaves the group, with nothing held for it.
    tracker.environ["LOGISTICS_INGEST_CLIENT_ID"] = "coldchain-ingest-2"
    assert STOPPED.search(tracker.run("ingest", "--retire")).group(1) == "0"


def run_the_topology(tracker, runtime, broker, secrets, make_probe,
                     receiver) -> tuple[Counter[str], set[str]]:
    """Start every process, publish the traces, wait for the alerts; stop it all as systemd would."""
    port = free_port()
    with ExitStack() as services:
        workers = [services.enter_context(tracker.running("ingest", log_name=f"ingest-{n}",
                                                          ingest_client_id=f"coldchain-ingest-{n}"))
                   for n in (1, 2)]
        scheduler = services.enter_context(tracker.running("scheduler"))
        web = services.enter_context(tracker.process(gunicorn(port), "web"))
        logs = [*workers, scheduler, web]
        for log in workers:
            wait_for(lambda log=log: "ingest connected" in log.read_text(), 60, f"{log.name}: no connection",
                     logs)

        now = datetime.now(UTC).replace(second=0, microsecond=0)
        for code in LOGGERS:
            publisher = make_probe(broker, code, username=code, password=secrets[code])
            assert publisher.connect() == 0
            for payload in trace(now):
                assert publisher.publish(f"coldchain/loggers/{code}/telemetry", payload) == 0
        wait_for(lambda: stored_readings(runtime) >= len(LOGGERS) * MINUTES, 90, "readings missing", logs)

        def excursion_hooks() -> Counter[str]:
            return Counter(code for body in receiver.bodies for code in LOGGERS
                           if f"above its range on {code}" in body["title"])

        wait_for(lambda: len(excursion_hooks()) == len(LOGGERS), SCAN_INTERVAL_S + 30,
                 "not every logger's excursion reached the webhook", logs)
        served = check_the_web_tier(f"http://127.0.0.1:{port}", web, logs)
        time.sleep(SCAN_INTERVAL_S + 1)  # another scan: nothing may be raised or sent again
        return excursion_hooks(), served


def check_the_web_tier(url: str, web_log: Path, logs: list[Path]) -> set[str]:
    """Sign in once, then load pages in parallel: every one must be served signed in, by either worker."""
    wait_for(lambda: _answers(f"{url}/health"), 30, "gunicorn did not answer", logs)
    browser = requests.Session()
    login_page = browser.get(f"{url}/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', login_page)
    assert token, login_page
    signed_in = browser.post(f"{url}/login", timeout=10, allow_redirects=False, data={
        "username": "logistics", "password": DEMO_PASSWORD, "csrf_token": token.group(1)})
    assert signed_in.status_code == 302, signed_in.text
    with ThreadPoolExecutor(8) as pool:
        pages = list(pool.map(lambda _: browser.get(f"{url}/shipments/HG-2026-0045", timeout=30,
                                                    allow_redirects=False), range(40)))
    assert {page.status_code for page in pages} == {200}, [page.status_code for page in pages]
    assert all("LG-S1" in page.text for page in pages)
    return {line.split()[1] for line in web_log.read_text().splitlines()
            if line.startswith("served-by") and line.endswith("/shipments/HG-2026-0045")}


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.ConnectionError:
        return False
