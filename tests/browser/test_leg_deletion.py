"""Deleting a route leg in a real browser, as a line or a logger is removed: *Remove…* under the leg asks
why; without a reason nothing is sent; with one the leg goes, and the shipment's page then shows the gap
it leaves and the reason, once, in its trail."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser


def test_a_leg_is_deleted_only_with_a_reason(live_server, page):
    sign_in(page, live_server, "logistics")
    page.goto(f"{live_server}/shipments/HG-2026-0045")
    legs = page.locator("#legs + table tbody tr")
    expect(legs).to_have_count(4)
    expect(page.get_by_role("button", name="Delete leg 1")).to_have_count(0)  # started: history

    leg = legs.nth(3)
    leg.get_by_text("Remove…").click()
    leg.get_by_role("button", name="Delete leg 4").click()  # no reason given: the browser asks for one
    expect(legs).to_have_count(4)
    leg.get_by_label("Why? (kept in the audit trail)").fill("the airline delivers to the pharmacy")
    screenshot(page, "leg-delete-reason")
    leg.get_by_role("button", name="Delete leg 4").click()

    expect(page.get_by_text("Leg 4 deleted.")).to_be_visible()
    expect(legs).to_have_count(3)
    expect(page.locator("#route-warnings")).to_contain_text(
        "The route ends at BKK, but the shipment goes to SIRIRAJ-PH.")
    deletion = page.locator("table.audit tbody tr.audit-delete", has_text="HG-2026-0045 leg 4")
    expect(deletion).to_have_count(1)
    expect(deletion).to_contain_text("Li Wei")
    expect(deletion).to_contain_text("the airline delivers to the pharmacy")
    deletion.get_by_text("removed ·").click()
    expect(deletion.locator("td.change")).to_contain_text("mode: courier")
