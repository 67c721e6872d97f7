"""The API for goods at the hospital: a shipment's receipt, the QA queue, stock, the ledger, consumption."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from logistics.core.signatures import Meaning
from logistics.db.engine import unit_of_work
from logistics.db.models import Item, Lot, ReceiptLine, Site, StockMovement
from logistics.services import quality
from tests.conftest import DEMO_PASSWORD, NOW
from tests.services.test_excursions import run_scan, send, trace_with_a_40_minute_excursion
from tests.services.test_receiving import assess_all, receive, steady_readings
from tests.web.conftest import login
from tests.web.test_api import bearer

REFERENCE = "HG-2026-0045"  # in transit to SIRIRAJ-PH: 6 kit SEL-CD34, 12 bottle MED-HSC and two more lines
TAKE = {"site": "SIRIRAJ-PH", "item": "SEL-CD34", "quantity": "2 kit", "use": "patient", "code": "TDT-017"}


def received_with_an_excursion(app):
    """Every line of the shipment in quarantine: an excursion was open when it arrived."""
    runtime = app.extensions["logistics"]
    send(runtime, trace_with_a_40_minute_excursion())
    run_scan(runtime)
    receive(runtime)
    return runtime


def line_id(runtime, lot_number):
    with runtime.sessions() as session:
        return session.exec(select(ReceiptLine.id).where(ReceiptLine.lot_number_seen == lot_number)).one()


def qa_signs(runtime, lot_number, meaning, released=None):
    """QA assesses the lot's excursions (no impact) and signs; `released` as typed ("4 kit")."""
    assess_all(runtime, line_id(runtime, lot_number))
    with unit_of_work(runtime.sessions, actor="qa") as session:
        quality.sign_decision(session, line_id(runtime, lot_number),
                              quality.Decision(meaning, released, "Within the 72 h budget"),
                              signer="qa", password=DEMO_PASSWORD, now=NOW + timedelta(hours=2))


def add_stock(runtime, lot_number, quantity, *, expiry=None, item="SEL-CD34", site="SIRIRAJ-PH"):
    """Available stock of a lot (a new one when `expiry` is given), as if received earlier."""
    with unit_of_work(runtime.sessions, actor="pharmacy") as session:
        item_id = session.exec(select(Item.id).where(Item.code == item)).one()
        if expiry is not None:
            session.add(Lot(item_id=item_id, lot_number=lot_number, expiry=expiry))
            session.flush()
        lot_id = session.exec(select(Lot.id).where(Lot.item_id == item_id,
                                                   Lot.lot_number == lot_number)).one()
        site_id = session.exec(select(Site.id).where(Site.code == site)).one()
        session.add(StockMovement(at=NOW - timedelta(days=30), site_id=site_id, lot_id=lot_id,
                                  status="available", quantity=quantity, kind="receipt", actor="pharmacy"))


