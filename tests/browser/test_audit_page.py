"""The audit trail page in a real browser: a page of 50 events is a page a person reads, not a scroll of
raw JSON, and each change reads "field: old → new" with the shipment's reference."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser
MOST_PIXELS = 3000  # a page of 50 events at 1366 px wide, filters and pager included


def a_day_of_changes(database: Path) -> None:
    """HG-2026-0048 packed and unpacked, its notes rewritten, each with a reason: updates among the demo's
    records created (whose snapshots are the longest rows)."""
    from logistics.app import build_runtime
    from logistics.db.engine import unit_of_work
    from logistics.schemas.shipments import ShipmentUpdate
    from logistics.services import shipments
    from tests.conftest import NOW, settings_for

    runtime = build_runtime(settings_for(f"sqlite:///{database}"))
    try:
        for turn in range(6):
            for status in ("packed", "planned"):
                with unit_of_work(runtime.sessions, actor="logistics", reason=f"repacked, turn {turn}") as s:
                    shipments.update_shipment(s, "HG-2026-0048", ShipmentUpdate(status=status), now=NOW)
            with unit_of_work(runtime.sessions, actor="logistics", reason="handling note") as s:
                shipments.update_shipment(s, "HG-2026-0048", ShipmentUpdate(
                    notes=f"Keep upright; 15–25 °C; check the shipper's seal before pick-up (turn {turn})."),
                    now=NOW)
    finally:
        runtime.close()


def test_a_page_of_fifty_events_is_compact_and_reads_field_old_new(live_server, page, tmp_path):
    a_day_of_changes(tmp_path / "shipments.db")
    page.set_viewport_size({"width": 1366, "height": 900})
    sign_in(page, live_server, "qa")
    page.get_by_role("link", name="Audit trail").click()
    rows = page.locator("table.audit tbody tr")
    expect(rows).to_have_count(50)
    packed = rows.filter(has_text="HG-2026-0048").filter(has_text="status: planned → packed")
    expect(packed.first).to_be_visible()
    expect(packed.first).to_contain_text("Li Wei (supply chain, Shenzhen)")
    expect(packed.first).to_contain_text("repacked, turn 5")
    expect(rows.filter(has_text="created ·").first).to_be_visible()  # a record created: its fields folded
    height = page.evaluate("document.documentElement.scrollHeight")
    screenshot(page, "audit-trail-1366")
    assert height < MOST_PIXELS, f"a page of 50 events is {height} px tall"
    page.get_by_role("link", name="HG-2026-0048").first.click()
    expect(page.get_by_role("heading", name="Audit trail of this shipment")).to_be_visible()
