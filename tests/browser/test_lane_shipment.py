"""A logistics user plans a shipment from a demo lane in a real browser: the lane and a departure chosen,
the proposed legs carry planned times that follow from that departure (in each site's own time), and the
shipment recorded shows them, with the lane it was planned from."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser


def test_a_shipment_is_planned_from_a_demo_lane(live_server, page):
    sign_in(page, live_server, "logistics")
    page.goto(f"{live_server}/shipments")
    page.get_by_role("link", name="New shipment from lane").click()
    page.get_by_label("Lane").select_option("SZ-SZX-BKK-CM")
    page.get_by_label("Reference").fill("HG-2026-0500")
    page.get_by_label("Departure").fill("2026-12-10T08:30")
    page.get_by_role("button", name="Plan the shipment").click()

    expect(page.get_by_role("heading", name="New shipment from lane SZ-SZX-BKK-CM")).to_be_visible()
    packaging = page.get_by_label("Packaging", exact=True)
    expect(packaging).to_have_value("Dry-ice shipper, 12 kg pellets, qualified 96 h")
    expect(page.get_by_label("Coolant, net kg (required for dry ice)")).to_have_value("12")
    # Starts in the leg's origin's time, ends in its destination's: the flight leaves SZX at 14:30 +08:00 and
    # lands at BKK 3.5 h later, 17:00 +07:00.
    starts = ["2026-12-10T08:30", "2026-12-10T14:30", "2026-12-10T18:00", "2026-12-11T22:00"]
    ends = ["2026-12-10T10:30", "2026-12-10T17:00", "2026-12-11T18:00", "2026-12-12T00:00"]
    for number, (start, end) in enumerate(zip(starts, ends, strict=True), start=1):
        expect(page.get_by_label(f"Planned start of leg {number}")).to_have_value(start)
        expect(page.get_by_label(f"Planned end of leg {number}")).to_have_value(end)
    expect(page.get_by_label("Planned arrival")).to_have_value("2026-12-12T00:00")
    page.get_by_label("Flight or truck of leg 2").fill("CZ3081")
    page.get_by_label("Logger 1").select_option("LG-24008")
    screenshot(page, "lane-shipment-proposal")
    page.get_by_role("button", name="Create shipment").click()

    expect(page.get_by_text("Shipment HG-2026-0500 created.")).to_be_visible()
    expect(page.get_by_role("link", name="SZ-SZX-BKK-CM")).to_be_visible()
    legs = page.locator("#legs + table tbody tr")
    expect(legs).to_have_count(4)
    expect(legs.nth(1)).to_contain_text("China Southern Cargo CZ3081")
    expect(legs.nth(1)).to_contain_text("Dec 10, 2026, 14:30 +08:00")
    expect(legs.nth(3)).to_contain_text("Dec 11, 2026, 22:00 +07:00")
