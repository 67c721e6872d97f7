"""Shipment records: create, edit, move through the lifecycle, and read them whole."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from logistics.core.legs import RouteLeg, route_warnings
from logistics.core.lifecycle import InvalidTransition, ShipmentStatus, next_statuses, transition
from logistics.core.profiles import StorageProfile
from logistics.core.quantities import DEFAULT_MAX_QUANTITY, read_quantity
from logistics.core.refusals import N_, Refusal, Term
from logistics.core.units import QuantityError
from logistics.db.models import (
    Item,
    Lane,
    Leg,
    Logger,
    LoggerAssignment,
    Lot,
    Milestone,
    Shipment,
    ShipmentLine,
    Site,
)
from logistics.schemas.shipments import (
    AssignmentPublic,
    LegPublic,
    LinePublic,
    MilestoneCreate,
    MilestonePublic,
    ShipmentCreate,
    ShipmentPage,
    ShipmentPublic,
    ShipmentSummary,
    ShipmentUpdate,
)
from logistics.services.catalogue import quantity_rule
from logistics.services.errors import InputError, NotFound
from logistics.services.paging import one_page

HOUR_S = 3600.0


def get_shipment(session: Session, reference: str) -> Shipment:
    shipment = session.exec(select(Shipment).where(Shipment.reference == reference)).first()
    if shipment is None:
        raise NotFound(f"no shipment {reference!r}")
    return shipment


def create_shipment(session: Session, draft: ShipmentCreate) -> Shipment:
    """Record a new shipment in status planned."""
    if session.exec(select(Shipment.id).where(Shipment.reference == draft.reference)).first():
        refusal = Refusal(N_("%(reference)s is already used"), reference=repr(draft.reference))
        raise InputError({"reference": refusal})
    shipment = Shipment(
        reference=draft.reference,
        origin_id=_site_id(session, "origin", draft.origin),
        destination_id=_site_id(session, "destination", draft.destination),
        status=ShipmentStatus.PLANNED,
    )
    _apply_fields(shipment, draft.model_dump(exclude={"reference", "origin", "destination", "lane"}))
    shipment.lane_id = _lane_id(session, draft.lane, shipment)
    session.add(shipment)
    session.flush()
    return shipment


def update_shipment(
    session: Session, reference: str, changes: ShipmentUpdate, *, now: datetime,
    profiles: Mapping[str, StorageProfile] | None = None,
) -> Shipment:
    """Apply the fields that were sent; a status change goes through the lifecycle, and a departure
    through the dispatch gate (`profiles`: the current storage profiles; None reads them from the
    database)."""
    shipment = get_shipment(session, reference)
    sent = changes.model_dump(exclude_unset=True, exclude={"reason"})
    for end in ("origin", "destination"):
        if end in sent:
            setattr(shipment, f"{end}_id", _site_id(session, end, sent.pop(end)))
    if shipment.origin_id == shipment.destination_id:
        raise InputError({"destination": Refusal(N_("must differ from the origin"))})
    if "lane" in sent:
        shipment.lane_id = _lane_id(session, sent.pop("lane"), shipment)
    elif shipment.lane_id is not None and ("origin" in changes.model_fields_set
                                           or "destination" in changes.model_fields_set):
        _lane_fits(session, session.get(Lane, shipment.lane_id), shipment)
    status = sent.pop("status", None)
    _apply_fields(shipment, sent)
    if shipment.planned_departure and shipment.planned_arrival:
        if shipment.planned_arrival < shipment.planned_departure:
            raise InputError({"planned_arrival": Refusal(N_("must not be before the planned departure"))})
    if status is not None and status != shipment.status:
        change_status(session, shipment, status, now=now, profiles=profiles)
    session.flush()
    return shipment


def change_status(
    session: Session, shipment: Shipment, target: ShipmentStatus | str, *, now: datetime,
    profiles: Mapping[str, StorageProfile] | None = None,
) -> None:
    """Move along the lifecycle; departing passes the dispatch gate (DispatchBlocked, naming every reason
    no QA override covers); departing and arriving stamp the actual times."""
    try:
        goal = transition(shipment.status, target)
    except InvalidTransition as error:
        raise InputError({"status": str(error)}) from None
    if goal == ShipmentStatus.IN_TRANSIT:
        # Imported here: the gate reads the import papers, whose service reads shipments through this one.
        from logistics.services.dispatch_gate import check_departure

        session.flush()  # the gate reads the fields changed with the status as they are now
        check_departure(session, shipment, now=now, profiles=profiles)
    shipment.status = goal
    if shipment.status == ShipmentStatus.IN_TRANSIT and shipment.actual_departure is None:
        shipment.actual_departure = now
    if shipment.status == ShipmentStatus.ARRIVED and shipment.actual_arrival is None:
        shipment.actual_arrival = now


@dataclass(frozen=True)
class ShipmentFilter:
    """What the shipments list is narrowed to; every criterion is optional."""

    status: str | None = None
    search: str | None = None  # text in the reference, air waybill or import permit
    origin: str | None = None  # site codes
    destination: str | None = None
    departs_from: date | None = None  # departure (actual, else planned) on or after, UTC
    departs_to: date | None = None  # ... on or before
    item: str | None = None  # item code among the contents
    lot: str | None = None  # lot number among the contents


def list_shipments(session: Session, filters: ShipmentFilter | None = None, *, page: int = 1,
                   per_page: int = 25) -> ShipmentPage:
    """A page of shipments, newest planned departure first."""
    query = _filtered(filters or ShipmentFilter())
    rows, total = one_page(session, _newest_first(query), page=page, per_page=per_page)
    items = [_summary(shipment, from_code, to_code) for shipment, from_code, to_code in rows]
    return ShipmentPage(items=items, page=page, per_page=per_page, total=total)


def matching(session: Session, filters: ShipmentFilter | None = None) -> list[tuple[Shipment, str, str]]:
    """Every shipment the filters let through, newest first, with its origin's and destination's codes
    (for exports)."""
    rows = session.exec(_newest_first(_filtered(filters or ShipmentFilter()))).all()
    return [(shipment, origin, destination) for shipment, origin, destination in rows]


def _filtered(filters: ShipmentFilter) -> Any:
    origin, destination = aliased(Site), aliased(Site)
    query = (select(Shipment, origin.code, destination.code)
             .join(origin, origin.id == Shipment.origin_id)
             .join(destination, destination.id == Shipment.destination_id))
    if filters.status:
        query = query.where(Shipment.status == filters.status)
    if filters.search:
        query = query.where(_text_matches(filters.search))
    if filters.origin:
        query = query.where(origin.code == filters.origin)
    if filters.destination:
        query = query.where(destination.code == filters.destination)
    departure = func.coalesce(Shipment.actual_departure, Shipment.planned_departure)
    if filters.departs_from:
        query = query.where(departure >= datetime.combine(filters.departs_from, time(), UTC))
    if filters.departs_to:
        query = query.where(departure < datetime.combine(filters.departs_to + timedelta(days=1), time(), UTC))
    if filters.item or filters.lot:
        carried = (select(ShipmentLine.id).join(Lot, Lot.id == ShipmentLine.lot_id)
                   .join(Item, Item.id == Lot.item_id).where(ShipmentLine.shipment_id == Shipment.id))
        if filters.item:
            carried = carried.where(Item.code == filters.item)
        if filters.lot:
            carried = carried.where(Lot.lot_number == filters.lot)
        query = query.where(carried.exists())
    return query


def _text_matches(search: str) -> Any:
    """The reference, air waybill or import permit holds `search`, in any case; the air waybill also with
    its spaces and dashes ignored on both sides ("16048122034" finds 160-48122034). A "%" or "_" typed is
    that character, not a LIKE wildcard."""
    text = search.strip()
    matches = [col(Shipment.reference).icontains(text, autoescape=True),
               col(Shipment.air_waybill).icontains(text, autoescape=True),
               col(Shipment.import_permit).icontains(text, autoescape=True)]
    compact = search.replace(" ", "").replace("-", "")
    if compact:
        compact_awb = func.replace(func.replace(col(Shipment.air_waybill), "-", ""), " ", "")
        matches.append(compact_awb.icontains(compact, autoescape=True))
    return or_(*matches)


def _newest_first(query: Any) -> Any:
    # Ties by reference, not by id: an exported file imported elsewhere lists in the same order again.
    return query.order_by(col(Shipment.planned_departure).desc().nulls_first(),
                          col(Shipment.reference).desc())


def add_milestone(session: Session, reference: str, draft: MilestoneCreate) -> Milestone:
    shipment = get_shipment(session, reference)
    milestone = Milestone(shipment_id=shipment.id, kind=draft.kind.strip(), at=draft.at,
                          site_id=_site_id(session, "site", draft.site) if draft.site else None,
                          note=(draft.note or "").strip() or None)
    session.add(milestone)
    session.flush()
    return milestone


# Contents are what was packed: they change only until the goods leave.
CONTENTS_OPEN = frozenset({ShipmentStatus.PLANNED.value, ShipmentStatus.PACKED.value})


def add_line(session: Session, reference: str, *, lot: str, quantity: str,
             default_most: float = DEFAULT_MAX_QUANTITY) -> ShipmentLine:
    """Add a lot ("ITEM/LOT") with a typed quantity ("12 kit", "500 mL"), in the item's unit of issue;
    `default_most` bounds it for an item that sets no bound of its own (the max_quantity setting)."""
    shipment = _open_contents(session, reference)
    item_code, _, lot_number = lot.partition("/")
    found = session.exec(select(Lot, Item).join(Item, Item.id == Lot.item_id).where(
        Item.code == item_code.strip(), Lot.lot_number == lot_number.strip())).first()
    if found is None:
        refusal = Refusal(N_("no lot %(lot)s (write ITEM/LOT, e.g. SEL-CD34/SK2609-031)"), lot=repr(lot))
        raise InputError({"lot": refusal})
    chosen, item = found
    try:
        amount = read_quantity(quantity, quantity_rule(item, default_most))
    except QuantityError as error:
        raise InputError({"quantity": error.refusal}) from None
    if session.exec(select(ShipmentLine.id).where(ShipmentLine.shipment_id == shipment.id,
                                                  ShipmentLine.lot_id == chosen.id)).first() is not None:
        refusal = Refusal(N_("%(lot)s is listed already: remove that line to change its quantity"), lot=lot)
        raise InputError({"lot": refusal})
    line = ShipmentLine(shipment_id=shipment.id, lot_id=chosen.id, quantity=amount, unit=item.unit)
    session.add(line)
    session.flush()
    return line


def remove_line(session: Session, reference: str, line_id: int) -> None:
    shipment = _open_contents(session, reference)
    line = session.get(ShipmentLine, line_id)
    if line is None or line.shipment_id != shipment.id:
        raise NotFound(f"no line {line_id} in {reference}")
    session.delete(line)


def _open_contents(session: Session, reference: str) -> Shipment:
    shipment = get_shipment(session, reference)
    if str(shipment.status) not in CONTENTS_OPEN:
        refusal = Refusal(N_("the contents of a shipment %(status)s cannot change (only while planned or "
                             "packed)"), status=Term(shipment.status))
        raise InputError({"lot": refusal})
    return shipment


def lot_choices(session: Session) -> list[tuple[str, str]]:
    """("ITEM/LOT", "ITEM/LOT — name (per unit)") for every lot, for the contents form's choice."""
    rows = session.exec(select(Item, Lot).join(Lot, Lot.item_id == Item.id)
                        .order_by(col(Item.code), col(Lot.lot_number))).all()
    return [(f"{item.code}/{lot.lot_number}", f"{item.code}/{lot.lot_number} — {item.name} (per {item.unit})")
            for item, lot in rows]