def test_the_receipt_shows_the_box_each_line_and_qas_signed_decision(app, client, token_for):
    runtime = received_with_an_excursion(app)
    qa_signs(runtime, "SK2609-031", Meaning.PARTIALLY_RELEASED, released="4 kit")
    receipt = client.get(f"/api/v1/shipments/{REFERENCE}/receipt", headers=bearer(token_for("viewer")))
    assert receipt.status_code == 200, receipt.get_json()
    shown = receipt.get_json()
    assert (shown["shipment"], shown["site"], shown["received_by"]) == (REFERENCE, "SIRIRAJ-PH", "pharmacy")
    assert shown["received_at"] == "2026-11-24T06:00:00Z"
    assert shown["checklist"] == {"packaging_intact": True, "seals_intact": True, "coolant_present": True,
                                  "coolant_state": "cold", "logger_present": True, "logger_alarm": False,
                                  "documents_complete": True, "import_permit_present": True}
    # Open at receipt: the excursion, LG-24003's silence from NOW − 110 min until its window closed at
    # the receipt, and LG-24004's whole window (it sent nothing): the last two are no-data excursions.
    assert (shown["findings"], shown["open_excursions"], shown["notes"]) == ([], 3, None)
    lines = {line["item_code"]: line for line in shown["lines"]}
    assert set(lines) == {"SEL-CD34", "MED-HSC", "TE-POLOX", "CRYO-CS10"}
    decided = lines["SEL-CD34"]
    assert {key: decided[key] for key in ("lot_shipped", "lot_found", "received", "damaged", "missing",
                                           "unit", "requested", "disposition", "reasons", "discrepancies",
                                           "qa_status", "released", "rejected")} == {
        "lot_shipped": "SK2609-031", "lot_found": "SK2609-031", "received": 6.0, "damaged": 0.0,
        "missing": 0.0, "unit": "kit", "requested": "accept", "disposition": "quarantine",
        "reasons": ["open_excursion"], "discrepancies": [], "qa_status": "partially_released",
        "released": 4.0, "rejected": 2.0}
    assert decided["expiry_found"] and decided["decided_at"] == "2026-11-24T08:00:00Z"
    assert (decided["lot_booked"], decided["evidence_changed_at"], decided["evidence_change"]) == (None,) * 3
    signature = decided["signature"]
    assert (signature["signer"], signature["meaning"]) == ("qa", "partially_released")
    assert signature["valid"] is True and signature["signer_name"]
    assert signature["comment"] == "Within the 72 h budget" and len(signature["digest"]) == 64
    waiting = lines["MED-HSC"]
    assert (waiting["qa_status"], waiting["signature"], waiting["released"]) == ("pending", None, None)


def test_a_receipt_is_404_for_an_unknown_shipment_or_one_not_received_yet(client, token_for):
    headers = bearer(token_for("viewer"))
    unknown = client.get("/api/v1/shipments/HG-1999-0001/receipt", headers=headers)
    assert unknown.status_code == 404 and "HG-1999-0001" in unknown.get_json()["error"]
    on_its_way = client.get(f"/api/v1/shipments/{REFERENCE}/receipt", headers=headers)
    assert on_its_way.status_code == 404 and "not been received" in on_its_way.get_json()["error"]


def test_the_qa_queue_lists_quarantined_lines_with_excursions_and_stability(app, client, token_for):
    runtime = received_with_an_excursion(app)
    headers = bearer(token_for("viewer"))
    queue = client.get("/api/v1/qa/queue", headers=headers).get_json()["items"]
    assert [row["lot"] for row in queue] == ["SK2609-031", "M26K05", "TE-26-019", "CS10-26H2"]  # as shipped
    first = queue[0]
    assert {key: first[key] for key in ("shipment", "item", "lot", "quantity", "unit", "reasons")} == {
        "shipment": REFERENCE, "item": "SEL-CD34", "lot": "SK2609-031", "quantity": 6.0, "unit": "kit",
        "reasons": ["open_excursion"]}
    assert first["line_id"] == line_id(runtime, "SK2609-031") and first["expiry"]
    assert (first["lot_found"], first["evidence_changed"]) == ("SK2609-031", False)
    [excursion] = first["excursions"]
    assert {key: excursion[key] for key in ("rule", "status", "duration_s", "peak")} == {
        "rule": "above_8c_30min", "status": "open", "duration_s": 2400.0, "peak": 9.5}
    assert excursion["end"] is not None and excursion["severity"]
    stability = first["stability"]
    assert set(stability) == {"remaining_s", "budget_s", "out_of_range_s", "state"}
    assert stability["out_of_range_s"] > 0 and stability["state"] in ("none", "ok", "low", "exhausted")
    qa_signs(runtime, "SK2609-031", Meaning.RELEASED)
    after = client.get("/api/v1/qa/queue", headers=headers).get_json()["items"]
    assert [row["lot"] for row in after] == ["M26K05", "TE-26-019", "CS10-26H2"]


