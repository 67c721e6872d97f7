"""A handheld scanner at the receiving bench types each pack's GS1 code into the scan field and ends it with
Enter: the lot and expiry of the pack's line are filled in. With script the page stays where it is; without
script the form goes to the server and comes back filled. Real browser, real server."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_contrast import MEASURE
from tests.browser.test_pages import sign_in
from tests.browser.test_receiving_flow import CHECKS, REFERENCE

pytestmark = pytest.mark.browser
GS = "\x1d"  # FNC1, as the scanner sends it between fields


def line(page, item):
    return page.locator("fieldset.line", has=page.locator("legend", has_text=item))


def scan(page, code):
    """What a keyboard-wedge scanner does: types the code key by key, then Enter."""
    field = page.get_by_label("Scan a pack's GS1 barcode")
    field.press_sequentially(code)
    field.press("Enter")


def test_each_scan_fills_its_line_in_place(live_server, page):
    sign_in(page, live_server, "pharmacy")
    page.goto(f"{live_server}/receiving/{REFERENCE}")
    page.evaluate("window.stayed = true")  # gone if the page were loaded again

    scan(page, "(01)09521234000013(17)270900(10)SK2609-031")  # human-readable; day 00: end of month
    kits = line(page, "SEL-CD34")
    expect(kits.get_by_label("Lot on the pack")).to_have_value("SK2609-031")
    expect(kits.get_by_label("Expiry on the pack")).to_have_value("2027-09-30")
    expect(page.locator("#scan-notice")).to_have_text(
        "SEL-CD34: lot SK2609-031 and expiry Sep 30, 2027 filled in from the pack's code.")
    expect(page.get_by_label("Scan a pack's GS1 barcode")).to_have_value("")  # ready for the next pack
    expect(page.get_by_label("Scan a pack's GS1 barcode")).to_be_focused()

    scan(page, f"]d201095212340000371727040010M26K05{GS}21SN-0007")  # DataMatrix, raw, FNC1 as GS
    bottles = line(page, "MED-HSC")
    expect(bottles.get_by_label("Lot on the pack")).to_have_value("M26K05")
    expect(bottles.get_by_label("Expiry on the pack")).to_have_value("2027-04-30")
    expect(bottles).to_have_class(re.compile(r"\bscanned\b"))

    scan(page, "(01)09521234000099(10)CB-2602-55")  # cryopreservation bags: not in this box
    expect(page.locator("#scan-error")).to_have_text(
        f"GTIN 09521234000099 (CRYO-BAG) is not on {REFERENCE}: check the pack against the packing list.")
    expect(page.get_by_label("Scan a pack's GS1 barcode")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#scan-notice")).to_have_text("")
    page.get_by_label("Scan a pack's GS1 barcode").fill("")

    scan(page, "(01)09521234000075(17)281331")  # a 13th month
    expect(page.locator("#scan-error")).to_contain_text("field (17) does not hold what GS1 allows there")
    expect(line(page, "TE-POLOX").get_by_label("Expiry on the pack")).to_have_value("")

    vials = line(page, "TE-POLOX").get_by_label("Lot on the pack")
    vials.fill("TE-26-019")
    vials.press("Enter")  # a scanner aimed at the lot field ends with Enter too: it sends nothing
    assert page.evaluate("window.stayed") is True  # nothing was sent: every scan was read in place
    expect(page.get_by_role("button", name="Record the receipt")).to_be_visible()  # nothing recorded
    page.set_viewport_size({"width": 390, "height": 844})  # the scanner's tablet held upright, or a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.evaluate(MEASURE, None) == []  # the notice and the error stand out from their background


def test_without_script_the_scan_goes_to_the_server_and_the_blind_count_is_recorded(live_server, browser):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, live_server, "pharmacy")
        page.goto(f"{live_server}/receiving/{REFERENCE}")
        scan(page, "(01)09521234000013(17)270900(10)SK2609-031")  # Enter sends the form, as the scan button
        expect(page.locator("#scan-notice")).to_contain_text("SEL-CD34: lot SK2609-031 and expiry")
        expect(line(page, "SEL-CD34").get_by_label("Lot on the pack")).to_have_value("SK2609-031")
        expect(line(page, "SEL-CD34").get_by_label("Expiry on the pack")).to_have_value("2027-09-30")
        scan(page, "(01)09521234000099")
        expect(page.locator("#scan-error")).to_contain_text("GTIN 09521234000099 (CRYO-BAG) is not on")
        page.get_by_label("Scan a pack's GS1 barcode").fill("")

        for check in CHECKS:
            page.get_by_role("group", name=check).get_by_label("yes").check()
        page.get_by_role("group", name="Logger shows an alarm").get_by_label("no").check()
        page.get_by_label("Coolant").select_option("cold")
        expect(page.get_by_text("shipped:")).to_have_count(0)  # blind: no quantity to copy
        for item, lot, counted in (("SEL-CD34", None, "5 kit"), ("MED-HSC", "M26K05", "12 bottle"),
                                   ("TE-POLOX", "TE-26-019", "10"), ("CRYO-CS10", "CS10-26H2", "4 bottle")):
            if lot:
                line(page, item).get_by_label("Lot on the pack").fill(lot)
            line(page, item).get_by_label("Received intact").fill(counted)
        page.get_by_role("button", name="Record the receipt").click()

        expect(page.get_by_text(f"{REFERENCE} received.")).to_be_visible()
        expect(page.get_by_text("The count differs from what was shipped on 1 line.")).to_be_visible()
        kits = page.locator("table.received tr", has_text="SEL-CD34")
        expect(kits.locator("td.difference")).to_have_text("-1 kit")
        expect(kits).to_contain_text("count differs")
    finally:
        context.close()
