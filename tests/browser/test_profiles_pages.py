"""A QA person makes version 2 of a storage profile, then replays a shipment under both versions."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import an_excursion_on_the_way, screenshot
from tests.browser.test_pages import sign_in

pytestmark = pytest.mark.browser


def test_a_new_version_and_what_it_would_change_on_a_shipment(live_server, page, tmp_path):
    assert an_excursion_on_the_way(tmp_path / "shipments.db") == ["above_8c_30min"]  # refrigerated v1
    sign_in(page, live_server, "qa")
    page.get_by_role("link", name="Profiles").click()
    expect(page.get_by_role("heading", name="Storage profiles and allowances")).to_be_visible()
    page.get_by_role("link", name="New version of refrigerated").click()
    expect(page.get_by_role("heading", name=re.compile("New version of refrigerated"))).to_be_visible()

    page.get_by_label("Minutes (rule 1)").fill("-5")
    page.get_by_label("Why this change").fill("stability study SR-2026-14")
    page.get_by_role("button", name="Record version 2").click()
    expect(page.locator("#rules\\.1\\.minutes-error")).to_have_text(re.compile("must not be negative"))
    expect(page.get_by_label("Minutes (rule 1)")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Name (rule 1)").fill("above_8c_15min")
    page.get_by_label("Minutes (rule 1)").fill("15")
    page.get_by_role("button", name="Record version 2").click()
    expect(page.get_by_text("Version 2 of refrigerated recorded")).to_be_visible()
    section = page.locator("#profile-refrigerated")
    expect(section.get_by_role("heading", name=re.compile("refrigerated v2"))).to_be_visible()
    section.get_by_text("2 versions").click()
    expect(section.get_by_text("Rule above_8c_15min added")).to_be_visible()
    screenshot(page, "profiles")

    page.goto(f"{live_server}/shipments/HG-2026-0045")
    page.get_by_role("link", name="Replay").click()
    page.get_by_label("Profile and version").select_option("refrigerated@2")
    page.get_by_role("button", name="Replay").click()
    expect(page.get_by_role("status")).to_contain_text("1 added, 1 removed, 0 changed, 0 the same")
    expect(page.locator("table.replay-added")).to_contain_text("above_8c_15min")
    expect(page.locator("table.replay-removed")).to_contain_text("above_8c_30min")
    screenshot(page, "replay")
    page.get_by_label("Profile and version").select_option("refrigerated@1")
    page.get_by_role("button", name="Replay").click()
    expect(page.get_by_role("status")).to_contain_text("none differs")
