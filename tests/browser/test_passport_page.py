"""A lot's stability passport and a storage zone in a real browser: what a QA person reads and looks at."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from logistics.app import build_runtime
from logistics.db.engine import unit_of_work
from logistics.services import stock
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.browser.conftest import desk_chart, screenshot
from tests.browser.test_contrast import MEASURE
from tests.browser.test_pages import sign_in
from tests.conftest import settings_for

pytestmark = pytest.mark.browser


def kits_in_the_pharmacy_fridge(database):
    """SEL-CD34/SK2607-114 held at SIRIRAJ-PH for two days; its fridge's logger saw 3 h at 11 °C
    (3 · e^(10000 · (1/298.15 − 1/284.15)) = 3 · 0.19159 = 0.57 h at 25 °C)."""
    runtime = build_runtime(settings_for(f"sqlite:///{database}"))
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    try:
        with unit_of_work(runtime.sessions, actor="pharmacy") as session:
            stock.open_balance(session, site="SIRIRAJ-PH", lot="SEL-CD34/SK2607-114", quantity="3 kit",
                               by="pharmacy", now=start)
        readings = [{"ts": (start + timedelta(minutes=10 * i)).isoformat(),
                     "temp": 11.0 if 120 <= i < 138 else 5.0} for i in range(280)]
        TelemetryStore(runtime.engine).store([IncomingMessage(
            source="mqtt", logger_code="LG-24101", received_at=start,
            payload=json.dumps({"readings": readings}).encode())])
    finally:
        runtime.close()


def test_a_qa_person_reads_a_lots_passport_from_the_stock_page(live_server, page, tmp_path):
    kits_in_the_pharmacy_fridge(tmp_path / "shipments.db")
    sign_in(page, live_server, "qa")
    page.get_by_role("link", name="Stock", exact=True).click()
    page.get_by_role("link", name="SK2607-114").first.click()
    expect(page.get_by_role("heading", name=re.compile("SEL-CD34 lot SK2607-114"))).to_be_visible()
    verdict = page.locator("section.allowance")
    expect(verdict).to_contain_text("Used 3.0 h (0.6 h equivalent at 25 °C) of 72.0 h at ≤ 25 °C.")
    expect(verdict).to_contain_text(re.compile(r"MKT \d+\.\d °C over .+ – .+\+07:00"))
    chart = desk_chart(page, "The allowance used over the lot's life")
    expect(chart).to_be_visible()
    assert chart.bounding_box()["height"] > 150
    life = page.locator("table.passport tbody tr")
    expect(life).to_have_count(2)
    expect(life.nth(1)).to_contain_text("Storage at SIRIRAJ-PH · SIR-FRIDGE-1")
    expect(life.nth(1)).to_contain_text("LG-24101")
    assert not page.evaluate(MEASURE, None)  # no text below the contrast WCAG AA asks for
    screenshot(page, "lot-passport")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "passport-SEL-CD34-SK2607-114.csv"
    page.get_by_role("link", name="SIR-FRIDGE-1").first.click()
    expect(page.get_by_role("heading", name=re.compile("SIR-FRIDGE-1"))).to_be_visible()
    expect(page.get_by_role("cell", name="LG-24101")).to_be_visible()
    assert not page.evaluate(MEASURE, None)
