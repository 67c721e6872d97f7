"""A refused form in a real browser: the page stays, what was typed stays, and the refusal stands beside
its field, in view, with the focus on that field: not in a banner at the top of a long page."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_contrast import MEASURE
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser

OPEN = "HG-2026-0048"  # planned: its contents and route may change


def in_view(page, selector: str) -> bool:
    """Whether the element's box lies wholly inside the viewport."""
    box = page.locator(selector).bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None, selector
    return (box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
            and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"])


def focused_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def submit(page, button: str) -> int:
    """Press `button`; the status of the page the browser then shows."""
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    return posted.value.status


def test_a_line_with_a_bad_quantity_stays_typed_with_its_refusal_in_view(live_server, page):
    sign_in(page, live_server, "logistics")
    page.goto(f"{live_server}/shipments/{OPEN}")
    page.locator("#line-lot").select_option("SEL-CD34/SK2609-031")
    page.locator("#line-quantity").fill("1.5 kit")

    assert submit(page, "Add line") == 422
    expect(page).to_have_url(f"{live_server}/shipments/{OPEN}/lines")
    expect(page.locator("#line-lot")).to_have_value("SEL-CD34/SK2609-031")
    expect(page.locator("#line-quantity")).to_have_value("1.5 kit")
    error = page.locator("#line-quantity-error")
    expect(error).to_have_text("must be a whole number of kit (they are counted, not measured), got 1.5")
    expect(page.locator("#line-quantity")).to_have_attribute("aria-describedby", "line-quantity-error")
    expect(page.locator("#line-quantity")).to_be_focused()
    assert focused_id(page) == "line-quantity"
    assert in_view(page, "#line-quantity-error") and in_view(page, "#line-quantity")
    assert not page.evaluate(MEASURE, None)  # the refusal's red reads against the page, as all text does
    screenshot(page, "form-refused-line")

    page.locator("#line-quantity").fill("1 kit")  # corrected where it stands
    assert submit(page, "Add line") == 302
    expect(page.get_by_text("SEL-CD34/SK2609-031 added.")).to_be_visible()
    expect(page.locator("#line-quantity")).to_have_value("")


def test_a_leg_refused_keeps_its_fields_and_focuses_the_one_refused(live_server, page):
    sign_in(page, live_server, "logistics")
    page.goto(f"{live_server}/shipments/{OPEN}")
    page.get_by_text("Add a leg").click()
    page.locator("#leg-mode").select_option("courier")
    page.locator("#leg-origin").select_option("SIRIRAJ-PH")
    page.locator("#leg-destination").select_option("SIRIRAJ-PH")
    page.locator("#leg-carrier").fill("Siriraj courier desk")

    assert submit(page, "Add leg") == 422
    expect(page.locator("#leg-mode")).to_have_value("courier")
    expect(page.locator("#leg-origin")).to_have_value("SIRIRAJ-PH")
    expect(page.locator("#leg-carrier")).to_have_value("Siriraj courier desk")
    expect(page.locator("#leg-destination-error")).to_have_text(
        "must differ from the origin: a courier leg takes the goods somewhere else")
    expect(page.locator("#leg-destination")).to_be_focused()
    assert in_view(page, "#leg-destination-error")
    screenshot(page, "form-refused-leg")