def describe_shipment(session: Session, reference: str) -> ShipmentPublic:
    """The whole shipment: sites, contents, legs (and what does not add up in them), loggers and
    milestones."""
    shipment = get_shipment(session, reference)
    sites = {site.id: site for site in session.exec(select(Site)).all()}
    origin, destination = sites[shipment.origin_id].code, sites[shipment.destination_id].code
    legs = _legs(session, shipment, sites)
    return ShipmentPublic(
        **_summary(shipment, origin, destination).model_dump(),
        packaging=shipment.packaging,
        packaging_validated_hours=_hours(shipment.packaging_validated_s),
        import_permit=shipment.import_permit,
        invoice_number=shipment.invoice_number,
        lane=_lane_code(session, shipment),
        coolant=shipment.coolant,
        coolant_kg=shipment.coolant_kg,
        notes=shipment.notes,
        next_statuses=next_statuses(shipment.status),
        lines=_lines(session, shipment),
        legs=legs,
        route_warnings=route_notes(origin, destination, legs),
        loggers=_assignments(session, shipment),
        milestones=_milestones(session, shipment, sites),
    )


def _lane_code(session: Session, shipment: Shipment) -> str | None:
    if shipment.lane_id is None:
        return None
    lane = session.get(Lane, shipment.lane_id)
    return lane.code if lane else None


