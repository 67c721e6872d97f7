"""A planner runs the reorder forecast from its page, opens an item, reads its fan chart and tries a
what-if: in a real browser against a real server."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import desk_chart, screenshot
from tests.browser.test_pages import sign_in

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
