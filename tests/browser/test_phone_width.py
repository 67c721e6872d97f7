"""On a phone (390 × 844 CSS px), in English and in Thai, every page a courier, a pharmacist, QA or a
manager opens fits the screen: nothing wider than it, the navigation folded into a menu that opens, no
Thai word broken across two lines, chart labels large enough to read. At a desk the navigation stays in
the header. One server and one browser for the whole module; each test loops over the pages.

A role changes a page only by adding what its permissions allow (a form, a button, a column); no template
shows a role something for a permission it lacks. The administrator holds every permission but QA's
override of the dispatch gate, so the administrator's page is the widest any role sees, but for that form:
the administrator opens every page, QA the shipment the gate holds, and each role its own header and
menu. (Every role opening every page in both languages took a minute and a quarter of a test run.)"""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from logistics.app import build_runtime
from logistics.core.roles import Permission, can
from logistics.db.engine import unit_of_work
from logistics.schemas.shipments import ShipmentUpdate
from logistics.services import forecasting, shipments
from tests.browser.conftest import screenshot, serving
from tests.browser.test_pages import sign_in
from tests.browser.test_qa_evidence_page import received_on_dry_ice
from tests.conftest import NOW, settings_for

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1366, "height": 900}
ROLES = ("admin", "logistics", "pharmacy", "qa", "viewer")
ARRIVED = "HG-2026-0045"  # on its way in the demo; landed before the tests begin
HELD = "HG-2026-0048"  # held at the dispatch gate: QA sees its override form
THAI_BREAKS = Path(__file__).with_name("thai_breaks.js").read_text(encoding="utf-8")
PAGE_WIDTH = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
# What sticks out past the screen's right edge: the innermost such elements, named by tag, class and text,
# so that a page too wide says why.
STICKING_OUT = """() => { const edge = document.documentElement.clientWidth;
  const out = Array.from(document.body.querySelectorAll("*")).filter((element) =>
    element.getBoundingClientRect().right > edge + 1 && element.getClientRects().length);
  return out.filter((element) => !out.some((other) => other !== element && element.contains(other)))
    .slice(0, 5).map((element) => `${element.tagName.toLowerCase()}.${element.className} ` +
      `(${Math.round(element.getBoundingClientRect().right)} px): ` +
      element.textContent.trim().slice(0, 60)); }"""
# Each visible chart's axis labels: the size their text is drawn at on the screen (the font size in the
# SVG's units times the SVG's scale), the height of their box, and how many dates run along the bottom.
AXIS_LABELS = """() => Array.from(document.querySelectorAll("figure svg"))
  .filter((svg) => svg.getClientRects().length).map((svg) => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    const labels = Array.from(svg.querySelectorAll("text.axis"));
    return { drawn: Math.min(...labels.map((t) => parseFloat(getComputedStyle(t).fontSize) * scale)),
             box: Math.min(...labels.map((t) => t.getBoundingClientRect().height)),
             dates: labels.filter((t) => t.getAttribute("text-anchor") === "middle").length,
             right: svg.getBoundingClientRect().right };
  })"""


def seeded_demo(database: Path) -> int:
    """The demo with a shipment arrived for the pharmacy, a forecast run and a line waiting for QA (its
    receipt line's id)."""
    line = received_on_dry_ice(database)
    runtime = build_runtime(settings_for(f"sqlite:///{database}"))
    try:
        with unit_of_work(runtime.sessions, actor="logistics", reason="landed at BKK") as session:
            shipments.update_shipment(session, ARRIVED, ShipmentUpdate(status="arrived"),
                                      now=NOW + timedelta(hours=1))
        with unit_of_work(runtime.sessions, actor="logistics", reason="reorder forecast") as session:
            forecasting.run_forecast(session, runtime.settings, now=NOW, trigger="manual")
    finally:
        runtime.close()
    return line


@pytest.fixture(scope="module")
def phone_server(sqlite_templates, tmp_path_factory):
    """The URL of a server on the seeded demo, and the id of QA's line."""
    folder = tmp_path_factory.mktemp("phone")
    seeded = folder / "seeded.db"
    shutil.copyfile(sqlite_templates["demo"], seeded)
    line = seeded_demo(seeded)
    with serving(seeded, folder) as url:
        yield url, line


def pages_of(page, role: str, line: int) -> list[str]:
    """Every page the role's navigation leads to, and the pages opened from them on the way."""
    navigation = page.locator("header nav a").evaluate_all("all => all.map((a) => a.getAttribute('href'))")
    opened = [f"/shipments/{ARRIVED}", f"/shipments/{HELD}", f"/qa/lines/{line}", "/forecast/items/LV-BGLOB",
              "/lots/SEL-CD34/SK2607-114", "/storage/SIR-FRIDGE-1"]
    if can(role, Permission.RECEIVE):
        opened.append(f"/receiving/{ARRIVED}")
    if can(role, Permission.EDIT_SHIPMENTS):
        opened += ["/shipments/new", f"/shipments/{ARRIVED}/edit"]
    assert {"/audit", "/alerts", "/loggers", "/stock", "/storage"} <= set(navigation)
    return list(dict.fromkeys(navigation + opened))


