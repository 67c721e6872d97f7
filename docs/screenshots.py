"""Make the README's screenshots from the demo as it is now: `.venv/bin/python docs/screenshots.py`.

In a throw-away folder, `logistics init --demo` records the scenario with its past and `logistics web`
serves it on a free port (no ingest, scheduler or simulated loggers: the pages hold still while they are
photographed). Debian's Chromium, driven by Playwright, then follows the README's story as the demo's
users: `logistics` sees the dashboard and HG-2026-0046's excursion, runs the reorder forecast (which
the scheduler of `logistics demo` would) and looks at how a lane's shipments travelled; `pharmacy`
counts the box blind and records the receipt; `qa` sees the queue in Thai, the evidence on the vector's
line, assesses the excursion and signs the release; then the stock, the audit trail of HG-2026-0046 and
a phone with its menu open. The PNGs replace what docs/screenshots/ held.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from playwright.sync_api import Browser, Locator, Page, ViewportSize, expect, sync_playwright

FOLDER = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
LOGISTICS = str(Path(sys.executable).parent / "logistics")  # the command of this environment
PASSWORD = "coldchain-demo"  # every demo user's (README, "Try it")
DESK: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
ARRIVED = "HG-2026-0046"
PACKS = {"LV-BGLOB": ("LV-B-26-007", "4"), "QC-VCN": ("VCN-26-12", "2"), "QC-MYCO": ("MY-2608", "2")}
CHECKS = ("Outer packaging intact", "Seals intact", "Coolant present", "Logger present",
          "Logger shows an alarm", "Documents complete", "Import permit present")
FORECAST_ITEM = "QC-ENDO"  # one to order soon, and none the story receives
ANALYSED_LANE = "SZ-HKG-BKK-PH"  # the lane with the most history, and an excursion on its flight


def make_screenshots(folder: Path, browser: Browser, demo: Path | None = None) -> list[Path]:
    """Every screenshot, made with `browser` from a fresh demo, into `folder`; the files written. `demo`:
    a SQLite file as `logistics init --demo` left it, copied instead of recording the demo again."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / "shipments.db"
        environ = demo_environment(f"sqlite:///{database}")
        if demo:
            shutil.copyfile(demo, database)
        else:
            subprocess.run([LOGISTICS, "init", "--demo"], env=environ, cwd=scratch, check=True,
                           stdout=subprocess.DEVNULL)
        with serving(environ, scratch) as url:
            visit = Visit(browser, url, folder)
            try:
                return [shoot(visit) for shoot in STORY]
            finally:
                visit.close()


def demo_environment(database_url: str) -> dict[str, str]:
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
    environ.update(LOGISTICS_DATABASE_URL=database_url, LOGISTICS_SECRET_KEY=secrets.token_hex(32),
                   LOGISTICS_LOG_LEVEL="WARNING")
    return environ


@contextmanager
def serving(environ: dict[str, str], folder: str) -> Iterator[str]:
    """`logistics web` on a free port, until the block ends."""
    port = free_port()
    process = subprocess.Popen([LOGISTICS, "web", "--port", str(port)], env=environ, cwd=folder,
                               stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"logistics web exited with {process.returncode}")
        try:
            if requests.get(f"{url}/health", timeout=2).ok:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError("logistics web did not answer within 60 s")


# --- The story, one screenshot a step, in order: each step may rely on what the ones before did ------

@dataclass
class Visit:
    """The demo served at `url` and a browser; a page per user and screen, signed in once and kept."""

    browser: Browser
    url: str
    folder: Path
    pages: dict[tuple[str, int], Page] = field(default_factory=dict)

    def open(self, user: str, path: str, viewport: ViewportSize = DESK) -> Page:
        key = (user, viewport["width"])
        if key not in self.pages:
            self.pages[key] = self.signed_in(user, viewport)
        page = self.pages[key]
        page.goto(f"{self.url}{path}")
        return page

    def close(self) -> None:
        for page in self.pages.values():
            page.context.close()

    def signed_in(self, user: str, viewport: ViewportSize) -> Page:
        page = self.browser.new_context(viewport=viewport).new_page()
        page.goto(f"{self.url}/login")
        page.get_by_label("User name").fill(user)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        return page


