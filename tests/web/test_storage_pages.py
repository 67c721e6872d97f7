"""Storage zones and the lot's stability passport, through the pages: who may see and change what, the
figures in the words the page uses, the CSV, and the Thai page."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest

from logistics.core.roles import Role
from logistics.db.engine import unit_of_work
from logistics.services import stock
from logistics.services.excursions import scan
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.conftest import NOW
from tests.web.conftest import csrf_token, login
from tests.web.test_languages import THAI, choose, translated

PASSPORT = "/lots/SEL-CD34/SK2607-114"  # travelled in HG-2026-0041 to SIRIRAJ-PH; "72 h at ≤ 25 °C"


def send(runtime, logger, start, temperatures):
    readings = [{"ts": (start + timedelta(minutes=10 * i)).isoformat(), "temp": value}
                for i, value in enumerate(temperatures)]
    payload = json.dumps({"readings": readings}).encode()
    TelemetryStore(runtime.engine).store([IncomingMessage(source="mqtt", logger_code=logger, received_at=NOW,
                                                          payload=payload)])


@pytest.fixture
def stored(app):
    """The kits held at SIRIRAJ-PH since NOW, in SIR-FRIDGE-1, whose logger saw 2 h at 12 °C."""
    runtime = app.extensions["logistics"]
    with unit_of_work(runtime.sessions, actor="pharmacy") as session:
        stock.open_balance(session, site="SIRIRAJ-PH", lot="SEL-CD34/SK2607-114", quantity="3 kit",
                           by="pharmacy", now=NOW)
    send(runtime, "LG-24101", NOW, [5.0] * 30 + [12.0] * 12 + [5.0] * 30)
    with unit_of_work(runtime.sessions, actor="scheduler") as session:
        scan(session, runtime.profiles, [], now=NOW + timedelta(hours=12))
    return app


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_passport_words_the_lots_use_against_its_allowance_and_draws_it(stored):
    client = login(stored.test_client(), "viewer")
    page = client.get(PASSPORT).get_data(as_text=True)
    words = text_of(page)
    # 2 h at 12 °C = 2 · e^(10000 · (1/298.15 − 1/285.15)) = 2 · 0.21673 = 0.43 h at 25 °C
    assert "Used 2.0 h (0.4 h equivalent at 25 °C) of 72.0 h at ≤ 25 °C." in words
    assert "70.0 h left" in words
    assert re.search(r"MKT \d+\.\d °C over Nov 24, 2026, 13:00 \+07:00 – ", words)
    assert "The verdict rests on the time out of the storage range and the allowance." in words
    life = words.split("Its life, in order", 1)[1]
    assert "Shipment HG-2026-0041" in life and "Storage at SIRIRAJ-PH · SIR-FRIDGE-1" in life
    assert "LG-24101" in life and "12.0 °C" in life
    assert 'class="use-flat"' in page and 'class="use-budget"' in page and 'class="use-equivalent"' in page
    excursions = words.split("Storage excursions while it was held", 1)[1]
    assert "SIR-FRIDGE-1 LG-24101 above_8c_30min" in excursions
    assert 'href="/storage/SIR-FRIDGE-1"' in page and 'href="/shipments/HG-2026-0041"' in page


def test_the_passport_comes_as_csv_with_a_row_per_part_of_the_lots_life(stored):
    client = login(stored.test_client(), "qa")
    response = client.get(PASSPORT + "/passport.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["kind"], row["shipment"], row["zone"], row["logger"]) for row in rows] == [
        ("shipment", "HG-2026-0041", "", "LG-24001"), ("storage", "", "SIR-FRIDGE-1", "LG-24101")]
    assert float(rows[1]["out_of_range_h"]) == 2.0
    assert float(rows[1]["equivalent_h"]) == pytest.approx(0.4335, abs=1e-4)  # 2 h · 0.21673
    assert rows[1]["from"] == NOW.isoformat() and rows[1]["to"] == "" and rows[1]["reference_c"] == "25.0"


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_read_the_passport_and_the_zones(app, role):
    client = login(app.test_client(), role.value)
    for path in (PASSPORT, PASSPORT + "/passport.csv", "/storage", "/storage/SIR-FRIDGE-1"):
        assert client.get(path).status_code == 200, path
    assert client.get("/lots/SEL-CD34/NO-SUCH-LOT").status_code == 404
    assert client.get("/storage/NO-SUCH-ZONE").status_code == 404


def test_the_stock_and_shipment_pages_link_each_lot_to_its_passport(stored):
    client = login(stored.test_client(), "pharmacy")
    assert f'href="{PASSPORT}"' in client.get("/stock").get_data(as_text=True)
    shipment = client.get("/shipments/HG-2026-0041").get_data(as_text=True)
    assert f'href="{PASSPORT}"' in shipment and "+ 1 storage period" in shipment
    assert "0.4 h equivalent at 25 °C" in shipment


def test_a_zone_is_added_watched_by_a_logger_and_its_excursion_reviewed(stored):
    client = login(stored.test_client(), "logistics")
    token = csrf_token(client, "/storage")
    refused = client.post("/storage", data={"site": "SIRIRAJ-CM", "code": "bad code", "name": "",
                                            "storage_profile": "frozen", "csrf_token": token})
    assert refused.status_code == 422 and "2 to 20 upper-case letters" in refused.get_data(as_text=True)
    added = client.post("/storage", follow_redirects=True, data={
        "site": "SIRIRAJ-CM", "code": "SIR-FRZ-2", "name": "Spare freezer", "storage_profile": "frozen",
        "csrf_token": token}).get_data(as_text=True)
    assert "Storage zone SIR-FRZ-2 added." in added
    assigned = client.post("/storage/SIR-FRZ-2/loggers", follow_redirects=True, data={
        "logger": "LG-24008", "starts_at": "2026-11-24T09:00", "csrf_token": token}).get_data(as_text=True)
    assert "LG-24008 assigned." in assigned and "Nov 24, 2026, 09:00 +07:00" in assigned
    busy = client.post("/storage/SIR-FRZ-2/loggers", follow_redirects=True, data={
        "logger": "LG-24003", "starts_at": "", "csrf_token": token}).get_data(as_text=True)
    assert "LG-24003 is already assigned to HG-2026-0045 in that window" in busy
    stopped = client.post("/storage/SIR-FRZ-2/loggers/LG-24008/stop", follow_redirects=True,
                          data={"csrf_token": token}).get_data(as_text=True)
    assert "LG-24008 stopped." in stopped and "Stop LG-24008 now" not in stopped

    zone = client.get("/storage/SIR-FRIDGE-1").get_data(as_text=True)
    record = re.search(r'/storage/SIR-FRIDGE-1/excursions/(\d+)/acknowledge', zone).group(1)
    assert "SEL-CD34" in text_of(zone).split("Held here now", 1)[1]
    done = client.post(f"/storage/SIR-FRIDGE-1/excursions/{record}/acknowledge", follow_redirects=True,
                       data={"comment": "Door closed, fridge checked", "csrf_token": token})
    assert "Excursion acknowledged." in done.get_data(as_text=True)
    elsewhere = client.post(f"/storage/SIR-FRZ-2/excursions/{record}/acknowledge",
                            data={"comment": "x", "csrf_token": token})
    assert elsewhere.status_code == 404  # another zone's record


def test_the_passport_and_the_zones_in_thai(stored):
    client = login(stored.test_client(), "qa")
    choose(client, "th")
    page = client.get(PASSPORT).get_data(as_text=True)
    main = page.split("<main", 1)[1]
    assert THAI.search(main) and translated("th", "Its life, in order") in main
    assert "Its life, in order" not in main and "Against its allowance" not in main
    zones = client.get("/storage").get_data(as_text=True).split("<main", 1)[1]
    assert translated("th", "Storage zones") in zones and "SIR-FRIDGE-1" in zones


def test_the_api_assigns_a_logger_to_a_zone_and_shows_zones_their_excursions_and_the_passport(
        stored, token_for):
    api = stored.test_client()
    headers = {"Authorization": f"Bearer {token_for('logistics')}"}
    both = api.post("/api/v1/loggers/LG-24008/assignments", headers=headers, json={
        "shipment": "HG-2026-0048", "storage_zone": "SIR-FRZ-1", "starts_at": "2026-11-24T09:00:00+07:00"})
    assert both.status_code == 422 and "not both" in both.get_json()["fields"]["shipment"]
    unknown = api.post("/api/v1/loggers/LG-24008/assignments", headers=headers, json={
        "storage_zone": "NOWHERE", "starts_at": "2026-11-24T09:00:00+07:00"})
    assert unknown.status_code == 422 and unknown.get_json()["fields"] == {
        "storage_zone": "no storage zone 'NOWHERE'"}
    assigned = api.post("/api/v1/loggers/LG-24008/assignments", headers=headers, json={
        "storage_zone": "SIR-LN2-1", "starts_at": "2026-11-24T09:00:00+07:00"})
    assert assigned.status_code == 201 and assigned.get_json()["storage_zone"] == "SIR-LN2-1"

    listed = api.get("/api/v1/storage/zones", headers=headers).get_json()["items"]
    zones = {zone["code"]: zone for zone in listed}
    # the fridge's two excursions, and the time it watched before its first reading (no data)
    assert zones["SIR-LN2-1"]["loggers"] == ["LG-24008"] and zones["SIR-FRIDGE-1"]["open_excursions"] == 3
    found = api.get("/api/v1/storage/zones/SIR-FRIDGE-1/excursions", headers=headers).get_json()["items"]
    assert {(row["logger"], row["rule"]) for row in found} == {("LG-24101", "no_data_gap"),
                                                               ("LG-24101", "above_8c_30min"),
                                                               ("LG-24101", "above_8c_cumulative_60min")}
    shown = api.get("/api/v1" + PASSPORT + "/passport", headers=headers).get_json()
    assert (shown["out_of_range_s"], shown["budget_s"], shown["limit_c"]) == (7200.0, 72 * 3600.0, 25.0)
    assert shown["equivalent_s"] == pytest.approx(2 * 0.21673 * 3600, abs=1)
    assert [entry["kind"] for entry in shown["entries"]] == ["shipment", "storage"]
    assert api.get("/api/v1/lots/SEL-CD34/NOPE/passport", headers=headers).status_code == 404