def opened_by(role: str, pages: list[str]) -> list[str]:
    """The pages `role` opens in the sweep (see the module's docstring): the one it lands on after signing
    in (its header) and, for the administrator, every page; for QA, the shipment the gate holds."""
    lacked = {permission for permission in Permission if not can("admin", permission)}
    assert lacked == {Permission.OVERRIDE_DISPATCH}, "the administrator's pages are no longer the widest"
    if role == "admin":
        return pages
    return [f"/shipments/{HELD}"] if can(role, Permission.OVERRIDE_DISPATCH) else []


def choose(page, language: str, name: str) -> None:
    """The account's language (kept on the account, so another test may have chosen it already)."""
    button = page.get_by_role("button", name=name)
    if button.is_enabled():
        button.click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.wait_for_load_state("load")  # measured next: with its styles and scripts (charts size themselves)


def check_the_menu(page) -> None:
    """Folded on a phone: only its button shows; opened, every link shows, each on one line."""
    menu, links = page.locator("header nav summary"), page.locator("header nav a")
    expect(menu).to_be_visible()
    expect(links.first).to_be_hidden()
    menu.click()
    expect(links.last).to_be_visible()
    assert links.evaluate_all("links => links.map((a) => a.getClientRects().length)") == [1] * links.count()
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
               for box in (link.bounding_box() for link in links.all()))


def test_every_page_fits_a_phone_in_english_and_thai(phone_server, browser):
    url, line = phone_server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    too_wide, broken, pages = {}, {}, {}
    for role in ROLES:
        context.clear_cookies()
        sign_in(page, url, role)
        pages[role] = pages_of(page, role, line)
        for language, name in (("en", "English"), ("th", "ไทย")):
            choose(page, language, name)  # back on the page signing in led to
            for path in [None, *opened_by(role, pages[role])]:
                if path is not None:
                    response = page.goto(f"{url}{path}")
                    assert response is not None and response.ok, (role, path)
                scroll_width, screen_width = page.evaluate(PAGE_WIDTH)
                if scroll_width > screen_width + 1:
                    too_wide[role, language, path or page.url] = scroll_width
                if language == "th" and (found := page.evaluate(THAI_BREAKS)):
                    broken[role, path or page.url] = found
            if role == "qa":  # what only QA sees is on the sweep's path
                expect(page.locator(f"form[action='/shipments/{HELD}/dispatch-override']")).to_be_attached()
            check_the_menu(page)
            if role == "pharmacy":
                screenshot(page, f"phone-menu-{language}")
                page.goto(f"{url}/shipments/{ARRIVED}")
                screenshot(page, f"phone-shipment-{language}")
    context.close()
    assert all(set(pages[role]) <= set(pages["admin"]) for role in ROLES), pages
    assert not too_wide, f"pages wider than the phone's {PHONE['width']} px: {too_wide}"
    assert not broken, f"Thai words broken across lines: {broken}"


def test_the_thai_check_finds_a_word_broken_anywhere(phone_server, browser):
    # Guards the check above: forced to break anywhere, Thai text is cut inside its words, and it says so.
    url, _line = phone_server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, url, "viewer")
    choose(page, "th", "ไทย")
    page.goto(f"{url}/forecast/items/LV-BGLOB")
    assert page.evaluate(THAI_BREAKS) == []
    page.evaluate("() => document.querySelectorAll('main *').forEach((e) => e.style.wordBreak = 'break-all')")
    assert page.evaluate(THAI_BREAKS)
    context.close()


def test_charts_on_a_phone_have_few_dates_in_legible_labels(phone_server, browser):
    url, line = phone_server
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, url, "qa")
    charts = {}
    # Temperatures drawn by chart.js at the page's width; the forecast's fan, the enrolments and a lot's
    # allowance drawn by the server on its narrow canvas.
    for path in (f"/shipments/{ARRIVED}", f"/qa/lines/{line}", "/forecast/items/LV-BGLOB", "/recruitment",
                 "/lots/SEL-CD34/SK2607-114"):
        page.goto(f"{url}{path}")
        expect(page.locator("figure svg text.axis").first).to_be_attached()
        charts[path] = page.evaluate(AXIS_LABELS)
    screenshot(page, "phone-lot-chart")
    context.close()
    assert all(charts.values()), charts
    for path, shown in charts.items():
        for chart in shown:
            assert chart["drawn"] >= 11 and chart["box"] >= 11, (path, chart)
            assert 1 <= chart["dates"] <= 5 and chart["right"] <= PHONE["width"], (path, chart)


def test_at_a_desk_the_navigation_stays_in_the_header(phone_server, browser):
    url, _line = phone_server
    context = browser.new_context(viewport=DESK)
    page = context.new_page()
    sign_in(page, url, "logistics")
    expect(page.locator("header nav summary")).to_be_hidden()
    links = page.locator("header nav a")
    for link in links.all():
        expect(link).to_be_visible()
    assert links.evaluate_all("links => links.map((a) => a.getClientRects().length)") == [1] * links.count()
    page.goto(f"{url}/recruitment")  # the enrolment chart, drawn by the server on both canvases
    expect(page.locator("figure.plot svg.wide").first).to_be_visible()
    expect(page.locator("figure.plot svg.narrow").first).to_be_hidden()
    screenshot(page, "desk-recruitment")
    context.close()
