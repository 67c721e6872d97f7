"""A courier's hand-over through a one-shipment link, in Chromium on a phone (390 px wide): logistics staff
make the link at a desk; the courier opens it without an account, records the hand-over on a page that
fits the screen, and the shipment's page shows it in its timeline."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
REFERENCE = "HG-2026-0045"


def fits(page) -> None:
    scrolled, shown = page.evaluate(PAGE_WIDTH)
    assert scrolled <= shown, (page.url, scrolled, shown)


def test_a_courier_records_a_hand_over_through_the_link_on_a_phone(live_server, browser):
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    staff = desk.new_page()
    sign_in(staff, live_server, "logistics")
    staff.goto(f"{live_server}/shipments/{REFERENCE}")
    staff.get_by_role("link", name="Hand-over link").click()
    expect(staff.get_by_role("img", name="QR code of the hand-over link")).to_be_visible()
    link = urlsplit(staff.locator("#handover-url").inner_text().strip()).path  # at the configured address

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    courier = phone.new_page()
    courier.goto(f"{live_server}{link}")
    expect(courier.get_by_role("heading", name=f"Hand-over of {REFERENCE}")).to_be_visible()
    expect(courier.get_by_text("CX705")).to_be_visible()
    fits(courier)
    courier.get_by_label("Handed over by").select_option(label="carrier")
    courier.get_by_label("Taken by").select_option(label="customs broker")
    courier.get_by_label("Your name").fill("Siriporn K.")
    courier.get_by_label("Where (a site code, or the place in words)").fill("BKK")
    courier.get_by_label("Onto leg").select_option("3")
    for check in ("seals_intact", "packaging_intact"):
        courier.locator(f"#{check}").get_by_label("yes").check()
    courier.get_by_label("Coolant").select_option(label="cold")
    screenshot(courier, "handover-phone")
    courier.get_by_role("button", name="Record the hand-over").click()
    expect(courier.get_by_role("heading", name="Hand-over recorded")).to_be_visible()
    fits(courier)
    phone.close()

    staff.goto(f"{live_server}/shipments/{REFERENCE}")
    timeline = staff.locator("ol.handovers")
    expect(timeline).to_contain_text("carrier → customs broker")
    expect(timeline).to_contain_text("recorded by Siriporn K.")
    desk.close()
