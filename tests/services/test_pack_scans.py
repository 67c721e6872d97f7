"""A scanned pack finds its shipment line by the item's GTIN, on both databases; items keep their GTIN as
the 14 digits a GS1 code carries, one item per GTIN."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import Item, Lot, Shipment, ShipmentLine
from logistics.readers.gs1 import BarcodeError, Problem
from logistics.services import catalogue, receiving
from logistics.services.errors import InputError, NotFound

REFERENCE = "HG-2026-0045"  # 6 kit SEL-CD34, 12 bottle MED-HSC, 10 vial TE-POLOX


def line_of(session, item_code, reference=REFERENCE):
    return session.exec(select(ShipmentLine.id).join(Shipment).join(Lot, Lot.id == ShipmentLine.lot_id)
                        .join(Item, Item.id == Lot.item_id)
                        .where(Shipment.reference == reference, Item.code == item_code)).one()


def test_a_scanned_pack_finds_its_line_by_gtin(demo_runtime):
    with demo_runtime.sessions() as session:
        pack = receiving.scanned_pack(session, REFERENCE, "(01)09521234000075(17)280131(10)TE-26-019(21)V-12")
        assert (pack.line_id, pack.item_code) == (line_of(session, "TE-POLOX"), "TE-POLOX")
        assert (pack.code.lot, pack.code.expiry, pack.code.serial) == ("TE-26-019", date(2028, 1, 31), "V-12")
        plain = receiving.scanned_pack(session, REFERENCE, "9521234000013")  # the EAN-13 on a kit's box
        assert (plain.line_id, plain.code.lot, plain.code.expiry) == (
            line_of(session, "SEL-CD34"), None, None)


def test_two_lots_of_one_item_are_told_apart_by_the_lot_in_the_code(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="logistics", reason="a second lot in the box") as session:
        shipment = session.exec(select(Shipment).where(Shipment.reference == REFERENCE)).one()
        older = session.exec(select(Lot).where(Lot.lot_number == "SK2607-114")).one()
        session.add(ShipmentLine(shipment_id=shipment.id, lot_id=older.id, unit="kit", quantity=2))
    with demo_runtime.sessions() as session:
        lines = session.exec(select(ShipmentLine.id, Lot.lot_number).join(Lot).join(Shipment)
                             .where(Shipment.reference == REFERENCE, Lot.lot_number.like("SK26%"))).all()
        by_lot = {lot: line_id for line_id, lot in lines}
        for lot in ("SK2607-114", "SK2609-031"):
            pack = receiving.scanned_pack(session, REFERENCE, f"(01)09521234000013(10){lot}")
            assert pack.line_id == by_lot[lot]


def test_a_gtin_not_on_the_shipment_is_named_with_its_item(demo_runtime):
    with demo_runtime.sessions() as session:
        with pytest.raises(receiving.NotOnShipment) as elsewhere:
            receiving.scanned_pack(session, REFERENCE, "(01)09521234000099(10)CB-2602-55")  # CRYO-BAG
        assert str(elsewhere.value) == f"GTIN 09521234000099 (CRYO-BAG) is not on {REFERENCE}"
        with pytest.raises(receiving.NotOnShipment) as unknown:
            receiving.scanned_pack(session, REFERENCE, "(01)09506000134352")
        assert (unknown.value.gtin, unknown.value.item) == ("09506000134352", None)
        with pytest.raises(BarcodeError) as malformed:
            receiving.scanned_pack(session, REFERENCE, "(01)09521234000013(17)271301")
        assert (malformed.value.problem, malformed.value.ai) == (Problem.BAD_FIELD, "17")
        with pytest.raises(NotFound):
            receiving.scanned_pack(session, "HG-1999-0001", "(01)09521234000013")


def test_an_items_gtin_is_kept_as_14_digits_once_valid_and_its_own(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="admin", reason="new item") as session:
        added = catalogue.add_item(session, demo_runtime.profiles, code="QC-STER", name="Sterility kit",
                                   category="reagent", storage_profile="crt", unit="kit",
                                   gtin="9521234000150")
        assert added.gtin == "09521234000150"
    for gtin, problem in (("9521234000151", "'9521234000151' is not a GTIN (8, 12, 13 or 14 digits ending "
                                            "in its check digit)"),
                          ("09521234000013", "09521234000013 is already the GTIN of SEL-CD34")):
        with unit_of_work(demo_runtime.sessions, actor="admin", reason="new item") as session:
            with pytest.raises(InputError) as refused:
                catalogue.add_item(session, demo_runtime.profiles, code="QC-X", name="x", category="reagent",
                                   storage_profile="crt", unit="kit", gtin=gtin)
            assert refused.value.errors == {"gtin": problem}
