"""A shipment's import papers: the licence per invoice the customs broker files with Thailand's FDA before
arrival (each line's HS code, lot, manufacture and expiry date, net weight; the air waybill; the invoice
number), what stands between the shipment and its import permit, and the packing list's coolant line.

`permit_problems` is what a dispatch gate asks before the goods leave: typed problems
(`core.import_papers.PermitProblem`), none when the permit holds for the planned arrival and every item.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from logistics.core.clock import in_zone
from logistics.core.import_papers import (
    PaperLine,
    PermitProblem,
    coolant_marking,
    paper_gaps,
    permit_needed,
)
from logistics.core.import_papers import permit_problems as check_permit
from logistics.core.limits import BUSINESS_TIME_EARLIEST
from logistics.core.refusals import N_, Refusal
from logistics.core.spreadsheet import safe_row
from logistics.db.models import ImportPermit, Item, Lane, Lot, Shipment, ShipmentLine, Site
from logistics.schemas.permits import (
    ImportPapersPublic,
    PaperLinePublic,
    PapersUpdate,
    PermitProblemPublic,
    PermitSummary,
)
from logistics.services.errors import InputError, NotFound
from logistics.services.permits import permit_facts
from logistics.services.shipments import get_shipment

CSV_COLUMNS = ("reference", "invoice_number", "air_waybill", "import_permit", "protocol_number", "line",
               "item_code", "item_name", "hs_code", "lot_number", "manufactured", "expiry", "quantity",
               "unit", "net_weight_kg")


def permit_problems(session: Session, shipment_id: int) -> list[PermitProblem]:
    """What stands between shipment `shipment_id` and its import permit: none when its destination asks
    for no permit, or the permit named is in the register, valid on the planned arrival day (at the
    destination) and covers every item carried. NotFound for an unknown shipment."""
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound(f"no shipment {shipment_id}")
    destination = session.get(Site, shipment.destination_id)
    if destination is None or not permit_needed(destination.country):
        return []
    number = (shipment.import_permit or "").strip()
    arrival = (in_zone(shipment.planned_arrival, destination.timezone).date()
               if shipment.planned_arrival else None)
    return check_permit(number or None, permit_facts(session, number) if number else None,
                        arrival_day=arrival, item_codes=_item_codes(session, shipment_id))


def import_papers(session: Session, reference: str, *, today: date) -> ImportPapersPublic:
    """The licence per invoice of shipment `reference`, with its permit's problems and what it lacks."""
    shipment = get_shipment(session, reference)
    sites = {site.id: site for site in session.exec(select(Site).where(
        col(Site.id).in_([shipment.origin_id, shipment.destination_id]))).all()}
    lines = paper_lines(session, shipment)
    permit = session.exec(select(ImportPermit).where(
        ImportPermit.number == (shipment.import_permit or ""))).first()
    facts = [PaperLine(line.item_code, line.hs_code, line.lot_number, line.manufactured, line.expiry,
                       line.net_weight_kg) for line in lines]
    return ImportPapersPublic(
        reference=shipment.reference, origin=sites[shipment.origin_id].code,
        destination=sites[shipment.destination_id].code, air_waybill=shipment.air_waybill,
        invoice_number=shipment.invoice_number, import_permit=shipment.import_permit,
        permit=PermitSummary(number=permit.number, holder=permit.holder, issued=permit.issued,
                             expires=permit.expires, protocol_number=permit.protocol_number,
                             valid_today=permit.issued <= today <= permit.expires) if permit else None,
        planned_arrival=shipment.planned_arrival,
        permit_needed=permit_needed(sites[shipment.destination_id].country),
        lines=lines, total_net_weight_kg=sum(line.net_weight_kg or 0.0 for line in lines),
        coolant_marking=marking(session, shipment),
        permit_problems=[PermitProblemPublic(code=problem.code.value, message=problem.refusal,
                                             item=problem.item)
                         for problem in permit_problems(session, shipment.id or 0)],
        gaps=paper_gaps(facts, air_waybill=shipment.air_waybill, invoice_number=shipment.invoice_number))


@dataclass(frozen=True, slots=True)
class PapersView:
    """The import papers page: the papers, and their problems and gaps as refusals a page says in the
    reader's language (the API's answer keeps them in English)."""

    papers: ImportPapersPublic
    problems: list[PermitProblem]
    gaps: list[Refusal]
    zone: str  # the destination's: the planned arrival is read there


def papers_view(session: Session, reference: str, *, today: date) -> PapersView:
    """Everything the import papers page shows; NotFound for an unknown reference."""
    papers = import_papers(session, reference, today=today)
    shipment = get_shipment(session, reference)
    lines = [PaperLine(line.item_code, line.hs_code, line.lot_number, line.manufactured, line.expiry,
                       line.net_weight_kg) for line in papers.lines]
    zone = session.exec(select(Site.timezone).where(Site.id == shipment.destination_id)).one()
    return PapersView(papers, permit_problems(session, shipment.id or 0),
                      paper_gaps(lines, air_waybill=papers.air_waybill, invoice_number=papers.invoice_number),
                      zone)


