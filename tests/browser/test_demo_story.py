"""The README's story, step by step, in a real browser right after `logistics demo` starts on its own
database (as `logistics init --demo` leaves it, which `demo` does first) and ports: the dashboard as
`logistics`, the shipment in flight with its readings, the excursion on HG-2026-0046; the pharmacy receives
it into quarantine; QA assesses the excursion and signs the release; the receipt report of HG-2026-0044
received two days before is complete."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import free_port, screenshot
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser
DESK = {"width": 1366, "height": 900}
ARRIVED, IN_FLIGHT, PACKED, RECEIVED = "HG-2026-0046", "HG-2026-0045", "HG-2026-0047", "HG-2026-0044"
PACKS = {"LV-BGLOB": "LV-B-26-007", "QC-VCN": "VCN-26-12", "QC-MYCO": "MY-2608"}
COUNTED = {"LV-BGLOB": "4 vial", "QC-VCN": "2 kit", "QC-MYCO": "2 kit"}  # a blind count: what is in the box
CHECKS = ("Outer packaging intact", "Seals intact", "Coolant present", "Logger present",
          "Logger shows an alarm", "Documents complete", "Import permit present")


@pytest.fixture(scope="module")
def demo(tmp_path_factory, demo_history_template) -> Iterator[str]:
    """`logistics demo` as the README starts it, in a folder of its own, on the database `logistics init
    --demo` left there (the demo's past is recorded: tests/integration/test_demo_command.py shows the demo
    recording it); nothing listens on its MQTT port, so it starts its embedded broker."""
    folder = tmp_path_factory.mktemp("demo")
    shutil.copyfile(demo_history_template, folder / "shipments.db")
    web_port, mqtt_port = free_port(), free_port()
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
    environ.update(LOGISTICS_DATABASE_URL=f"sqlite:///{folder / 'shipments.db'}",
                   LOGISTICS_MQTT_URL=f"mqtt://127.0.0.1:{mqtt_port}")
    log_path = folder / "demo.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(Path(sys.executable).parent / "logistics"), "demo", "--port",
                                    str(web_port)], cwd=folder, env=environ, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{web_port}"
    try:
        wait_until_serving(url, process, log_path)
        yield url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until_serving(url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    """Until the demo answers: it records the scenario's past first, which takes a while on a busy machine."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the demo exited:\n{log_path.read_text()}"
        try:
            if requests.get(f"{url}/health", timeout=5).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(1)
    raise AssertionError(f"the demo did not serve within 10 minutes:\n{log_path.read_text()}")


@pytest.fixture
def desk(browser):
    context = browser.new_context(viewport=DESK)
    yield context.new_page()
    context.close()


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def row_of(page, reference):
    return page.locator(f"table.dashboard tr[data-reference='{reference}']")


def the_dashboard_as_logistics(page, url):
    sign_in(page, url, "logistics")
    page.goto(f"{url}/")
    rows = page.locator("table.dashboard tbody tr")
    expect(rows).to_have_count(3)
    assert [row.get_attribute("data-reference") for row in rows.all()] == [ARRIVED, IN_FLIGHT, PACKED]
    expect(row_of(page, ARRIVED)).to_contain_text(re.compile("arrived", re.I))
    expect(row_of(page, ARRIVED)).to_contain_text(re.compile("1 critical", re.I))
    flight = row_of(page, IN_FLIGHT)
    expect(flight).to_contain_text(re.compile("in transit", re.I))
    expect(flight).to_contain_text("air HKG → BKK")
    expect(flight.locator(".logger-now .badge", has_text=re.compile("flight mode", re.I))).to_have_count(2)
    expect(flight).to_contain_text("1/4")
    expect(row_of(page, PACKED)).to_contain_text(re.compile("packed", re.I))
    screenshot(page, "demo-dashboard")


def the_flight_has_its_readings_charted(page, url):
    page.goto(f"{url}/shipments/{IN_FLIGHT}")
    page.wait_for_load_state("networkidle")  # the charts are drawn by script
    charts = page.locator("figure.chart")
    expect(charts).to_have_count(2)
    for chart in charts.all():
        expect(chart.locator("svg path.reading-line")).to_have_count(1)
    readings = page.locator("table.summary tbody tr td:nth-child(3)").all_inner_texts()
    assert len(readings) == 2 and all(int(count.replace(",", "")) >= 100 for count in readings), readings
    expect(page.get_by_text("No excursion recorded.")).to_be_visible()
    screenshot(page, "demo-in-flight")


