"""Make the README's screenshots from the demo scenario with simulated telemetry (reproducible).

Builds a throw-away database with the demo data, records a simulated journey for each logger of the
shipments under way (one of them with an excursion on the Bangkok apron), runs the scheduler's jobs
once, serves the web app on a free port and photographs the dashboard and a shipment page with
Debian's Chromium; then receives that shipment (its lines go to quarantine) and photographs QA's
decision page for one of them, whole: the evidence (the lot's allowance against its use, each logger's
chart and figures, the excursion), the box as found, the excursion's assessment form and the release
button that says why it cannot be pressed yet.

Run: .venv/bin/python docs/screenshots.py
"""

from __future__ import annotations

import json
import random
import socket
import sys
import tempfile
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from logistics.app import build_runtime  # noqa: E402
from logistics.core.receiving import Checklist, CoolantState, Disposition  # noqa: E402
from logistics.db import migrate  # noqa: E402
from logistics.db.engine import unit_of_work  # noqa: E402
from logistics.services import receiving, shipments  # noqa: E402
from logistics.services.demo import load_demo  # noqa: E402
from logistics.services.excursions import scan  # noqa: E402
from logistics.services.series import roll_up  # noqa: E402
from logistics.services.stability import check_budgets  # noqa: E402
from logistics.services.telemetry import TelemetryStore  # noqa: E402
from logistics.settings import load_settings  # noqa: E402
from logistics.web import create_app  # noqa: E402
from sensors.intake import IncomingMessage  # noqa: E402
from sensors.journey import default_journey, journey_duration, simulate_journey  # noqa: E402
from sensors.simulator import native_reading  # noqa: E402

DOCS = Path(__file__).resolve().parent
PASSWORD = "coldchain-demo"
# Logger, storage profile, hours since it was packed (as in config/demo.toml), excursion on the apron.
JOURNEYS = [("LG-24003", "refrigerated", 10, True), ("LG-24004", "refrigerated", 10, False),
            ("LG-24005", "dry_ice", 41, False), ("LG-24007", "frozen", 41, False)]


def record_journeys(runtime, now: datetime) -> None:
    store = TelemetryStore(runtime.engine)
    for logger, profile, hours, excursion in JOURNEYS:
        phases = default_journey(customs_hours=max(hours - 8.5, 0.5), inject_excursion=excursion,
                                 profile=profile)
        start = now - journey_duration(phases)
        readings = [native_reading(reading) for reading in simulate_journey(
            phases, start=start, interval_s=300, profile=profile, rng=random.Random(logger))
            if reading.time >= now - timedelta(hours=hours)]
        store.store([IncomingMessage(source="mqtt", logger_code=logger, received_at=now,
                                     payload=json.dumps({"readings": readings}).encode())])


def run_jobs(runtime, now: datetime) -> None:
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        report = scan(session, runtime.profiles, [], now=now)
        check_budgets(session, report.shipments, runtime.profiles, [], now=now)
    while True:
        with unit_of_work(runtime.sessions, actor="scheduler") as session:
            if roll_up(session) == 0:
                return


def photograph(url: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{url}/login")
        page.get_by_label("User name").fill("logistics")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{url}/")
        page.screenshot(path=str(DOCS / "screenshot-dashboard.png"))
        page.goto(f"{url}/shipments/HG-2026-0045")
        page.locator("figure.chart").first.wait_for()
        page.screenshot(path=str(DOCS / "screenshot-shipment.png"), full_page=True,
                        clip={"x": 0, "y": 0, "width": 1280, "height": 1500})
        browser.close()


def received(runtime, now: datetime) -> int:
    """The pharmacy receives HG-2026-0045 as shipped; the id of the SEL-CD34 line, now in quarantine."""
    box = Checklist(packaging_intact=True, seals_intact=True, coolant_present=True,
                    coolant_state=CoolantState.COLD, logger_present=True, logger_alarm=False,
                    documents_complete=True, import_permit_present=True)
    with unit_of_work(runtime.sessions, actor="pharmacy", reason="received") as session:
        lines = shipments.describe_shipment(session, "HG-2026-0045").lines
        counts = [receiving.LineCount(line.id, line.lot_number, None, line.quantity, 0.0, 0.0,
                                      Disposition.ACCEPT) for line in lines]
        receipt = receiving.receive(session, "HG-2026-0045", receiving.ReceiptDraft(box, counts),
                                    runtime.profiles, by="pharmacy", now=now)
        found = receiving.receipt_lines(session, receipt)
        return next(found[line.id].id for line in lines if line.item_code == "SEL-CD34")


def photograph_decision(url: str, line_id: int) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{url}/login")
        page.get_by_label("User name").fill("qa")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{url}/")
        page.goto(f"{url}/qa/lines/{line_id}")
        page.locator("figure.chart").first.wait_for()
        page.wait_for_load_state("networkidle")  # every chart drawn by script
        page.screenshot(path=str(DOCS / "screenshot-qa-decision.png"), full_page=True)
        browser.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(environ={}, overrides={
            "database_url": f"sqlite:///{folder}/screenshots.db", "secret_key": "screenshots",
            "log_level": "WARNING"})
        runtime = build_runtime(settings)
        migrate.upgrade(runtime.engine)
        with unit_of_work(runtime.sessions, actor="demo", reason="demo data") as session:
            load_demo(session, runtime.profiles, now=now)
        record_journeys(runtime, now)
        run_jobs(runtime, now)
        port = free_port()
        server = make_server("127.0.0.1", port, create_app(runtime, demo=True), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            photograph(f"http://127.0.0.1:{port}")
            photograph_decision(f"http://127.0.0.1:{port}", received(runtime, now))
        finally:
            server.shutdown()
            runtime.close()
    print(f"wrote {DOCS / 'screenshot-dashboard.png'}, {DOCS / 'screenshot-shipment.png'} and "
          f"{DOCS / 'screenshot-qa-decision.png'}")


if __name__ == "__main__":
    main()
