"""Quantities that make sense, on every page that takes one: counted units come whole, no entry holds more
than its item's largest quantity (its own, else the max_quantity setting), numbers are typed in full, and
the form fields show stored numbers in full too. The refusal names the field, in the reader's language."""

from __future__ import annotations

import dataclasses
import re

from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import AuditEvent, Item, ReceiptLine, Shipment, ShipmentLine, StockMovement
from tests.web.conftest import csrf_token, login, web_app
from tests.web.test_receiving_pages import PAGE as RECEIPT
from tests.web.test_receiving_pages import receipt_form
from tests.web.test_shipment_pages import IMPORT_HEADER, upload

OPEN = "HG-2026-0048"  # planned: its contents may change


def field_error(page: str, field: str) -> str:
    found = re.search(rf'id="{re.escape(field)}-error">([^<]*)<', page)
    return found.group(1) if found else ""


def kit_line(app):
    """The form fields' prefix (line-N) of the shipment's one line counted in kit (6 kit of SEL-CD34)."""
    with app.extensions["logistics"].sessions() as session:
        line_id = session.exec(select(ShipmentLine.id).join(Shipment).where(
            Shipment.reference == "HG-2026-0045", ShipmentLine.unit == "kit")).one()
    return f"line-{line_id}"


def test_counts_at_receipt_are_whole_for_counted_units_in_full_and_within_the_bound(app):
    client = login(app.test_client(), "pharmacy")
    kit = kit_line(app)
    whole = "must be a whole number of kit (they are counted, not measured), got 5.5"
    scientific = "write the number out in full, not in scientific notation (&#39;6e0&#39;)"
    for typed, problem in (("5.5", whole), ("6e0", scientific),
                           ("inf", "enter a number in kit, e.g. 6 or 6 kit"),
                           ("10001", "must be at most 10,000 kit, the largest quantity of SEL-CD34 one entry "
                                     "may hold")):
        refused = client.post(RECEIPT, data=receipt_form(app, client, **{f"{kit}-received": typed}))
        assert refused.status_code == 422, typed
        assert field_error(refused.get_data(as_text=True), f"{kit}-received") == problem, typed
    with app.extensions["logistics"].sessions() as session:
        assert session.exec(select(ReceiptLine)).all() == []
    received = client.post(RECEIPT, data=receipt_form(app, client), follow_redirects=True)
    assert "HG-2026-0045 received." in received.get_data(as_text=True)


def test_a_stored_quantity_is_offered_in_full_in_the_receipt_form(sqlite_demo_runtime):
    # Without the blind count, the counts start at the quantities shipped.
    runtime = dataclasses.replace(sqlite_demo_runtime, settings=dataclasses.replace(
        sqlite_demo_runtime.settings, receiving_blind_count=False))
    app = web_app(runtime)
    with unit_of_work(runtime.sessions, actor="test", reason="a count stored before the bound") as session:
        line = session.exec(select(ShipmentLine).join(Shipment).where(
            Shipment.reference == "HG-2026-0045", ShipmentLine.unit == "bottle")).first()
        line.quantity, line_id = 1_234_567.0, line.id
    page = login(app.test_client(), "pharmacy").get(RECEIPT).get_data(as_text=True)
    # '%g' wrote 1.23457e+06: another number, in a notation the form refuses
    assert re.search(rf'<input id="line-{line_id}-received" [^>]*value="1234567"', page)


def test_stock_is_taken_in_whole_kits_typed_in_full(app):
    client = login(app.test_client(), "pharmacy")
    token = csrf_token(client, "/stock")
    take = {"site": "SIRIRAJ-PH", "item": "QC-ENDO", "use": "run", "code": "RUN-7", "csrf_token": token}
    for typed, problem in (("1.5 kit", "must be a whole number of kit (they are counted, not measured)"),
                           ("1e0 kit", "not in scientific notation")):
        refused = client.post("/stock/consume", data={**take, "quantity": typed})
        assert refused.status_code == 422
        assert problem in field_error(refused.get_data(as_text=True), "consume-quantity"), typed
    with app.extensions["logistics"].sessions() as session:
        assert session.exec(select(StockMovement).where(StockMovement.kind == "consume")).all() == []
    taken = client.post("/stock/consume", data={**take, "quantity": "1 kit"}, follow_redirects=True)
    assert "first expiry first out" in taken.get_data(as_text=True)


