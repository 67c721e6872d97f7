"""The dashboard in a real browser: the most urgent shipment on top, goods with no logger flagged."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, serving
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser


def a_critical_excursion_and_goods_with_no_logger(database: Path) -> None:
    """HG-2026-0046's LG-24005 at −5 °C for the last hour (dry ice: critical), found by a scan; both
    loggers taken out of HG-2026-0045, in transit, two hours ago."""
    from logistics.app import build_runtime
    from logistics.db.engine import unit_of_work
    from logistics.readers.config_files import load_alert_routes
    from logistics.services import loggers
    from logistics.services.excursions import scan
    from logistics.services.telemetry import TelemetryStore
    from sensors.intake import IncomingMessage
    from tests.conftest import settings_for

    runtime = build_runtime(settings_for(f"sqlite:///{database}"))
    now = datetime.now(UTC).replace(microsecond=0)
    warm = [{"ts": (now - timedelta(minutes=60 - 5 * i)).isoformat(), "temp": -5.0} for i in range(12)]
    TelemetryStore(runtime.engine).store([IncomingMessage(
        source="mqtt", logger_code="LG-24005", payload=json.dumps({"readings": warm}).encode(),
        received_at=now)])
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        scan(session, runtime.profiles, load_alert_routes(), now=now)
    with unit_of_work(runtime.sessions, actor="logistics", reason="loggers taken out") as session:
        for code in ("LG-24003", "LG-24004"):
            loggers.stop_recording(session, reference="HG-2026-0045", logger_code=code,
                                   at=now - timedelta(hours=2))
    runtime.close()


def test_the_critical_shipment_comes_first_and_goods_with_no_logger_need_attention(live_server, page,
                                                                                     tmp_path):
    a_critical_excursion_and_goods_with_no_logger(tmp_path / "shipments.db")
    sign_in(page, live_server, "logistics")
    page.goto(f"{live_server}/")
    rows = page.locator("table.dashboard tbody tr")
    expect(rows.first).to_have_attribute("data-reference", "HG-2026-0046")
    expect(rows.first).to_have_attribute("data-attention", "critical")
    expect(rows.first.locator(".badge-critical", has_text="critical")).to_be_visible()
    unwatched = page.locator('tr[data-reference="HG-2026-0045"]')
    # Its windows closed with no reading: the server's own scan may find that gap (major) by now.
    expect(unwatched).to_have_class(re.compile(r"^attention attention-(other|major)$"))
    badge = unwatched.locator(".badge", has_text="no logger recording for 2 h")
    expect(badge).to_be_visible()
    assert badge.evaluate("b => getComputedStyle(b).fontWeight") == "700"  # a badge, not small grey text
    expect(page.locator("table.dashboard caption")).to_contain_text("3 of 3 need attention")
    screenshot(page, "dashboard-attention")


def test_a_page_of_the_dashboard_keeps_its_place_when_it_refreshes_and_its_counts_list_what_they_count(
        sqlite_templates, page, tmp_path):
    with serving(sqlite_templates["demo"], tmp_path, page_size="1") as server:
        sign_in(page, server, "logistics")
        page.goto(f"{server}/?page=2")
        rows = page.locator("table.dashboard tbody tr")
        expect(rows).to_have_count(1)
        second = rows.first.get_attribute("data-reference")
        expect(page.locator("nav.pager")).to_contain_text("3 shipments · page 2 of 3")
        expect(page.locator("table.dashboard caption")).to_contain_text("3 of 3 need attention")
        page.locator("#live table").evaluate("table => table.dataset.before = 'refresh'")
        with page.expect_response(lambda response: "/dashboard/live?page=2" in response.url):
            page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # live.js refreshes now
        expect(page.locator("#live table[data-before]")).to_have_count(0)  # swapped for the new fragment
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-reference", second)
        screenshot(page, "dashboard-paged")
        page.get_by_role("link", name="Next →").click()
        expect(page).to_have_url(re.compile(r"/\?page=3$"))
        page.locator("nav.dashboard-counts a", has_text="packed").click()
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-reference", "HG-2026-0047")
        expect(page.locator("nav.dashboard-counts a.chosen")).to_contain_text("packed 1")