def test_stock_by_site_and_item_shows_expired_stock_as_expired(app, client, token_for):
    runtime = app.extensions["logistics"]
    steady_readings(runtime)
    receive(runtime)
    add_stock(runtime, "SK2501-001", 3.0, expiry=date(2026, 1, 31))
    headers = bearer(token_for("viewer"))
    held = client.get("/api/v1/stock", query_string={"site": "SIRIRAJ-PH", "item": "SEL-CD34"},
                      headers=headers).get_json()["items"]
    assert [(row["lot"], row["status"], row["quantity"]) for row in held] == [
        ("SK2501-001", "expired", 3.0), ("SK2609-031", "available", 6.0)]
    assert {key: held[1][key] for key in ("site", "item", "unit")} == {
        "site": "SIRIRAJ-PH", "item": "SEL-CD34", "unit": "kit"}
    assert held[1]["item_name"].startswith("CD34") and held[1]["expiry"] > "2027"
    everything = client.get("/api/v1/stock", headers=headers).get_json()["items"]
    opening = {"TUB-TS310", "CYT-SCF", "CYT-TPO", "CYT-FLT3L", "CRYO-BAG", "CRYO-CS10", "QC-ENDO", "QC-MYCO",
               "REF-CELL"}  # the demo's opening stock
    assert {row["item"] for row in everything} == {"SEL-CD34", "MED-HSC", "TE-POLOX", "CRYO-CS10"} | opening
    assert client.get("/api/v1/stock?site=HG-SZ", headers=headers).get_json()["items"] == []


def test_the_ledger_is_newest_first_and_paginated(app, client, token_for):
    runtime = received_with_an_excursion(app)
    qa_signs(runtime, "SK2609-031", Meaning.PARTIALLY_RELEASED, released="4 kit")
    headers = bearer(token_for("viewer"))
    ledger = client.get("/api/v1/stock/movements?item=SEL-CD34", headers=headers).get_json()
    assert ledger["total"] == 4 and ledger["page"] == 1
    assert [(row["kind"], row["status"], row["quantity"]) for row in ledger["items"]][-1] == (
        "receipt", "quarantined", 6.0)
    assert {(row["kind"], row["status"], row["quantity"]) for row in ledger["items"][:3]} == {
        ("release", "quarantined", -6.0), ("release", "available", 4.0), ("reject", "rejected", 2.0)}
    assert all(row["lot"] == "SK2609-031" and row["unit"] == "kit" for row in ledger["items"])
    one = client.get("/api/v1/stock/movements?item=SEL-CD34&page=2&per_page=3", headers=headers).get_json()
    assert (one["total"], one["page"], one["per_page"], len(one["items"])) == (4, 2, 3, 1)
    assert one["items"][0]["id"] == ledger["items"][-1]["id"]
    by_lot = client.get("/api/v1/stock/movements?lot=M26K05", headers=headers).get_json()
    assert by_lot["total"] == 1 and by_lot["items"][0]["item"] == "MED-HSC"
    bad = client.get("/api/v1/stock/movements?per_page=0", headers=headers)
    assert bad.status_code == 422 and "per_page" in bad.get_json()["fields"]