def _summary(shipment: Shipment, origin: str, destination: str) -> ShipmentSummary:
    return ShipmentSummary(
        reference=shipment.reference, air_waybill=shipment.air_waybill,
        status=ShipmentStatus(shipment.status), origin=origin, destination=destination,
        planned_departure=shipment.planned_departure, planned_arrival=shipment.planned_arrival,
        actual_departure=shipment.actual_departure, actual_arrival=shipment.actual_arrival,
    )


def _lines(session: Session, shipment: Shipment) -> list[LinePublic]:
    rows = session.exec(
        select(ShipmentLine, Lot, Item)
        .join(Lot, Lot.id == ShipmentLine.lot_id).join(Item, Item.id == Lot.item_id)
        .where(ShipmentLine.shipment_id == shipment.id).order_by(col(ShipmentLine.id))
    ).all()
    return [LinePublic(id=line.id, item_code=item.code, item_name=item.name, lot_number=lot.lot_number,
                       expiry=lot.expiry, quantity=line.quantity, unit=line.unit,
                       storage_profile=item.storage_profile, gtin=item.gtin)
            for line, lot, item in rows]


def _legs(session: Session, shipment: Shipment, sites: dict[Any, Site]) -> list[LegPublic]:
    legs = session.exec(
        select(Leg).where(Leg.shipment_id == shipment.id).order_by(col(Leg.sequence))
    ).all()
    return [LegPublic(sequence=leg.sequence, mode=leg.mode, origin=sites[leg.from_site_id].code,
                      destination=sites[leg.to_site_id].code, carrier=leg.carrier,
                      transport_ref=leg.transport_ref, planned_start=leg.planned_start,
                      planned_end=leg.planned_end, actual_start=leg.actual_start,
                      actual_end=leg.actual_end)
            for leg in legs]


