"""The pharmacy receives a box with an excursion, the goods go to quarantine, QA assesses the excursion,
releases part of the line with its unit and signs, and the stock becomes available: the whole flow in a
real browser against a real server."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import an_excursion_on_the_way, screenshot
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser
CHECKS = ("Outer packaging intact", "Seals intact", "Coolant present", "Logger present", "Documents complete",
          "Import permit present")


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_receive_quarantine_sign_and_stock(live_server, page, tmp_path):
    an_excursion_on_the_way(tmp_path / "shipments.db")
    sign_in(page, live_server, "pharmacy")
    page.get_by_role("link", name="Receiving").click()
    # A scanner reading the packing list's QR code types its address:
    page.get_by_label("Shipment reference").fill(f"{live_server}/receiving/HG-2026-0045")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Receive HG-2026-0045"))).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("1 excursion is not resolved")

    for check in CHECKS:
        page.get_by_role("group", name=check).get_by_label("yes").check()
    page.get_by_role("group", name="Logger shows an alarm").get_by_label("no").check()
    page.get_by_label("Coolant").select_option("cold")
    for line in page.locator("fieldset.line").all():
        shipped_lot = re.search(r"of lot (\S+),", line.locator("legend").inner_text()).group(1)
        line.get_by_label("Lot on the pack").fill(shipped_lot)
    screenshot(page, "receiving-form")
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.get_by_text("HG-2026-0045 received.")).to_be_visible()
    expect(page.locator("span.disposition-quarantine").first).to_have_text("quarantine")
    screenshot(page, "receiving-done")
    sign_out(page)

    sign_in(page, live_server, "qa")
    page.get_by_role("link", name="QA release").click()
    row = page.locator("table.qa tr", has_text="SK2609-031")
    expect(row).to_contain_text("above_8c_30min")
    row.get_by_role("link", name="Decide").click()
    # The excursion is not assessed yet: no release, and the button says why.
    expect(page.get_by_role("button", name="Cannot release: 1 excursion not assessed")).to_be_disabled()
    expect(page.get_by_role("button", name="Reject all")).to_be_enabled()
    assessment = page.locator("article.assessment", has_text="above_8c_30min")
    expect(assessment).to_contain_text("LG-24003")
    expect(assessment).to_contain_text("Stability allowance: used")
    assessment.get_by_label("Root cause").select_option("packaging")
    assessment.get_by_label("What the assessment rests on").fill("Gel packs conditioned too warm at packing")
    assessment.get_by_label("No impact on the product").check()
    screenshot(page, "qa-assessment")
    assessment.get_by_role("button", name=re.compile("Record the assessment")).click()
    expect(page.get_by_text("Assessment recorded.")).to_be_visible()
    expect(page.locator("article.assessment")).to_contain_text("Assessed: no impact")

    # A partial release with its unit; the next step states what is released and what is rejected.
    page.get_by_label("Released, for a partial release").fill("4 kit")
    page.get_by_label("Reason for the decision").fill("40 min at 9.5 °C, within the 72 h stability budget")
    page.get_by_role("button", name="Release part").click()
    expect(page.locator("#summary")).to_contain_text("Release 4 kit and reject the remaining 2 kit.")
    page.get_by_label("Password, to sign").fill("wrong-password")
    page.get_by_role("button", name="Sign the decision").click()
    expect(page.locator("#password-error")).to_contain_text("nothing was signed")
    expect(page.locator("#summary")).to_contain_text("reject the remaining 2 kit")
    page.get_by_label("Password, to sign").fill("coldchain-demo")
    screenshot(page, "qa-signing")
    page.get_by_role("button", name="Sign the decision").click()
    expect(page.get_by_text("Decision signed.")).to_be_visible()
    expect(page.locator("table.qa tr", has_text="SK2609-031")).to_have_count(0)

    page.get_by_role("link", name="Stock").click()
    stock_row = page.locator("table.stock tr", has_text="SK2609-031")
    expect(stock_row.locator("td.stock-available")).to_have_text("4 kit")
    expect(stock_row.locator("td.stock-rejected")).to_have_text("2 kit")
    screenshot(page, "stock")