def settled(page: Page) -> None:
    """Charts drawn by script, fonts loaded, the caret not blinking in a field just filled."""
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready")
    page.evaluate("document.activeElement && document.activeElement.blur()")


def save(page: Page, path: Path, *, height: float, top: float = 0) -> Path:
    """`height` px of the page from `top` down (less where it ends sooner): a long page is cut below what
    the README's text speaks of, not shown as a strip to scroll through."""
    settled(page)
    width, whole = page.evaluate("[document.documentElement.clientWidth, "
                                 "document.documentElement.scrollHeight]")
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide",
                    clip={"x": 0, "y": top, "width": width, "height": min(height, whole - top)})
    return path


def top_of(locator: Locator) -> float:
    """Where an element begins on the page (not in the window, which may have scrolled)."""
    return float(locator.evaluate("element => element.getBoundingClientRect().top + window.scrollY"))


def bottom_of(locator: Locator) -> float:
    return float(locator.evaluate("element => element.getBoundingClientRect().bottom + window.scrollY"))


def dashboard(visit: Visit) -> Path:
    page = visit.open("logistics", "/")
    expect(page.locator("table.dashboard tbody tr")).to_have_count(3)
    return save(page, visit.folder / "screenshot-dashboard.png", height=620)


def shipment(visit: Visit) -> Path:
    """HG-2026-0046 down to the chart of its lid logger, with the excursion shaded."""
    page = visit.open("logistics", f"/shipments/{ARRIVED}")
    lid = page.locator("figure.chart", has_text="LG-24007")
    expect(lid.locator("svg rect.excursion").first).to_be_attached()
    return save(page, visit.folder / "screenshot-shipment.png", height=bottom_of(lid) + 16)


def forecast_item(visit: Visit) -> Path:
    """The reorder forecast, run by hand as the demo's scheduler would, and one item that needs ordering."""
    page = visit.open("logistics", "/forecast")
    page.get_by_role("button", name="Run the forecast now").click()
    expect(page.get_by_text("Forecast run as of", exact=False)).to_be_visible()
    page.goto(f"{visit.url}/forecast/items/{FORECAST_ITEM}")
    fan = page.locator("figure.fan").first
    expect(fan).to_be_visible()
    return save(page, visit.folder / "screenshot-forecast-item.png", height=bottom_of(fan) + 24)


def forecast_slots(visit: Visit) -> Path:
    """The same forecast's next manufacturing slots: how likely each has everything on site and released."""
    page = visit.open("logistics", "/forecast")
    slots = page.locator("table.slots")
    expect(slots.locator("tbody tr").first).to_be_visible()
    return save(page, visit.folder / "screenshot-forecast-slots.png", height=bottom_of(slots) + 56)


def lane_analytics(visit: Visit) -> Path:
    """How the shipments of the lane via Hong Kong travelled, leg by leg, in the months before the demo."""
    page = visit.open("logistics", f"/lanes/{ANALYSED_LANE}/analytics")
    times = page.locator("figure#chart-times")
    expect(times.locator("svg.wide rect.bar-actual")).to_have_count(7)  # four legs, three stops
    return save(page, visit.folder / "screenshot-lane-analytics.png", height=bottom_of(times) + 8)


def receiving(visit: Visit) -> Path:
    """The pharmacy's blind count of HG-2026-0046, photographed filled in, then recorded."""
    page = visit.open("pharmacy", "/receiving")
    page.get_by_role("link", name=ARRIVED).click()
    for check in CHECKS:
        page.get_by_role("group", name=check).get_by_label("yes").check()
    page.get_by_label("Coolant").select_option("dry_ice_present")
    for line in page.locator("fieldset.line").all():
        lot, count = PACKS[line.locator("legend b").inner_text()]
        line.get_by_label("Lot on the pack").fill(lot)
        line.get_by_label("Received intact").fill(count)
    top = top_of(page.get_by_role("heading", name="Lines")) - 24
    end = bottom_of(page.get_by_role("button", name="Record the receipt")) + 24
    shot = save(page, visit.folder / "screenshot-receiving.png", top=top, height=end - top)
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.get_by_text(f"{ARRIVED} received.")).to_be_visible()
    return shot


