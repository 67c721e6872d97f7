"""The blind count at receiving: the form lists what is expected without the quantities shipped, the
pharmacist types what is in the box with its unit, and the differences show once the receipt is recorded.
With the setting off, the counts start at the quantities shipped, as before."""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlmodel import select

from logistics.db.models import Item, Lot, Receipt, ReceiptLine, Shipment, ShipmentLine
from tests.web.conftest import login, web_app
from tests.web.test_receiving_pages import PAGE, REFERENCE, receipt_form


@pytest.fixture
def sighted_app(sqlite_demo_runtime):
    """The app with the blind count turned off."""
    settings = dataclasses.replace(sqlite_demo_runtime.settings, receiving_blind_count=False)
    return web_app(dataclasses.replace(sqlite_demo_runtime, settings=settings))


def shipped_lines(app):
    """{item code: (line id, quantity shipped, unit)} of the shipment's lines."""
    with app.extensions["logistics"].sessions() as session:
        rows = session.exec(select(ShipmentLine, Item.code).join(Lot, Lot.id == ShipmentLine.lot_id)
                            .join(Item, Item.id == Lot.item_id).join(Shipment)
                            .where(Shipment.reference == REFERENCE)).all()
    return {code: (line.id, line.quantity, line.unit) for line, code in rows}


def count_field(page, line_id, field):
    """The value the form starts a count field with, or None when the form has no such field."""
    found = re.search(rf'<input id="line-{line_id}-{field}" [^>]*value="([^"]*)"', page)
    return found.group(1) if found else None


def test_the_blind_form_lists_the_lines_without_the_quantities_shipped(app, client):
    assert app.extensions["logistics"].settings.receiving_blind_count  # the default
    login(client, "pharmacy")
    page = client.get(PAGE).get_data(as_text=True)
    lines = shipped_lines(app)
    line_id, quantity, unit = lines["SEL-CD34"]
    assert (quantity, unit) == (6, "kit")
    assert "expected: lot SK2609-031, expiry" in page and "counted in kit" in page
    assert "shipped:" not in page and "6 kit" not in page
    for line_id, _quantity, _unit in lines.values():
        assert count_field(page, line_id, "received") == "" and count_field(page, line_id, "damaged") == ""
        assert count_field(page, line_id, "missing") is None  # the pharmacist cannot know what is missing


def test_counts_typed_with_their_units_and_the_differences_shown_after(app, client):
    login(client, "pharmacy")
    lines = shipped_lines(app)
    kits, bottles, vials = (lines[code][0] for code in ("SEL-CD34", "MED-HSC", "TE-POLOX"))
    form = receipt_form(app, client)
    for line_id, _quantity, _unit in lines.values():
        del form[f"line-{line_id}-missing"]  # not on a blind form
    form |= {f"line-{kits}-received": "4 kit", f"line-{kits}-damaged": "1 kit",  # one short of 6
             f"line-{bottles}-received": "12 bottles", f"line-{bottles}-damaged": "",  # plural; empty: none
             f"line-{vials}-received": "11"}  # a bare number is in the line's unit: one more than 10
    recorded = client.post(PAGE, data=form, follow_redirects=True)
    page = recorded.get_data(as_text=True)
    assert recorded.status_code == 200 and f"{REFERENCE} received." in page
    assert "The count differs from what was shipped on 2 lines." in page
    kit_row = re.search(rf'<tr id="received-{kits}">(.*?)</tr>', page, re.S).group(1)
    assert re.search(r"<td>6 kit</td>\s*<td>4 kit</td><td>1</td><td>0</td>\s*"
                     r'<td class="difference out">-1 kit</td>', kit_row)
    assert "count differs" in kit_row and "damaged" in kit_row
    assert '<td class="difference out">+1 vial</td>' in page
    bottle_row = re.search(rf'<tr id="received-{bottles}">(.*?)</tr>', page, re.S).group(1)
    assert '<td class="difference">—</td>' in bottle_row
    with app.extensions["logistics"].sessions() as session:
        found = {row.shipment_line_id: row for row in session.exec(select(ReceiptLine)).all()}
    assert (found[kits].received, found[kits].damaged, found[kits].missing) == (4, 1, 0)
    assert found[kits].discrepancies == "count_mismatch,damaged" and found[kits].disposition == "quarantine"
    assert (found[bottles].received, found[bottles].discrepancies) == (12, "")
    assert (found[vials].received, found[vials].discrepancies) == (11, "count_mismatch")


@pytest.mark.parametrize(("typed", "problem"), [
    ("", "count the intact units and type how many, e.g. 6 kit (0 if there are none)"),
    ("0.5 box", "enter a number in kit, e.g. 6 or 6 kit"),  # a box is not a kit
    ("six", "enter a number in kit, e.g. 6 or 6 kit"),
    ("-1", "enter a number in kit, e.g. 6 or 6 kit"),
])
def test_a_blind_count_must_be_typed_and_readable_in_the_lines_unit(app, client, typed, problem):
    login(client, "pharmacy")
    kits = shipped_lines(app)["SEL-CD34"][0]
    refused = client.post(PAGE, data=receipt_form(app, client, **{f"line-{kits}-received": typed}))
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert f'id="line-{kits}-received-error">{problem}</p>' in page
    assert count_field(page, kits, "received") == typed  # the form keeps what was typed
    with app.extensions["logistics"].sessions() as session:
        assert session.exec(select(Receipt)).all() == []


def test_with_the_setting_off_the_counts_start_at_the_quantities_shipped(sighted_app):
    client = login(sighted_app.test_client(), "pharmacy")
    page = client.get(PAGE).get_data(as_text=True)
    kits = shipped_lines(sighted_app)["SEL-CD34"][0]
    assert "shipped: 6 kit of lot SK2609-031, expiry" in page and "expected:" not in page
    assert (count_field(page, kits, "received"), count_field(page, kits, "damaged"),
            count_field(page, kits, "missing")) == ("6", "0", "0")
    form = receipt_form(sighted_app, client, **{f"line-{kits}-received": "5", f"line-{kits}-missing": "1"})
    page = client.post(PAGE, data=form, follow_redirects=True).get_data(as_text=True)
    assert "The count differs from what was shipped on 1 line." in page  # one kit found short…
    with sighted_app.extensions["logistics"].sessions() as session:
        line = session.exec(select(ReceiptLine).where(ReceiptLine.shipment_line_id == kits)).one()
    assert (line.received, line.missing, line.discrepancies) == (5, 1, "missing")  # …and declared missing
