"""A pack's GS1 code scanned into the receiving form fills its line's lot and expiry: read by the server when
the form is sent (no script needed), or at once for the page's script; a code that cannot be read, or a GTIN
that is not on the shipment, is refused naming it and fills nothing."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from logistics.db.models import Receipt, ReceiptLine, Shipment
from tests.web.conftest import csrf_token, login
from tests.web.test_blind_count import shipped_lines
from tests.web.test_receiving_pages import PAGE, REFERENCE, receipt_form

KITS = "09521234000013"  # SEL-CD34 in the demo (GS1 prefix 952: for demonstrations)
BAGS = "09521234000099"  # CRYO-BAG: in the catalogue, not in this shipment
GS = "\x1d"


def field_value(page, name):
    return re.search(rf'<input id="{name}" [^>]*value="([^"]*)"', page).group(1)


def nothing_received(app):
    with app.extensions["logistics"].sessions() as session:
        shipment = session.exec(select(Shipment).where(Shipment.reference == REFERENCE)).one()
        return session.exec(select(Receipt)).all() == [] and shipment.status == "in_transit"


def test_without_script_the_scan_button_fills_the_line_and_records_nothing(app, client):
    login(client, "pharmacy")
    kits = shipped_lines(app)["SEL-CD34"][0]
    answer = client.post(PAGE, data={"scan": "(01)09521234000013(17)270900(10)SK2609-031",
                                     "action": "scan", "csrf_token": csrf_token(client, PAGE)})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert field_value(page, f"line-{kits}-lot") == "SK2609-031"
    assert field_value(page, f"line-{kits}-expiry") == "2027-09-30"  # day 00: the month's last day
    assert field_value(page, "scan") == ""  # ready for the next pack
    assert "SEL-CD34: lot SK2609-031 and expiry Sep 30, 2027 filled in from the pack&#39;s code." in page
    assert nothing_received(app)


def test_a_code_left_in_the_scan_field_is_read_when_the_receipt_is_recorded(app, client):
    login(client, "pharmacy")
    kits = shipped_lines(app)["SEL-CD34"][0]
    raw = f"]d201{KITS}17270930" f"10SK2609-013{GS}21SN-88"  # DataMatrix, raw: another lot than shipped
    recorded = client.post(PAGE, data=receipt_form(app, client, scan=raw, action="record"))
    assert recorded.status_code == 302
    with app.extensions["logistics"].sessions() as session:
        line = session.exec(select(ReceiptLine).where(ReceiptLine.shipment_line_id == kits)).one()
    assert (line.lot_number_seen, line.discrepancies) == ("SK2609-013", "lot_mismatch")


@pytest.mark.parametrize(("code", "problem"), [
    (f"(01){BAGS}(17)280131(10)CB-2602-55",
     f"GTIN {BAGS} (CRYO-BAG) is not on {REFERENCE}: check the pack against the packing list."),
    ("(01)09506000134352(10)X1",
     f"GTIN 09506000134352 is not on {REFERENCE}: check the pack against the packing list."),
    ("(01)09521234000014(10)X1",
     "(01)09521234000014(10)X1: the GTIN&#39;s check digit is wrong; scan again or type the code from the "
     "label"),
    (f"01{KITS}17271331",
     f"01{KITS}17271331: field (17) does not hold what GS1 allows there (a real date, the right number of "
     "digits); scan again or type the code from the label"),
    ("SK2609-031", "SK2609-031 is not a GS1 code: scan the GS1 DataMatrix or GS1-128 barcode on the pack"),
])
def test_a_code_that_fills_nothing_is_refused_naming_it(app, client, code, problem):
    login(client, "pharmacy")
    for action in ("scan", "record"):
        refused = client.post(PAGE, data=receipt_form(app, client, scan=code, action=action))
        page = refused.get_data(as_text=True)
        assert refused.status_code == 422, action
        assert f'<p class="field-error" id="scan-error" >{problem}</p>' in page
        assert nothing_received(app)


def test_enter_in_another_field_without_script_reads_nothing_and_records_nothing(app, client):
    login(client, "pharmacy")
    kits = shipped_lines(app)["SEL-CD34"][0]
    form = receipt_form(app, client, scan="", action="scan", **{f"line-{kits}-received": "5 kit"})
    answer = client.post(PAGE, data=form)  # the scan button is the form's first: Enter presses it
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="scan-error" hidden' in page
    assert "Nothing recorded yet: scan a pack&#39;s code, or press Record the receipt" in page
    assert field_value(page, f"line-{kits}-received") == "5 kit"  # what was typed stays
    assert nothing_received(app)


def test_the_pages_script_reads_a_code_as_json(app, client):
    login(client, "pharmacy")
    lines = shipped_lines(app)
    raw = f"0109521234000037" f"17270400" f"10M26K05{GS}\r\n"  # as typed, Enter included
    read = client.get(f"{PAGE}/pack", query_string={"code": raw})
    assert read.status_code == 200
    assert read.get_json() == {
        "line": lines["MED-HSC"][0], "item": "MED-HSC", "gtin": "09521234000037", "lot": "M26K05",
        "expiry": "2027-04-30", "serial": None,
        "message": "MED-HSC: lot M26K05 and expiry Apr 30, 2027 filled in from the pack's code."}
    unknown = client.get(f"{PAGE}/pack", query_string={"code": f"(01){BAGS}"})
    assert unknown.status_code == 422
    assert unknown.get_json() == {"error": f"GTIN {BAGS} (CRYO-BAG) is not on {REFERENCE}: check the pack "
                                           "against the packing list."}
    empty = client.get(f"{PAGE}/pack", query_string={"code": " \r\n"})
    assert (empty.status_code, empty.get_json()) == (422, {"error": "scan or type a pack's code first"})
    assert client.get("/receiving/HG-1999-0001/pack", query_string={"code": KITS}).status_code == 404
    assert nothing_received(app)


def test_the_refusal_is_in_the_readers_language(app, client):
    login(client, "pharmacy")
    client.post("/language", data={"language": "th", "csrf_token": csrf_token(client, "/")})
    unknown = client.get(f"{PAGE}/pack", query_string={"code": f"(01){BAGS}"}).get_json()["error"]
    assert BAGS in unknown and REFERENCE in unknown and "is not on" not in unknown


def test_only_those_who_receive_may_read_a_pack(app, client):
    login(client, "viewer")
    assert client.get(f"{PAGE}/pack", query_string={"code": KITS}).status_code == 403