def route_notes(origin: str, destination: str, legs: list[LegPublic]) -> list[Refusal]:
    """What does not add up in a route as recorded: a gap between legs, legs planned to overlap, a route
    short of the shipment's destination (`core.legs.route_warnings`)."""
    return route_warnings([RouteLeg(leg.sequence, leg.mode, leg.origin, leg.destination, leg.planned_start,
                                    leg.planned_end, leg.actual_start, leg.actual_end) for leg in legs],
                          shipment_origin=origin, shipment_destination=destination)


def _assignments(session: Session, shipment: Shipment) -> list[AssignmentPublic]:
    rows = session.exec(
        select(LoggerAssignment, Logger).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(LoggerAssignment.shipment_id == shipment.id)
        .order_by(col(LoggerAssignment.starts_at))
    ).all()
    return [AssignmentPublic(id=assignment.id, logger=logger.code, model=logger.model,
                             starts_at=assignment.starts_at, ends_at=assignment.ends_at)
            for assignment, logger in rows]


def _milestones(
    session: Session, shipment: Shipment, sites: dict[Any, Site]
) -> list[MilestonePublic]:
    rows = session.exec(
        select(Milestone).where(Milestone.shipment_id == shipment.id)
        .order_by(col(Milestone.at))
    ).all()
    return [MilestonePublic(kind=row.kind, at=row.at, note=row.note,
                            site=sites[row.site_id].code if row.site_id else None)
            for row in rows]


def _site_id(session: Session, field: str, code: str) -> int:
    site_id = session.exec(select(Site.id).where(Site.code == code)).first()
    if site_id is None:
        raise InputError({field: Refusal(N_("no site with code %(code)s"), code=repr(code))})
    return site_id


def _lane_id(session: Session, code: str | None, shipment: Shipment) -> int | None:
    """The id of lane `code` (None for none), refused unless it runs between the shipment's ends."""
    if code is None or not code.strip():
        return None
    lane = session.exec(select(Lane).where(Lane.code == code.strip())).first()
    if lane is None:
        raise InputError({"lane": Refusal(N_("no lane %(code)s"), code=repr(code.strip()))})
    _lane_fits(session, lane, shipment)
    return lane.id


def _lane_fits(session: Session, lane: Lane | None, shipment: Shipment) -> None:
    """Refuse a lane that does not run from the shipment's origin to its destination, naming its ends."""
    if lane is None or (lane.origin_id, lane.destination_id) == (shipment.origin_id, shipment.destination_id):
        return
    ends = [session.get(Site, site_id) for site_id in (lane.origin_id, lane.destination_id,
                                                       shipment.origin_id, shipment.destination_id)]
    codes = [site.code if site else "?" for site in ends]
    raise InputError({"lane": Refusal(
        N_("lane %(lane)s runs from %(origin)s to %(destination)s, not from %(from)s to %(to)s: choose a "
           "lane between the shipment's ends, or none"),
        lane=lane.code, origin=codes[0], destination=codes[1], **{"from": codes[2], "to": codes[3]})})


def _apply_fields(shipment: Shipment, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "packaging_validated_hours":
            shipment.packaging_validated_s = None if value is None else value * HOUR_S
        else:
            setattr(shipment, name, value)


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / HOUR_S