def qa_queue_in_thai(visit: Visit) -> Path:
    page = visit.open("qa", "/qa")
    page.get_by_role("button", name="ไทย").click()
    expect(page.locator("html")).to_have_attribute("lang", "th")
    expect(page.locator("table.qa tbody tr", has_text=ARRIVED)).to_have_count(3)
    shot = save(page, visit.folder / "screenshot-thai.png", height=900)
    page.get_by_role("button", name="English").click()  # the choice is the user's, kept for next time
    expect(page.locator("html")).to_have_attribute("lang", "en")
    return shot


def qa_decision(visit: Visit) -> Path:
    """The evidence on the vector's line, down to the excursion recorded on its journey."""
    page = open_vector_line(visit)
    recorded = page.locator("table", has=page.get_by_role("cell", name="above_minus60c_15min", exact=False))
    return save(page, visit.folder / "screenshot-qa-decision.png", height=bottom_of(recorded.first) + 24)


def qa_release(visit: Visit) -> Path:
    """The assessment form and the release that waits for it; then QA assesses and signs, as in the story."""
    page = open_vector_line(visit)
    top = top_of(page.get_by_role("heading", name="Excursion assessments")) - 24
    end = bottom_of(page.locator("form.record.signing")) + 24
    shot = save(page, visit.folder / "screenshot-qa-release.png", top=top, height=end - top)
    assessment = page.locator("article.assessment")
    assessment.get_by_label("Root cause").select_option("customs_dwell")
    assessment.get_by_label("What the assessment rests on").fill(
        "35 min at −56.9 °C at most; the vector's stability data cover 24 h at −20 °C")
    assessment.get_by_label("No impact on the product").check()
    assessment.get_by_role("button", name="Record the assessment", exact=False).click()
    expect(page.get_by_text("Assessment recorded.")).to_be_visible()
    page.get_by_label("Reason for the decision").fill("Excursion assessed: no impact")
    page.get_by_role("button", name="Release all").click()
    page.get_by_label("Password, to sign").fill(PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    expect(page.get_by_text("Decision signed.")).to_be_visible()
    return shot


def open_vector_line(visit: Visit) -> Page:
    page = visit.open("qa", "/qa")
    rows = page.locator("table.qa tbody tr", has_text=ARRIVED)
    rows.filter(has_text=PACKS["LV-BGLOB"][0]).get_by_role("link", name="Decide").click()
    expect(page.get_by_role("button", name="Cannot release", exact=False)).to_be_disabled()
    return page


def stock(visit: Visit) -> Path:
    """The vector released, the kits still in quarantine."""
    page = visit.open("pharmacy", "/stock")
    return save(page, visit.folder / "screenshot-stock.png", height=1100)


def audit_trail(visit: Visit) -> Path:
    """HG-2026-0046's records, newest first: QA's signature, then the pharmacy's receipt."""
    page = visit.open("qa", f"/audit?reference={ARRIVED}")
    return save(page, visit.folder / "screenshot-audit.png", height=1000)


def phone_menu(visit: Visit) -> Path:
    page = visit.open("pharmacy", "/", viewport=PHONE)
    page.get_by_text("Menu").click()
    expect(page.get_by_role("link", name="Receiving")).to_be_visible()
    return save(page, visit.folder / "screenshot-phone-menu.png", height=PHONE["height"])


STORY: tuple[Callable[[Visit], Path], ...] = (
    dashboard, shipment, forecast_item, forecast_slots, lane_analytics, receiving, qa_queue_in_thai,
    qa_decision, qa_release, stock, audit_trail, phone_menu)


def main() -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            made = make_screenshots(FOLDER, browser)
        finally:
            browser.close()
    for stale in set(FOLDER.glob("*.png")) - set(made):
        stale.unlink()
    for path in made:
        print(path.relative_to(FOLDER.parents[1]))


if __name__ == "__main__":
    main()