def the_excursion_is_on_the_arrived_shipment(page, url):
    page.goto(f"{url}/shipments/{ARRIVED}")
    page.wait_for_load_state("networkidle")
    lid = page.locator("figure.chart", has_text="LG-24007")
    expect(lid.locator("svg rect.excursion")).to_have_count(1)
    expect(page.locator("figure.chart", has_text="LG-24005").locator("svg rect.excursion")).to_have_count(0)
    excursion = page.locator("tr", has_text="above_minus60c_15min")
    expect(excursion).to_contain_text("LG-24007")
    expect(excursion).to_contain_text(re.compile("critical", re.I))
    expect(page.get_by_text("dry ice topped up", exact=False)).to_be_visible()
    screenshot(page, "demo-excursion")
    excursion.get_by_label("What is being done?").fill("Receiving bay told: QA to assess before use")
    excursion.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("tr", has_text="above_minus60c_15min")).to_contain_text("acknowledged")


def the_pharmacy_receives_it_into_quarantine(page, url):
    sign_in(page, url, "pharmacy")
    page.get_by_role("link", name="Receiving").click()
    page.get_by_role("link", name=ARRIVED).click()
    expect(page.get_by_role("heading", name=re.compile(f"Receive {ARRIVED}"))).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("1 excursion is not resolved")
    for check in CHECKS:
        page.get_by_role("group", name=check).get_by_label("yes").check()
    page.get_by_label("Coolant").select_option("dry_ice_present")
    for line in page.locator("fieldset.line").all():
        item = line.locator("legend").inner_text().split()[0]
        line.get_by_label("Lot on the pack").fill(PACKS[item])
        line.get_by_label("Received intact").fill(COUNTED[item])
    screenshot(page, "demo-receiving")
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.get_by_text(f"{ARRIVED} received.")).to_be_visible()
    expect(page.locator("span.disposition-quarantine")).to_have_count(3)
    sign_out(page)


def qa_assesses_and_signs_the_release(page, url):
    sign_in(page, url, "qa")
    page.get_by_role("link", name="QA release").click()
    rows = page.locator("table.qa tbody tr", has_text=ARRIVED)
    expect(rows).to_have_count(3)
    screenshot(page, "demo-qa-queue")
    rows.filter(has_text=PACKS["LV-BGLOB"]).get_by_role("link", name="Decide").click()
    expect(page.get_by_role("heading", name=f"QA decision: LV-BGLOB {PACKS['LV-BGLOB']}")).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("button", name=re.compile("Cannot release"))).to_be_disabled()
    [assessment] = page.locator("article.assessment").all()
    expect(assessment).to_contain_text("LG-24007")
    assessment.get_by_label("Root cause").select_option("customs_dwell")
    assessment.get_by_label("What the assessment rests on").fill(
        "35 min at −56.9 °C at most; the vector's stability data cover 24 h at −20 °C")
    assessment.get_by_label("No impact on the product").check()
    assessment.get_by_role("button", name=re.compile("Record the assessment")).click()
    expect(page.get_by_text("Assessment recorded.")).to_be_visible()
    page.get_by_label("Reason for the decision").fill("Excursion assessed: no impact")
    page.get_by_role("button", name="Release all").click()
    expect(page.locator("#summary")).to_contain_text("Release all 4 vial.")
    page.get_by_label("Password, to sign").fill("coldchain-demo")
    screenshot(page, "demo-qa-signing")
    page.get_by_role("button", name="Sign the decision").click()
    expect(page.get_by_text("Decision signed.")).to_be_visible()
    expect(page.locator("table.qa tbody tr", has_text=ARRIVED)).to_have_count(2)  # the kits' lines wait


def the_earlier_receipt_report_is_complete(page, url):
    page.goto(f"{url}/shipments/{RECEIVED}")
    href = page.get_by_role("link", name="Receipt report (PDF)").get_attribute("href")
    response = page.request.get(urljoin(page.url, href))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(sheet.extract_text().split())
                    for sheet in PdfReader(io.BytesIO(response.body())).pages)
    assert re.search(r"Received \S+ \S+ \+07:00 \(Asia/Bangkok\) by pharmacy", text), text
    assert "LG-24002 frozen v1" in text and "Excursions None recorded." in text
    for lot in ("SCF-2604-B", "TPO-2603-A", "FL-2605-C"):
        assert re.search(rf"{lot} released 10 0 .*? valid;", text), lot


def test_the_readme_story_right_after_the_demo_starts(demo, desk):
    the_dashboard_as_logistics(desk, demo)
    the_flight_has_its_readings_charted(desk, demo)
    the_excursion_is_on_the_arrived_shipment(desk, demo)
    sign_out(desk)
    the_pharmacy_receives_it_into_quarantine(desk, demo)
    qa_assesses_and_signs_the_release(desk, demo)
    the_earlier_receipt_report_is_complete(desk, demo)
