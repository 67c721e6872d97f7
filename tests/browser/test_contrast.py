"""Colour contrast as WCAG 2.2 AA asks, measured on the rendered pages: text against what is behind it
(4.5:1, large text 3:1) and the keyboard focus ring against the page (3:1)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser

MEASURE = Path(__file__).with_name("contrast.js").read_text(encoding="utf-8")

PAGES = ["/", "/shipments", "/shipments/HG-2026-0045", "/shipments/new", "/shipments/import",
         "/loggers", "/rejections", "/alerts", "/audit", "/forecast", "/recruitment", "/profiles",
         "/profiles/refrigerated", "/allowances/SEL-CD34", "/shipments/HG-2026-0045/replay?profile=crt@1"]


def test_text_contrast_on_every_page(module_live_server, page):
    page.goto(f"{module_live_server}/login")
    problems = {"/login": page.evaluate(MEASURE, None)}
    sign_in(page, module_live_server, "admin")
    for path in PAGES:
        page.goto(f"{module_live_server}{path}")
        expect(page.locator("main")).to_be_visible()
        page.wait_for_load_state("networkidle")  # the charts are drawn by script
        problems[path] = page.evaluate(MEASURE, None)
    assert not {path: found for path, found in problems.items() if found}


def test_the_focus_ring_stands_out_on_light_and_dark_backgrounds(module_live_server, page):
    sign_in(page, module_live_server, "admin")
    page.goto(f"{module_live_server}/shipments")
    for target in (page.get_by_role("link", name="Dashboard"),  # in the dark header
                   page.get_by_role("link", name="HG-2026-0045"),  # on white
                   page.get_by_label("Search"),
                   page.get_by_role("button", name="Filter")):
        target.focus()
        assert target.evaluate(MEASURE) >= 3, target
