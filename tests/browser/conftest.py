"""A real server process and headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.integration.mosquitto_helpers import PrivateBroker, broker_credentials
from tests.web.live_server import free_port, web_server

__all__ = ["free_port", "live_server", "screenshot"]  # free_port is imported from here by other tests

CHROMIUM = os.environ.get("LOGISTICS_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@contextmanager
def serving(demo: Path, folder: Path, **settings: str) -> Iterator[str]:
    """`logistics serve` on a copy of the demo database in `folder`, on a free port, with these further
    settings; its ingest subscribes at a broker of its own, not at one that other tests (or other runs)
    share."""
    database = folder / "shipments.db"
    shutil.copyfile(demo, database)
    credentials = broker_credentials(logger_ids=[])
    with PrivateBroker(folder / "broker", password_file_text=credentials.password_file_text,
                       acl_file_text=credentials.acl_file_text) as broker:
        mqtt_url = f"mqtt://ingest:{credentials.secrets['ingest']}@{broker.host}:{broker.port}"
        with web_server(f"sqlite:///{database}", command_name="serve", mqtt_url=mqtt_url, **settings) as url:
            yield url


@pytest.fixture
def live_server(sqlite_templates, tmp_path):
    """A server of the test's own; its database is tmp_path / "shipments.db"."""
    with serving(sqlite_templates["demo"], tmp_path) as url:
        yield url


@pytest.fixture(scope="module")
def module_live_server(sqlite_templates, tmp_path_factory):
    """One server for the tests of a module that change nothing another of them looks at: started once."""
    with serving(sqlite_templates["demo"], tmp_path_factory.mktemp("server")) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium must be installed on CI ({CHROMIUM})")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    yield opened
    context.close()


def desk_chart(page, name: str):
    """The chart named `name` on its wide canvas. Until the stylesheet has loaded, the narrow canvas the page
    keeps for phones is not hidden yet, and a role query alone would find both."""
    return page.get_by_role("img", name=name).and_(page.locator("svg.wide"))


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def an_excursion_on_the_way(database: Path, *, joined_hours_ago: float = 8) -> list[str]:
    """LG-24003 (HG-2026-0045) over the last 8 hours: about 5 °C every 5 minutes, and 40 minutes at 9.5 °C
    three hours ago; the scheduler has scanned it. It joined the shipment `joined_hours_ago` (when its
    readings begin, unless told otherwise). Returns the rules of the shipment's excursions recorded."""
    import json
    from datetime import UTC, datetime, timedelta

    from sqlmodel import select

    from logistics.app import build_runtime
    from logistics.db.engine import unit_of_work
    from logistics.db.models import ExcursionRecord, Logger, LoggerAssignment, Shipment
    from logistics.readers.config_files import load_alert_routes
    from logistics.services.excursions import scan
    from logistics.services.telemetry import TelemetryStore
    from sensors.intake import IncomingMessage
    from tests.conftest import settings_for

    runtime = build_runtime(settings_for(f"sqlite:///{database}"))
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with unit_of_work(runtime.sessions, actor="logistics", reason="joined the shipment") as session:
        joined = select(LoggerAssignment).join(Logger).where(Logger.code == "LG-24003")
        session.exec(joined).one().starts_at = now - timedelta(hours=joined_hours_ago)
    readings = [{"ts": (now - timedelta(minutes=480 - 5 * i)).isoformat(),
                 "temp": 9.5 if 60 <= i < 68 else 5.0 + (i % 5) / 10} for i in range(96)]
    TelemetryStore(runtime.engine).store([IncomingMessage(
        source="mqtt", logger_code="LG-24003", payload=json.dumps({"readings": readings}).encode(),
        received_at=now)])
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        scan(session, runtime.profiles, load_alert_routes(), now=now)
        rules = session.exec(select(ExcursionRecord.rule).join(Shipment)
                             .where(Shipment.reference == "HG-2026-0045")
                             .order_by(ExcursionRecord.start)).all()
    runtime.close()
    return list(rules)
