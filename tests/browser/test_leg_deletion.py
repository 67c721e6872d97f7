"""Deleting a route leg in a real browser: the leg's own page asks why and to confirm; cancelling keeps it;
confirming deletes it, and the shipment's page then shows the gap it leaves and the reason in its trail."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser


def test_a_leg_is_deleted_only_after_a_reason_and_a_confirmation(live_server, page):
    sign_in(page, live_server, "logistics")
    page.goto(f"{live_server}/shipments/HG-2026-0045")
    legs = page.locator("#legs + table tbody tr")
    expect(legs).to_have_count(4)
    expect(page.get_by_role("link", name="Delete leg 1")).to_have_count(0)  # started: history

    page.get_by_role("link", name="Delete leg 4").click()
    expect(page.get_by_role("heading", name="Delete leg 4 of HG-2026-0045")).to_be_visible()
    page.get_by_role("link", name="Cancel").click()
    expect(legs).to_have_count(4)  # cancelled: nothing changed

    page.get_by_role("link", name="Delete leg 4").click()
    page.get_by_role("button", name="Delete leg 4").click()  # no reason given
    expect(page.get_by_role("alert")).to_contain_text("reason: say why the record changes")
    expect(page.get_by_label(re.compile("Why is this leg deleted"))).to_have_attribute("aria-invalid", "true")
    page.get_by_label(re.compile("Why is this leg deleted")).fill("the airline delivers to the pharmacy")
    screenshot(page, "leg-delete-confirmation")
    page.get_by_role("button", name="Delete leg 4").click()

    expect(page.get_by_text("Leg 4 deleted.")).to_be_visible()
    expect(legs).to_have_count(3)
    expect(page.locator("#route-warnings")).to_contain_text(
        "The route ends at BKK, but the shipment goes to SIRIRAJ-PH.")
    deletion = page.locator("table.audit tbody tr", has_text="leg 4: delete")
    expect(deletion).to_have_count(1)
    expect(deletion).to_contain_text("logistics")
    expect(deletion).to_contain_text("the airline delivers to the pharmacy")
    expect(deletion.locator("td.value").first).to_contain_text('"mode":"courier"')
