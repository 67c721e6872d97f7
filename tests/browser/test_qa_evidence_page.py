"""QA's decision page in a real browser, at a desk and on a phone: every logger's chart labelled with the
logger and the shipment, its figures, the excursions each found, the allowance; legible at both widths."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_contrast import MEASURE
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser
CAPTIONS = ("LG-24008 in HG-2026-0039", "LG-24005 in HG-2026-0046", "LG-24007 in HG-2026-0046")
STORED = "LG-24104 in SIR-ULT-1 at SIRIRAJ-CM"  # the vector store since the receipt: its logger sent nothing


def received_on_dry_ice(database: Path) -> int:
    """The dry-ice journey of tests/services/test_qa_evidence.py in the server's database; the receipt
    line of the vector's lot."""
    from logistics.app import build_runtime
    from tests.conftest import settings_for
    from tests.services.test_qa_evidence import VECTOR_LOT, dry_ice_journey, line_of

    runtime = build_runtime(settings_for(f"sqlite:///{database}"))
    try:
        dry_ice_journey(runtime)
        return line_of(runtime, VECTOR_LOT)
    finally:
        runtime.close()


def open_decision(page, live_server):
    sign_in(page, live_server, "qa")
    page.get_by_role("link", name="QA release").click()
    page.locator("table.qa tr", has_text="LV-B-26-007").get_by_role("link", name="Decide").click()
    expect(page.get_by_role("heading", name=re.compile("QA decision: LV-BGLOB"))).to_be_visible()
    page.wait_for_load_state("networkidle")  # the charts are drawn by script


def test_the_qa_page_shows_every_loggers_evidence_at_a_desk_and_on_a_phone(live_server, page, tmp_path):
    received_on_dry_ice(tmp_path / "shipments.db")
    page.set_viewport_size({"width": 1366, "height": 900})
    open_decision(page, live_server)
    figures = page.locator("figure.chart")
    expect(figures).to_have_count(4)
    *travelled, stored = figures.all()
    for figure, caption in zip(travelled, CAPTIONS, strict=True):
        expect(figure.locator("figcaption")).to_contain_text(f"{caption} (°C, times Asia/Bangkok)")
        expect(figure.locator("svg path.reading-line")).to_have_count(1)
        expect(figure.locator("svg rect.excursion")).to_have_count(1)
    expect(stored.locator("figcaption")).to_contain_text(f"{STORED} (°C, times Asia/Bangkok)")
    expect(stored.locator("svg rect.no-data")).to_have_count(1)  # all of it hatched: no reading yet
    rows = page.locator("table.excursions tbody tr")
    expect(rows).to_have_count(3)
    for row, logger in zip(rows.all(), ("LG-24008", "LG-24005", "LG-24007"), strict=True):
        expect(row.locator("td").first).to_have_text(logger)
    expect(page.locator(".allowance")).to_contain_text("Used 1.1 h outside the range; peak -52.5 °C.")
    expect(page.get_by_text("Logger shows an alarm: yes")).to_be_visible()
    assert page.evaluate(MEASURE, None) == []  # every text against what is behind it
    screenshot(page, "qa-evidence-1366")

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the phone
    duration = page.locator("table.excursions tbody tr").first.locator("td").nth(4)
    expect(duration).to_have_text("20 min")
    named = duration.evaluate(
        "cell => [getComputedStyle(cell).display, getComputedStyle(cell, '::before').content]")
    assert named == ["block", '"Duration: "']  # a card per excursion, each value named
    box = page.locator("figure.chart svg").first.bounding_box()
    assert box["width"] <= 370 and box["height"] >= 200  # drawn for the phone, not a shrunken desk chart
    screenshot(page, "qa-evidence-390")


def test_zooming_one_chart_keeps_to_its_logger(live_server, page, tmp_path):
    received_on_dry_ice(tmp_path / "shipments.db")
    open_decision(page, live_server)
    chart = page.locator("figure.chart", has_text=CAPTIONS[1])
    before = chart.locator("svg path.reading-line").get_attribute("d")
    with page.expect_response(re.compile(r"/shipments/HG-2026-0046/charts\?profile=dry_ice&from=\d+&to=\d+")):
        chart.get_by_role("button", name=re.compile("Zoom in")).click()
    expect(chart.locator("svg path.reading-line")).not_to_have_attribute("d", before)
    expect(page.locator("figure.chart")).to_have_count(4)  # the shipment's other logger was not added here


def received_into_the_fridge(database: Path) -> None:
    """tests/services/test_qa_evidence.py's fridge in the server's database: the kits wait for QA in
    SIR-FRIDGE-1, which spent 50 min at 12 °C; its logger was taken out 12 h after the receipt."""
    from datetime import timedelta

    from logistics.app import build_runtime
    from tests.conftest import settings_for
    from tests.services.test_qa_evidence import into_the_fridge
    from tests.services.test_storage import RECEIVED

    runtime = build_runtime(settings_for(f"sqlite:///{database}"))
    try:
        into_the_fridge(runtime, stop_watching_at=RECEIVED + timedelta(hours=12))
    finally:
        runtime.close()


def test_the_fridge_that_held_the_lot_is_charted_labelled_and_zoomed(live_server, page, tmp_path):
    received_into_the_fridge(tmp_path / "shipments.db")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server, "qa")
    page.get_by_role("link", name="QA release").click()
    page.locator("table.qa tr", has_text="SK2609-031").get_by_role("link", name="Decide").click()
    page.wait_for_load_state("networkidle")
    chart = page.locator("figure.chart", has_text="LG-24101 in SIR-FRIDGE-1 at SIRIRAJ-PH")
    expect(chart.locator("figcaption")).to_contain_text(
        "LG-24101 in SIR-FRIDGE-1 at SIRIRAJ-PH (°C, times Asia/Bangkok)")
    expect(chart.locator("svg rect.excursion")).to_have_count(1)
    stored = page.locator("section.period", has_text="Storage at SIRIRAJ-PH").first
    expect(stored.locator("table.excursions tbody tr")).to_have_text(re.compile(r"LG-24101\s+above_8c_30min"))
    expect(page.get_by_text("Not monitored: no logger watched SIR-FRIDGE-1 at SIRIRAJ-PH")).to_be_visible()
    blocked = page.get_by_role("button", name=re.compile("Cannot release: 1 excursion not assessed"))
    expect(blocked).to_be_disabled()
    assert page.evaluate(MEASURE, None) == []
    screenshot(page, "qa-evidence-storage-1366")
    before = chart.locator("svg path.reading-line").get_attribute("d")
    with page.expect_response(re.compile(r"/storage/SIR-FRIDGE-1/charts\?logger=LG-24101&profile=refrigerated"
                                         r"&start=\d+&end=\d+&from=\d+&to=\d+")) as zoomed:
        chart.get_by_role("button", name=re.compile("Zoom in")).click()
    assert zoomed.value.ok
    expect(chart.locator("svg path.reading-line")).not_to_have_attribute("d", before)
