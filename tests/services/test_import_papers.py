"""Import permits and a shipment's import papers against the demo database: what the dispatch gate will
ask (`permit_problems`), the register's changes (audited), and the licence per invoice as CSV."""

import csv
import io
from datetime import date, timedelta

import pytest
from pydantic import ValidationError
from sqlmodel import select

from logistics.core.import_papers import PermitProblemCode
from logistics.db.engine import unit_of_work
from logistics.db.models import AuditEvent, ImportPermit, Shipment
from logistics.schemas.permits import PapersUpdate, PermitCreate, PermitFields
from logistics.schemas.shipments import ShipmentCreate
from logistics.services import import_papers, permits, shipments
from logistics.services.errors import InputError
from tests.conftest import NOW

PERMIT = "TFDA-CT-2026-0031"  # the demo's, covering every demo item
TODAY = NOW.date()


def shipment_id(session, reference):
    return session.exec(select(Shipment.id).where(Shipment.reference == reference)).one()


def problems_of(runtime, reference):
    with runtime.sessions() as session:
        return [(problem.code, problem.item)
                for problem in import_papers.permit_problems(session, shipment_id(session, reference))]


def change_permit(runtime, **changes):
    with unit_of_work(runtime.sessions, actor="li.wei", reason="test") as session:
        shown = permits.describe_permit(session, PERMIT, today=TODAY)
        fields = {"holder": shown.holder, "issued": shown.issued, "expires": shown.expires,
                  "protocol_number": shown.protocol_number, "items": [item.code for item in shown.items],
                  "reason": "renewed"} | changes
        permits.update_permit(session, PERMIT, PermitFields.model_validate(fields))


def test_the_demo_shipments_hold_their_permit_until_it_changes(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    for reference in ("HG-2026-0045", "HG-2026-0046", "HG-2026-0047"):
        assert problems_of(runtime, reference) == []
    assert problems_of(runtime, "HG-2026-0048") == [(PermitProblemCode.MISSING, None)]  # papers pending
    with runtime.sessions() as session:
        arrival = session.exec(select(Shipment.planned_arrival)
                               .where(Shipment.reference == "HG-2026-0047")).one()
    # HG-2026-0047 lands in Bangkok (UTC+7) the day of its planned arrival there: the permit's last day.
    arrival_day = (arrival + timedelta(hours=7)).date()
    change_permit(runtime, expires=arrival_day)
    assert problems_of(runtime, "HG-2026-0047") == []
    change_permit(runtime, expires=arrival_day - timedelta(days=1), items=["SEL-CD34"])
    assert problems_of(runtime, "HG-2026-0047") == [(PermitProblemCode.EXPIRED, None),
                                                    (PermitProblemCode.NOT_COVERED, "REF-CELL")]


def test_a_permit_not_in_the_register_or_a_shipment_out_of_thailand(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    with unit_of_work(runtime.sessions, actor="li.wei", reason="test") as session:
        shipments.create_shipment(session, ShipmentCreate(
            reference="HG-2026-0901", origin="HG-SZ", destination="SIRIRAJ-PH", import_permit="TFDA-NONE"))
        shipments.create_shipment(session, ShipmentCreate(reference="HG-2026-0902", origin="SIRIRAJ-PH",
                                                          destination="HG-SZ"))  # a return to Shenzhen
    assert problems_of(runtime, "HG-2026-0901") == [(PermitProblemCode.UNKNOWN, None)]
    assert problems_of(runtime, "HG-2026-0902") == []


def test_a_permit_is_recorded_audited_and_refused_naming_its_field(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    draft = {"number": "TFDA-CT-2027-0002", "holder": "Siriraj", "protocol_number": "HG-TDT-302",
             "issued": date(2027, 1, 1), "expires": date(2027, 12, 31), "items": ["LV-BGLOB", "QC-VCN"]}
    with unit_of_work(runtime.sessions, actor="li.wei", reason="new permit") as session:
        permits.create_permit(session, PermitCreate.model_validate(draft))
    with runtime.sessions() as session:
        shown = permits.describe_permit(session, "TFDA-CT-2027-0002", today=TODAY)
        assert [item.code for item in shown.items] == ["LV-BGLOB", "QC-VCN"] and not shown.valid_today
        kinds = {event.entity for event in session.exec(select(AuditEvent)).all()}
        assert {"import_permits", "import_permit_items"} <= kinds
        for changes, field in (({}, "number"), ({"number": "X-1-A", "items": ["NOPE"]}, "items"),
                               ({"number": "X-1-B", "expires": date(2026, 12, 31)}, "expires")):
            with pytest.raises(InputError) as refused:
                permits.create_permit(session, PermitCreate.model_validate(draft | changes))
            assert set(refused.value.errors) == {field}
        session.rollback()
        numbers = session.exec(select(ImportPermit.number)).all()
        assert not [number for number in numbers if number.startswith("X-")]


def test_the_papers_take_net_weights_and_manufacture_dates_and_export_as_csv(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    with runtime.sessions() as session:
        papers = import_papers.import_papers(session, "HG-2026-0046", today=TODAY)
    assert papers.coolant_marking == "UN 1845, Dry ice, 9, 12 kg net"
    assert papers.invoice_number == "HG-INV-2026-0046" and papers.gaps == []
    first = papers.lines[0]
    with pytest.raises(ValidationError):  # a space, or a formula's "=", is no character of an invoice number
        PapersUpdate.model_validate({"invoice_number": "=INV 77"})
    with unit_of_work(runtime.sessions, actor="li.wei", reason="papers") as session:
        import_papers.update_papers(session, "HG-2026-0046", PapersUpdate.model_validate({
            "invoice_number": "INV-77", "lines": [{"id": first.id, "net_weight_kg": 0.05,
                                                   "manufactured": "2026-02-01"}]}), today=TODAY)
    with runtime.sessions() as session:
        with pytest.raises(InputError) as refused:
            import_papers.update_papers(session, "HG-2026-0046", PapersUpdate.model_validate({
                "lines": [{"id": first.id, "manufactured": first.expiry.isoformat()}, {"id": 999_999}]}),
                today=TODAY)
        assert set(refused.value.errors) == {"lines.0.manufactured", "lines.1.id"}
        session.rollback()
    with runtime.sessions() as session:
        text = import_papers.papers_csv(session, "HG-2026-0046", today=TODAY)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["item_code"] for row in rows] == ["LV-BGLOB", "QC-VCN", "QC-MYCO"]
    assert rows[0] | {"item_name": ""} == {
        "reference": "HG-2026-0046", "invoice_number": "INV-77", "air_waybill": "784-55311023",
        "import_permit": PERMIT, "protocol_number": "HG-TDT-301", "line": "1", "item_code": "LV-BGLOB",
        "item_name": "", "hs_code": "3002.49", "lot_number": "LV-B-26-007", "manufactured": "2026-02-01",
        "expiry": first.expiry.isoformat(), "quantity": "4.0", "unit": "vial", "net_weight_kg": "0.05"}
