"""The shipment's replay page: every role that sees the shipment may replay it; it changes nothing."""

from __future__ import annotations

import pytest

from logistics.core.profiles import profile_body
from tests.services.test_profiles import (
    START,
    add_version,
    five_minutely,
    records,
    run_scan,
    send,
    stricter_refrigerated,
)
from tests.web.conftest import login

PAGE = "/shipments/HG-2026-0045/replay"


@pytest.fixture
def recorded(app):
    runtime = app.extensions["logistics"]
    send(runtime, five_minutely(START, [5.0] * 36 + [9.5] * 8 + [5.0] * 20))
    run_scan(runtime)
    add_version(runtime, "refrigerated", stricter_refrigerated())
    return runtime


@pytest.mark.parametrize("role", ["viewer", "pharmacy", "qa"])
def test_the_shipment_page_leads_to_the_replay_form(app, role):
    client = login(app.test_client(), role)
    assert f'href="{PAGE}"' in client.get("/shipments/HG-2026-0045").get_data(as_text=True)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Its own: refrigerated (current version)" in page
    assert '<option value="refrigerated@1"' in page and '<option value="crt@1"' in page


def test_a_stricter_version_shows_the_excursion_removed_and_added_and_changes_nothing(app, recorded):
    before = records(recorded)
    client = login(app.test_client(), "viewer")
    page = client.get(PAGE, query_string={"profile": "refrigerated@2"}).get_data(as_text=True)
    assert "Judged by refrigerated v2" in page
    assert "1 added, 1 removed, 0 changed, 0 the same" in page
    added = page.split("Added: found now, not recorded")[1].split("</table>")[0]
    removed = page.split("Removed: recorded, not found now")[1].split("</table>")[0]
    assert "above_8c_15min" in added and "LG-24003" in added and "9.5" in added
    assert "above_8c_30min" in removed and "40 min" in removed
    same = client.get(PAGE, query_string={"profile": "refrigerated@1"}).get_data(as_text=True)
    assert "The same as the records (refrigerated v1): 1 excursions, none differs." in same
    assert records(recorded) == before


def test_an_excursion_judged_otherwise_shows_what_changed(app, recorded):
    body = profile_body(recorded.book.profile("refrigerated", 1))
    del body["version"]
    body["rules"] = [{**rule, "severity": "critical"} if rule["name"] == "above_8c_30min" else rule
                     for rule in body["rules"]]
    add_version(recorded, "refrigerated", body, reason="half an hour above 8 °C is critical")
    client = login(app.test_client(), "viewer")
    page = client.get(PAGE, query_string={"profile": "refrigerated@3"}).get_data(as_text=True)
    changed = page.split('class="list excursions replay-changed"')[1].split("</table>")[0]
    assert "above_8c_30min" in changed and "Severity: major" in changed and "Severity: critical" in changed


@pytest.mark.parametrize(("query", "field", "message"), [
    ({"profile": "refrigerated@9"}, "profile", "refrigerated has no version 9"),
    ({"profile": "refrigerated", "min_c": "cold"}, "min_c", "enter a number"),
    ({"profile": "refrigerated", "max_c": "-5"}, "min_c", "min_c is above max_c"),
])
def test_what_cannot_be_judged_by_is_shown_on_the_form(app, recorded, query, field, message):
    response = login(app.test_client(), "viewer").get(PAGE, query_string=query)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page and f'id="{field}-error"' in page


def test_an_unknown_shipment_is_not_found(app):
    assert login(app.test_client(), "viewer").get("/shipments/HG-1999-0001/replay").status_code == 404