def test_consuming_takes_the_first_expiring_lot_and_moves_stock(app, client, token_for):
    runtime = app.extensions["logistics"]
    steady_readings(runtime)
    receive(runtime)
    add_stock(runtime, "SK2607-114", 1.0)  # expires before SK2609-031
    headers = bearer(token_for("pharmacy"))
    taken = client.post("/api/v1/stock/consume", json={**TAKE, "note": "cycle 2"}, headers=headers)
    assert taken.status_code == 201, taken.get_json()
    moves = taken.get_json()["items"]
    assert [(row["lot"], row["quantity"], row["status"], row["kind"]) for row in moves] == [
        ("SK2607-114", -1.0, "available", "consume"), ("SK2609-031", -1.0, "available", "consume")]
    assert {(row["used_for"], row["actor"], row["note"], row["site"], row["unit"]) for row in moves} == {
        ("patient:TDT-017", "pharmacy", "cycle 2", "SIRIRAJ-PH", "kit")}
    held = client.get("/api/v1/stock?item=SEL-CD34", headers=headers).get_json()["items"]
    assert [(row["lot"], row["quantity"]) for row in held] == [("SK2609-031", 5.0)]  # SK2607-114 used up
    trail = client.get("/api/v1/audit?entity=stock_movements", headers=headers).get_json()["items"]
    assert {event["reason"] for event in trail if event["actor"] == "pharmacy" and event["action"] == "create"
            and event["entity_id"] in {str(row["id"]) for row in moves}} == {"used for patient:TDT-017"}


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"quantity": "two kit"}, "quantity", "cannot read"),
    ({"quantity": "0 kit"}, "quantity", "must be more than nothing"),
    ({"quantity": "5 mL"}, "quantity", "cannot be expressed in kit"),
    ({"quantity": "1.5 kit"}, "quantity", "must be a whole number of kit"),
    ({"quantity": "2e0 kit"}, "quantity", "not in scientific notation"),
    ({"quantity": "10001"}, "quantity", "must be at most 10,000 kit, the largest quantity of SEL-CD34"),
    ({"quantity": "7 kit"}, "quantity", "only 6 usable"),
    ({"code": "Somchai J"}, "code", "never a name"),
    ({"code": "tdt-017"}, "code", "never a name"),
    ({"use": "doctor"}, "use", "'run' or 'patient'"),
    ({"item": "NOPE"}, "item", "no item"),
    ({"site": "NOPE"}, "site", "no site"),
    ({"colour": "blue"}, "colour", "not a known field"),
])
def test_bad_consumption_is_422_naming_the_field_and_takes_nothing(app, client, token_for, changes, field,
                                                                   message):
    runtime = app.extensions["logistics"]
    steady_readings(runtime)
    receive(runtime)
    headers = bearer(token_for("pharmacy"))
    refused = client.post("/api/v1/stock/consume", json={**TAKE, **changes}, headers=headers)
    assert refused.status_code == 422
    assert message in refused.get_json()["fields"][field]
    held = client.get("/api/v1/stock?item=SEL-CD34", headers=headers).get_json()["items"]
    assert [row["quantity"] for row in held] == [6.0]


def test_consuming_needs_a_token_of_a_role_that_receives(client, token_for):
    refused = client.post("/api/v1/stock/consume", json=TAKE, headers=bearer(token_for("viewer")))
    assert refused.status_code == 403 and "receive" in refused.get_json()["error"]
    assert client.post("/api/v1/stock/consume", json=TAKE).status_code == 401
    login(client, "pharmacy")
    by_cookie = client.post("/api/v1/stock/consume", json=TAKE)  # a session may read, not write
    assert by_cookie.status_code == 401 and "Bearer" in by_cookie.get_json()["error"]
    assert client.get("/api/v1/stock").status_code == 200


def test_the_openapi_document_describes_the_goods_routes(client, token_for):
    document = client.get("/api/v1/openapi.json", headers=bearer(token_for("viewer"))).get_json()
    paths = document["paths"]
    consume = paths["/api/v1/stock/consume"]["post"]
    assert consume["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ConsumptionCreate")
    assert "201" in consume["responses"]
    assert {"page", "per_page", "item", "lot"} == {
        parameter["name"] for parameter in paths["/api/v1/stock/movements"]["get"]["parameters"]}
    assert {"/api/v1/shipments/{reference}/receipt", "/api/v1/qa/queue", "/api/v1/stock"} <= set(paths)
    schemas = document["components"]["schemas"]
    assert {"ReceiptPublic", "SignaturePublic", "QaQueue", "BalanceList", "MovementPage"} <= set(schemas)
    assert schemas["ConsumptionCreate"]["properties"]["use"]["enum"] == ["run", "patient"]