def marking(session: Session, shipment: Shipment) -> str | None:
    """The packing list's coolant line: UN 1845 for dry ice; "not restricted" for an LN2 dry shipper only
    when the lane it was planned from says it holds no free liquid."""
    lane = session.get(Lane, shipment.lane_id) if shipment.lane_id else None
    return coolant_marking(shipment.coolant, shipment.coolant_kg,
                           no_free_liquid=bool(lane and lane.no_free_liquid))


def update_papers(session: Session, reference: str, changes: PapersUpdate, *, today: date) -> Shipment:
    """Set the invoice number and, line by line, the net weight and the lot's manufacture date (fields
    left out stay as they are); refused naming the line's field when it is no line of the shipment or the
    manufacture date is implausible."""
    shipment = get_shipment(session, reference)
    sent = changes.model_dump(exclude_unset=True)
    if "invoice_number" in sent:
        shipment.invoice_number = changes.invoice_number
    rows = {line.id: (line, lot) for line, lot in session.exec(
        select(ShipmentLine, Lot).join(Lot, Lot.id == ShipmentLine.lot_id)
        .where(ShipmentLine.shipment_id == shipment.id)).all()}
    errors: dict[str, str] = {}
    for index, change in enumerate(changes.lines):
        if change.id not in rows:
            errors[f"lines.{index}.id"] = Refusal(N_("no line %(line)s in this shipment"), line=change.id)
            continue
        line, lot = rows[change.id]
        given = change.model_dump(exclude_unset=True)
        if "net_weight_kg" in given:
            line.net_weight_kg = change.net_weight_kg
        if "manufactured" in given:
            problem = _manufacture_problem(change.manufactured, lot.expiry, today)
            if problem:
                errors[f"lines.{index}.manufactured"] = problem
            lot.manufactured = change.manufactured
        session.add_all([line, lot])
    if errors:
        raise InputError(errors)
    session.add(shipment)
    session.flush()
    return shipment


def papers_csv(session: Session, reference: str, *, today: date) -> str:
    """The licence per invoice as CSV for the broker: one row per line, the shipment's columns repeated."""
    papers = import_papers(session, reference, today=today)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    protocol = papers.permit.protocol_number if papers.permit else ""
    for number, line in enumerate(papers.lines, start=1):
        writer.writerow(safe_row([
            papers.reference, papers.invoice_number or "", papers.air_waybill or "",
            papers.import_permit or "", protocol, number, line.item_code, line.item_name, line.hs_code or "",
            line.lot_number,
            line.manufactured.isoformat() if line.manufactured else "", line.expiry.isoformat(),
            line.quantity, line.unit, "" if line.net_weight_kg is None else line.net_weight_kg]))
    return out.getvalue()


def papers_file_name(reference: str, extension: str) -> str:
    """"import-papers-HG-2026-0045.csv"."""
    return f"import-papers-{reference.replace('/', '-')}.{extension}"


def paper_lines(session: Session, shipment: Shipment) -> list[PaperLinePublic]:
    rows = session.exec(
        select(ShipmentLine, Lot, Item).join(Lot, Lot.id == ShipmentLine.lot_id)
        .join(Item, Item.id == Lot.item_id).where(ShipmentLine.shipment_id == shipment.id)
        .order_by(col(ShipmentLine.id))).all()
    return [PaperLinePublic(id=line.id or 0, item_code=item.code, item_name=item.name, hs_code=item.hs_code,
                            lot_number=lot.lot_number, manufactured=lot.manufactured, expiry=lot.expiry,
                            quantity=line.quantity, unit=line.unit, net_weight_kg=line.net_weight_kg)
            for line, lot, item in rows]


def _item_codes(session: Session, shipment_id: int) -> list[str]:
    return list(session.exec(
        select(Item.code).join(Lot, Lot.item_id == Item.id).join(ShipmentLine, ShipmentLine.lot_id == Lot.id)
        .where(ShipmentLine.shipment_id == shipment_id).order_by(col(ShipmentLine.id))).all())


def _manufacture_problem(manufactured: date | None, expiry: date, today: date) -> Refusal | None:
    if manufactured is None:
        return None
    if manufactured < BUSINESS_TIME_EARLIEST.date() or manufactured > today:
        return Refusal(N_("must be from %(earliest)s to today"),
                       earliest=BUSINESS_TIME_EARLIEST.date().isoformat())
    if manufactured >= expiry:
        return Refusal(N_("must be before the lot's expiry, %(expiry)s"), expiry=expiry.isoformat())
    return None

