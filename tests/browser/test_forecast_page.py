"""A planner runs the reorder forecast from its page, opens an item, reads its fan chart and tries a
what-if: in a real browser against a real server."""

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from logistics.app import build_runtime
from logistics.services import forecasting
from tests.browser.conftest import desk_chart, screenshot
from tests.browser.test_pages import sign_in
from tests.conftest import settings_for
from tests.web.live_server import web_server
from tests.web.test_forecast_pages import slots_from, store_run

pytestmark = pytest.mark.browser
MEASURE = Path(__file__).with_name("contrast.js").read_text(encoding="utf-8")


def test_run_the_forecast_open_an_item_and_try_a_what_if(live_server, page):
    sign_in(page, live_server, "logistics")
    page.get_by_role("link", name="Forecast", exact=True).click()
    expect(page.get_by_role("heading", name="Reorder forecast")).to_be_visible()
    page.get_by_role("button", name="Run the forecast now").click()
    expect(page.get_by_text(re.compile(r"^Forecast run as of"))).to_be_visible()
    assert not page.evaluate(MEASURE, None), "text contrast on the forecast page"

    page.get_by_role("link", name="LV-BGLOB").click()
    expect(page.get_by_role("heading", name=re.compile("Forecast for LV-BGLOB"))).to_be_visible()
    expect(page.locator("ul.reasons").first).to_contain_text("lead time plus the 90-day review period")
    plan = desk_chart(page, "Projected usable stock of LV-BGLOB as planned")
    expect(plan).to_be_visible()
    expect(plan.locator("polygon.fan-outer")).to_have_count(1)
    expect(plan.locator("line.fan-reorder")).to_have_count(1)
    box = plan.bounding_box()
    assert box["width"] > 600 and box["height"] > 150, box  # drawn at the page's width, not collapsed
    screenshot(page, "forecast-item")

    page.get_by_label("Recruitment pace").select_option(label="50% faster")
    page.get_by_label("Extra customs hold (days)").fill("7")
    page.get_by_role("button", name="Show the what-if").click()
    scenario = desk_chart(page, "Projected usable stock of LV-BGLOB in the what-if")
    expect(scenario).to_be_visible()
    order = page.locator("table.what-if tr", has=page.get_by_role("rowheader", name="Order", exact=True))
    cells = order.locator("td").all_inner_texts()  # "10 vial", "12 vial"
    assert float(cells[1].split()[0]) >= float(cells[0].split()[0])
    expect(page.get_by_label("Recruitment pace")).to_have_value("faster")
    assert not page.evaluate(MEASURE, None), "text contrast on the item page"
    screenshot(page, "forecast-what-if")


SLOW_RUNS = "30000"  # futures per run on this server: a run takes seconds, long enough to watch


@pytest.fixture(scope="module")
def forecast_server(sqlite_templates, tmp_path_factory):
    """`logistics web` on the demo with a stored forecast that lists manufacturing slots (one at risk),
    its runs slow enough that a run's progress shows."""
    folder = tmp_path_factory.mktemp("forecast")
    database = folder / "shipments.db"
    shutil.copyfile(sqlite_templates["demo"], database)
    runtime = build_runtime(settings_for(f"sqlite:///{database}", forecast_runs=2000))
    try:
        store_run(runtime, slots=slots_from(forecasting.today(runtime.settings, datetime.now(UTC))))
    finally:
        runtime.close()
    with web_server(f"sqlite:///{database}", forecast_runs=SLOW_RUNS) as url:
        yield url


def page_fits(page, width):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll} px wide at {width} px"


@pytest.mark.parametrize("width", [1366, 390])
def test_the_slots_and_the_scenarios_compared_read_on_a_desk_and_a_phone(forecast_server, page, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, forecast_server, "viewer")
    page.goto(f"{forecast_server}/forecast")
    expect(page.get_by_role("heading", name="Next manufacturing slots")).to_be_visible()
    at_risk = page.locator("table.slots tr.at-risk")
    expect(at_risk).to_have_count(2)  # P007 at 62 % and P009 at 94.99 %
    expect(at_risk.first).to_contain_text("P007")
    expect(at_risk.last).to_contain_text("94%")
    expect(at_risk.first.get_by_text("at risk")).to_be_visible()
    expect(at_risk.first.get_by_role("link", name="QC-ENDO")).to_be_visible()
    page_fits(page, width)
    assert not page.evaluate(MEASURE, None), "text contrast of the slots"
    screenshot(page, f"forecast-slots-{width}")

    page.get_by_role("link", name="Compare scenarios", exact=True).click()
    expect(page.get_by_role("heading", name="Forecast scenarios compared")).to_be_visible(timeout=30_000)
    canvas = "wide" if width > 640 else "narrow"
    chart = page.get_by_role("img", name="Highest stock-out risk by scenario") \
        .and_(page.locator(f"svg.{canvas}"))
    expect(chart).to_be_visible()
    expect(chart.locator("rect.bar-actual")).to_have_count(4)
    group = page.locator("table.compare tbody#item-LV-BGLOB tr")
    expect(group).to_have_count(5)  # the item's heading and its four scenarios
    expect(group.nth(4)).to_contain_text("14 more days at customs")
    page_fits(page, width)
    assert not page.evaluate(MEASURE, None), "text contrast of the comparison"
    screenshot(page, f"forecast-compare-{width}")


def test_a_run_s_progress_shows_until_the_new_forecast(forecast_server, page):
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, forecast_server, "logistics")
    page.goto(f"{forecast_server}/forecast")
    page.get_by_role("button", name="Run the forecast now").click()
    bar = page.locator("progress#forecast-progress")
    expect(bar).to_be_visible()
    expect(page.get_by_text(re.compile("^Running the forecast, started by logistics"))).to_be_visible()
    screenshot(page, "forecast-progress")
    expect(page.get_by_text(re.compile(r"^Forecast run as of"))).to_be_visible(timeout=60_000)
    expect(bar).to_have_count(0)
    expect(page.locator("table.forecast tbody tr")).to_have_count(14)
