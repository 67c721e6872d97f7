"""The pages in a real browser against a real server process."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import an_excursion_on_the_way, screenshot

pytestmark = pytest.mark.browser


def sign_in(page, url, username, password="coldchain-demo"):
    page.goto(f"{url}/shipments")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    # Back on the page asked for: callers read it at once, so not while the sign-in form still shows.
    expect(page).not_to_have_url(re.compile(r"/login"))
    page.wait_for_load_state()


def test_sign_in_and_see_the_demo_shipments(live_server, page):
    sign_in(page, live_server, "logistics")
    expect(page.get_by_role("heading", name="Shipments")).to_be_visible()
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(6)
    expect(page.get_by_role("link", name="HG-2026-0045")).to_be_visible()
    screenshot(page, "shipments-list")
    page.get_by_role("link", name="HG-2026-0045").click()
    expect(page.get_by_role("heading", name=re.compile("HG-2026-0045"))).to_be_visible()
    expect(page.get_by_role("cell", name="Cathay Cargo CX705")).to_be_visible()
    expect(page.get_by_text("+08:00").first).to_be_visible()
    screenshot(page, "shipment-detail")


def test_the_pages_draw_their_icon_and_ask_for_nothing_missing(live_server, page):
    refused = []
    page.on("response", lambda response: refused.append((response.status, response.url))
            if response.status >= 400 else None)
    sign_in(page, live_server, "logistics")
    for path in ("/", "/shipments/HG-2026-0045", "/stock"):
        page.goto(f"{live_server}{path}")
    icon = page.evaluate("fetch(document.querySelector('link[rel=icon]').href)"
                         ".then(answer => [answer.status, answer.headers.get('content-type')])")
    assert icon[0] == 200 and icon[1].startswith("image/svg+xml")
    assert page.evaluate("fetch('/favicon.ico').then(answer => answer.status)") == 200
    assert refused == []


def test_a_bad_air_waybill_is_shown_at_the_field(live_server, page):
    sign_in(page, live_server, "logistics")
    page.get_by_role("link", name="New shipment", exact=True).click()
    page.get_by_label("Reference").fill("HG-2026-0300")
    page.get_by_label("Origin", exact=True).select_option("HG-SZ")
    page.get_by_label("Destination", exact=True).select_option("SIRIRAJ-PH")
    page.get_by_label("Air waybill").fill("160-48122035")
    page.get_by_role("button", name="Create shipment").click()
    error = page.locator("#air_waybill-error")
    expect(error).to_have_text(re.compile("check digit should be 4, not 5"))
    expect(page.get_by_label("Air waybill")).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Air waybill").fill("160-48122034")
    page.get_by_role("button", name="Create shipment").click()
    expect(page.get_by_role("heading", name=re.compile("HG-2026-0300"))).to_be_visible()
    expect(page.get_by_text("Shipment HG-2026-0300 created.")).to_be_visible()
    # Contents: a quantity in a unit the item is not issued in is refused beside the field, kept as typed.
    page.get_by_label("Lot", exact=True).select_option("SEL-CD34/SK2609-031")
    page.get_by_label("Quantity").fill("500 mL")
    page.get_by_role("button", name="Add line").click()
    expect(page.locator("#line-quantity-error")).to_have_text("'500 mL' cannot be expressed in kit")
    expect(page.get_by_label("Lot", exact=True)).to_have_value("SEL-CD34/SK2609-031")
    expect(page.get_by_label("Quantity")).to_have_value("500 mL")
    page.get_by_label("Quantity").fill("6 kits")
    page.get_by_role("button", name="Add line").click()
    expect(page.get_by_role("cell", name="6 kit", exact=True)).to_be_visible()


def test_a_viewer_sees_no_edit_controls(live_server, page):
    sign_in(page, live_server, "viewer")
    expect(page.get_by_role("link", name=re.compile(r"^New shipment"))).to_have_count(0)
    page.goto(f"{live_server}/shipments/new")
    expect(page.get_by_role("heading", name="Forbidden")).to_be_visible()


def test_the_logger_registry_and_rejections_pages(live_server, page):
    sign_in(page, live_server, "logistics")
    page.get_by_role("link", name="Loggers").click()
    expect(page.get_by_role("heading", name="Loggers")).to_be_visible()
    expect(page.get_by_role("cell", name="LG-24003")).to_be_visible()
    page.get_by_label("Logger id").fill("LG-90001")
    page.get_by_label("Serial number").fill("SN-90001")
    page.get_by_role("button", name="Register logger").click()
    expect(page.locator("#logger-secret")).to_have_text(re.compile(r"^[A-Za-z0-9_-]{43}$"))
    page.get_by_role("link", name="Rejected telemetry").click()
    expect(page.get_by_text("Nothing rejected.")).to_be_visible()


def test_the_dashboard_shows_a_new_reading_without_a_reload(live_server, page, tmp_path):
    from datetime import UTC, datetime, timedelta

    from logistics.db.engine import make_engine
    from logistics.services.telemetry import TelemetryStore
    from sensors.intake import IncomingMessage

    sign_in(page, live_server, "logistics")
    page.goto(f"{live_server}/?every=5")
    logger = page.locator('tr[data-reference="HG-2026-0045"] .logger-now', has_text="LG-24003")
    expect(logger).to_contain_text("never")
    screenshot(page, "dashboard")
    engine = make_engine(f"sqlite:///{tmp_path / 'shipments.db'}")
    now = datetime.now(UTC)
    payload = f'{{"ts": "{(now - timedelta(seconds=20)).isoformat()}", "temp": 9.6}}'.encode()
    TelemetryStore(engine).store([IncomingMessage(source="mqtt", logger_code="LG-24003", payload=payload,
                                                  received_at=now)])
    engine.dispose()
    loaded_at = page.evaluate("performance.timeOrigin")
    expect(logger).to_contain_text("9.6 °C", timeout=15_000)
    expect(logger.get_by_text("above range")).to_be_visible()
    assert page.evaluate("performance.timeOrigin") == loaded_at, "the page was reloaded"
    # On a phone at the airport: each shipment a card, nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    expect(logger).to_be_visible()
    wide = page.evaluate("[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect()"
                         ".right > window.innerWidth + 1).map(e => e.tagName).slice(0, 8).join(' ')")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), wide
    card = page.locator('tr[data-reference="HG-2026-0045"]')
    assert card.evaluate("row => getComputedStyle(row).display") == "block"
    screenshot(page, "dashboard-phone")


def test_the_shipment_chart_draws_the_range_an_excursion_and_zooms(live_server, page, tmp_path):
    # LG-24003 joined 10 h ago and its readings began 2 h later: that time is no data, and an excursion.
    rules = an_excursion_on_the_way(tmp_path / "shipments.db", joined_hours_ago=10)
    assert rules == ["no_data_gap", "above_8c_30min"]
    sign_in(page, live_server, "logistics")
    page.goto(f"{live_server}/shipments/HG-2026-0045")
    chart = page.locator("figure.chart", has_text="LG-24003")
    expect(chart.locator("rect.band")).to_have_count(1)
    expect(chart.locator("rect.excursion")).to_have_count(1)
    # No data is hatched: the 2 h before the first reading (a fifth of the chart's 10 h), and LG-24004's
    # whole time, as it sent nothing; the legend says what the hatching means.
    leading = chart.locator("rect.no-data")
    expect(leading).to_have_count(1)
    assert 0.19 < float(leading.get_attribute("width")) / (900 - 46 - 12) < 0.21
    expect(leading.locator("title")).to_contain_text("no data from")
    silent = page.locator("figure.chart", has_text="LG-24004").locator("rect.no-data")
    assert float(silent.get_attribute("width")) == pytest.approx(900 - 46 - 12, abs=1)
    expect(page.locator("ul.chart-legend")).to_contain_text("no data (no reading covers the time)")
    summary = page.locator("table.summary tr", has_text="LG-24003")
    expect(summary.locator("td").last).to_have_text("120 min")  # the 2 h before the first reading
    line = chart.locator("path.reading-line").get_attribute("d")
    assert line.count("M") == 1 and line.count("L") > 20, "the readings are not joined into one line"
    chart.locator("svg").scroll_into_view_if_needed()  # the mouse reaches only what is on the screen
    box = chart.locator("svg").bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    expect(chart.locator("output.readout")).to_contain_text("°C")
    screenshot(page, "shipment-chart")
    before = chart.locator("text.axis").all_text_contents()
    page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] / 2)
    page.mouse.up()
    expect(chart.locator("text.axis")).not_to_have_text(before)  # new time axis for the zoomed span
    # Without a mouse: the buttons, and the keyboard on the focused chart.
    chart.get_by_role("button", name="Whole time on LG-24003").click()
    expect(chart.locator("text.axis")).to_have_text(before)
    chart.locator("svg").focus()
    page.keyboard.press("+")
    expect(chart.locator("text.axis")).not_to_have_text(before)
    page.keyboard.press("0")
    expect(chart.locator("text.axis")).to_have_text(before)


def test_the_shipment_page_downloads_its_readings_as_csv(live_server, page, tmp_path):
    import csv

    an_excursion_on_the_way(tmp_path / "shipments.db")  # LG-24003: 96 readings since it joined, 8 h ago
    sign_in(page, live_server, "pharmacy")  # a role that only looks at shipments
    page.goto(f"{live_server}/shipments/HG-2026-0045")
    for link, name, count in (("Download readings (CSV)", "", 96),
                              ("Download the readings of LG-24003 (CSV)", "-LG-24003", 96),
                              ("Download the readings of LG-24004 (CSV)", "-LG-24004", 0)):  # it sent nothing
        with page.expect_download() as arrival:
            page.get_by_role("link", name=link).click()
        download = arrival.value
        assert download.suggested_filename == f"HG-2026-0045{name}-readings.csv"
        with open(download.path(), encoding="utf-8", newline="") as saved:
            rows = list(csv.DictReader(saved))
        assert len(rows) == count, link
        assert {row["logger"] for row in rows} <= {"LG-24003"}
        assert all(row["temperature_c"] and row["device_time"].endswith("+00:00") for row in rows)