def test_the_import_refuses_fractions_of_a_kit_and_scientific_numbers_naming_the_column(app):
    client = login(app.test_client(), "logistics")
    report = upload(client, IMPORT_HEADER + "HG-2026-0312,HG-SZ,SIRIRAJ-PH,,,,SEL-CD34/SK2609-031=1.5 kit\n"
                    + "HG-2026-0313,HG-SZ,SIRIRAJ-PH,,,,MED-HSC/M26K05=1e3\n")
    page = report.get_data(as_text=True)
    assert report.status_code == 422
    assert ("<td>2</td><td>lines</td><td>SEL-CD34/SK2609-031: must be a whole number of kit (they are "
            "counted, not measured), got 1.5 (this item is issued in kit)</td>") in page
    assert ("<td>3</td><td>lines</td><td>MED-HSC/M26K05: write the number out in full, not in scientific "
            "notation (&#39;1e3&#39;) (this item is issued in bottle)</td>") in page
    hours = upload(client, "reference,origin,destination,packaging_validated_hours\nHG-2026-0314,HG-SZ,"
                           "SIRIRAJ-PH,9.6e1\n")
    assert "<td>2</td><td>packaging_validated_hours</td><td>write the number out in full" in \
        hours.get_data(as_text=True)


def test_an_items_own_bound_is_set_on_the_supply_terms_and_audited(app):
    client = login(app.test_client(), "logistics")
    token = csrf_token(client, "/recruitment")
    wrong = client.post("/recruitment/max-quantity", data={"item": "SEL-CD34", "max_quantity": "2e1",
                                                          "csrf_token": token})
    assert wrong.status_code == 422
    assert "not in scientific notation" in field_error(wrong.get_data(as_text=True), "largest-max_quantity")
    saved = client.post("/recruitment/max-quantity", follow_redirects=True,
                        data={"item": "SEL-CD34", "max_quantity": "20", "csrf_token": token})
    assert "Largest quantity per entry of SEL-CD34 saved." in saved.get_data(as_text=True)
    line = {"lot": "SEL-CD34/SK2609-031", "csrf_token": token}
    refused = client.post(f"/shipments/{OPEN}/lines", data={**line, "quantity": "21 kit"})
    assert refused.status_code == 422
    assert (field_error(refused.get_data(as_text=True), "line-quantity")
            == "must be at most 20 kit, the largest quantity of SEL-CD34 one entry may hold")
    added = client.post(f"/shipments/{OPEN}/lines", follow_redirects=True,
                        data={**line, "quantity": "20 kit"})
    assert "SEL-CD34/SK2609-031 added." in added.get_data(as_text=True)
    client.post("/recruitment/max-quantity", data={"item": "SEL-CD34", "max_quantity": "",
                                                   "csrf_token": token})
    with app.extensions["logistics"].sessions() as session:
        assert session.exec(select(Item.max_quantity).where(Item.code == "SEL-CD34")).one() is None
        changes = session.exec(select(AuditEvent).where(AuditEvent.entity == "items",
                                                        AuditEvent.field == "max_quantity")).all()
    assert [(event.old_value, event.new_value, event.actor) for event in changes] == [
        (None, "20.0", "logistics"), ("20.0", None, "logistics")]


def test_a_quantity_refusal_reads_in_the_readers_language(app):
    client = login(app.test_client(), "logistics")
    token = csrf_token(client, "/shipments")
    client.post("/language", data={"language": "zh_CN", "next": "/", "csrf_token": token})
    page = client.post(f"/shipments/{OPEN}/lines", follow_redirects=True, data={
        "lot": "SEL-CD34/SK2609-031", "quantity": "1.5 kit", "csrf_token": token}).get_data(as_text=True)
    assert "必须是整数套（按件计数，而非计量），收到的是 1.5" in page  # the unit in Chinese too
    assert "must be a whole number" not in page
