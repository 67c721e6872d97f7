"""Switching to Thai (and Chinese) in a real browser: the pages, their dates and the chart follow."""

import re

import pytest
from babel import Locale
from babel.support import Translations
from playwright.sync_api import expect

from logistics.web.i18n import TRANSLATIONS
from tests.browser.conftest import screenshot
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser
# "3 ธ.ค. 2026 01:15 น. +07:00": day, Thai month abbreviation, year, time, offset
THAI_TIME = re.compile(r"\d{1,2} [\u0e00-\u0e7f.]+ \d{4} \d\d:\d\d น\. \+0[78]:00")


def words(code):
    return Translations.load(str(TRANSLATIONS), [Locale.parse(code)]).gettext


def test_switch_to_thai(module_live_server, page):
    thai = words("th")
    sign_in(page, module_live_server, "pharmacy")
    expect(page.get_by_role("heading", name="Shipments", exact=True)).to_be_visible()

    page.get_by_role("button", name="ไทย").click()
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.get_by_role("heading", name=thai("Shipments"), exact=True)).to_be_visible()  # the same page
    navigation = page.get_by_role("navigation", name=thai("Main"))
    expect(navigation.get_by_role("link", name=thai("Dashboard"))).to_be_visible()
    expect(page.get_by_role("button", name="ไทย")).to_be_disabled()  # the language in use

    navigation.get_by_role("link", name=thai("Dashboard")).click()
    expect(page.get_by_role("heading", name=thai("Shipments under way"))).to_be_visible()
    expect(page.locator("table.dashboard caption")).to_contain_text(THAI_TIME)
    screenshot(page, "dashboard-thai")

    page.goto(f"{module_live_server}/shipments/HG-2026-0045")
    expect(page.get_by_role("heading", name=thai("Route legs"))).to_be_visible()
    expect(page.get_by_text(THAI_TIME).first).to_be_visible()

    page.reload()  # kept on the account, not only in this page
    expect(page.locator("html")).to_have_attribute("lang", "th")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Route legs")).to_be_visible()


def test_the_chart_speaks_the_readers_language(module_live_server, page):
    chinese = words("zh_CN")
    sign_in(page, module_live_server, "logistics")
    page.get_by_role("button", name="简体中文").click()
    page.goto(f"{module_live_server}/shipments/HG-2026-0045")
    zoom_out = chinese("Zoom out")
    chart = page.locator("figure.chart").first
    expect(chart.get_by_role("button", name=re.compile(re.escape(zoom_out)))).to_be_visible()
    expect(chart.locator("figcaption")).to_contain_text("Asia/Bangkok")
    assert zoom_out != "Zoom out"
