"""Stability budgets of lots: what their shipments' loggers and their storage zones' loggers saw, summed
over the lot's life (see logistics.core.stability and logistics.core.storage)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from logistics.core.alerting import AlertFacts, Route
from logistics.core.coverage import covered_outside
from logistics.core.lifecycle import ACTIVE, ShipmentStatus
from logistics.core.profiles import StorageProfile
from logistics.core.stability import (
    BudgetState,
    Exposure,
    LotStability,
    UsePoint,
    exposure_of,
    lot_stability,
    use_over_time,
    worst,
)
from logistics.core.storage import HELD, Span
from logistics.db.models import (
    ExcursionRecord,
    Item,
    Logger,
    LoggerAssignment,
    Lot,
    ReceiptLine,
    Shipment,
    ShipmentLine,
    Site,
    StockMovement,
    StorageZone,
)
from logistics.services.alerts import raise_alert
from logistics.services.catalogue import get_lot, shipments_carrying, site_zones
from logistics.services.errors import NotFound
from logistics.services.excursions import earliest_unscanned, logger_window, window_evaluation
from logistics.services.readings import outside_with_next
from logistics.services.storage import (
    Evaluated,
    storage_exposures,
)
from logistics.services.storage_periods import held_spans, zone_excursions_of_lot

# A shipment in these has not carried the goods anywhere: without a logger, nothing is missing.
NOT_UNDER_WAY = frozenset({ShipmentStatus.PLANNED, ShipmentStatus.PACKED, ShipmentStatus.CANCELLED})


@dataclass(frozen=True)
class LotRow:
    item: Item
    lot: Lot
    stability: LotStability


@dataclass
class Evaluations:
    """Windows already judged: lots travelling or stored together share them, so a page or a check over
    several lots evaluates each logger window once."""

    shipments: dict[tuple[int | None, str], Exposure | None] = field(default_factory=dict)  # by profile
    storage: Evaluated = field(default_factory=dict)


def activation_energy_of(item: Item, profile: StorageProfile) -> float:
    """The lot's ΔH in kJ/mol, for its MKT and its Arrhenius-equivalent time: the item's, recorded with
    its stability allowance (83.144 kJ/mol unless its stability data say otherwise)."""
    return item.activation_energy_kj


def stability_of(session: Session, lot: Lot, profiles: dict[str, StorageProfile], *,
                 now: datetime, known: Evaluations | None = None, readings: bool = False) -> LotStability:
    """The lot's life so far (every shipment and storage period), judged by its item's profile, against
    its item's budget. With `readings` each shipment's exposure also lists its readings out of range one
    by one (for the use over time); the totals never need them."""
    item = session.get(Item, lot.item_id)
    if item is None:
        raise NotFound(f"no item for lot {lot.lot_number}")
    profile = profiles[item.storage_profile]
    shipments = session.exec(
        select(Shipment).where(col(Shipment.id).in_(shipments_carrying(lot.id)))
        .order_by(col(Shipment.id))).all()
    known = Evaluations() if known is None else known
    for shipment in shipments:
        if (shipment.id, profile.name) not in known.shipments:
            known.shipments[shipment.id, profile.name] = _shipment_exposure(session, shipment, profile, now,
                                                                            readings)
    exposures = [exposure for shipment in shipments
                 if (exposure := known.shipments[shipment.id, profile.name]) is not None]
    stored, unwatched = storage_exposures(session, lot, profile, now=now, known=known.storage)
    return lot_stability(exposures + stored, budget_s=item.stability_budget_s, limit_c=item.stability_limit_c,
                         activation_energy_kj=activation_energy_of(item, profile), unwatched=unwatched)


def shipment_lots(session: Session, shipment: Shipment, profiles: dict[str, StorageProfile], *,
                  now: datetime) -> list[LotRow]:
    """Each lot the shipment carries, with its stability over its whole life (this shipment included)."""
    rows = session.exec(
        select(Item, Lot).join(Lot, Lot.item_id == Item.id)
        .join(ShipmentLine, ShipmentLine.lot_id == Lot.id).where(ShipmentLine.shipment_id == shipment.id)
        .distinct().order_by(col(Item.code), col(Lot.lot_number))).all()
    known = Evaluations()
    return [LotRow(item, lot, stability_of(session, lot, profiles, now=now, known=known))
            for item, lot in rows]


def _shipment_exposure(session: Session, shipment: Shipment, profile: StorageProfile,
                       now: datetime, readings: bool) -> Exposure | None:
    assignments = session.exec(
        select(LoggerAssignment, Logger.code).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(LoggerAssignment.shipment_id == shipment.id)).all()
    return worst([_exposure(session, shipment, assignment, code, profile, now, readings)
                  for assignment, code in assignments])


def _exposure(session: Session, shipment: Shipment, assignment: LoggerAssignment, logger: str,
              profile: StorageProfile, now: datetime, readings: bool) -> Exposure:
    evaluation = window_evaluation(session, assignment, shipment, profile, now,
                                   earliest_unscanned(session, assignment.logger_id), keep=False)
    window = logger_window(assignment, shipment)
    outside = ()
    if readings and evaluation.partition.out_of_range_s > 0:  # read one by one only when asked
        rows = outside_with_next(session, assignment.logger_id, window, profile)
        until = now if window.end is None else window.end
        outside = covered_outside(rows, profile, evaluation.cadence, until)
    return exposure_of(evaluation, outside, logger=logger, shipment=shipment.reference,
                       window=Span(window.start, window.end))


def check_budgets(session: Session, shipment_ids: set[int], profiles: dict[str, StorageProfile],
                  routes: list[Route], *, now: datetime, public_url: str = "",
                  zone_ids: set[int] | None = None) -> int:
    """Announce lots in these shipments, or held now in these storage zones, whose budget runs low, runs
    out, or whose limit was passed; each once (the alert key names the lot and the state). Returns how
    many alerts were raised."""
    lots = _lots_of_shipments(session, shipment_ids) | _lots_stored_in(session, zone_ids or set())
    raised, known = 0, Evaluations()
    for _, lot in sorted(lots.items()):
        stability = stability_of(session, lot, profiles, now=now, known=known)
        for facts in _budget_alerts(session, lot, stability, now, public_url):
            raised += raise_alert(session, routes, facts) is not None
    return raised


def _budgeted() -> object:
    return col(Item.stability_budget_s).is_not(None) | col(Item.stability_limit_c).is_not(None)


def _lots_of_shipments(session: Session, shipment_ids: set[int]) -> dict[int | None, Lot]:
    """Lots with a budget the shipments carried: as shipped, or as the pack read at receipt booked them
    (as catalogue.shipments_carrying counts them)."""
    if not shipment_ids:
        return {}
    carried = func.coalesce(ReceiptLine.lot_id, ShipmentLine.lot_id)
    return _by_id(session.exec(
        select(Lot).select_from(ShipmentLine)
        .outerjoin(ReceiptLine, ReceiptLine.shipment_line_id == ShipmentLine.id)
        .join(Lot, Lot.id == carried).join(Item, Item.id == Lot.item_id)
        .where(col(ShipmentLine.shipment_id).in_(shipment_ids), _budgeted()).distinct()).all())


def _lots_stored_in(session: Session, zone_ids: set[int]) -> dict[int | None, Lot]:
    """Lots with a budget held now at these zones' sites under the zones' profiles."""
    if not zone_ids:
        return {}
    return _by_id(session.exec(
        select(Lot).join(Item, Item.id == Lot.item_id).join(StockMovement, StockMovement.lot_id == Lot.id)
        .join(StorageZone, (StorageZone.site_id == StockMovement.site_id)
              & (StorageZone.storage_profile == Item.storage_profile))
        .where(col(StorageZone.id).in_(zone_ids), col(StockMovement.status).in_(sorted(HELD)), _budgeted())
        .group_by(col(Lot.id)).having(func.sum(StockMovement.quantity) > 1e-9)).all())


def _by_id(lots: Iterable[Lot]) -> dict[int | None, Lot]:
    return {lot.id: lot for lot in lots}


def _budget_alerts(session: Session, lot: Lot, stability: LotStability, now: datetime,
                   public_url: str) -> list[AlertFacts]:
    item = session.get(Item, lot.item_id)
    code = item.code if item else "?"
    site, path = _where_now(session, lot, code)
    link = f"{public_url.rstrip('/')}{path}"
    facts = []

    def alert(state: str, severity: str, title: str, body: str) -> None:
        facts.append(AlertFacts(key=f"stability:{lot.id}:{state}", kind="stability", severity=severity,
                                site=site.code if site else None, subject=f"{code} lot {lot.lot_number}",
                                title=f"{code} lot {lot.lot_number}: {title}", body=body, raised_at=now,
                                link=link))

    used, budget = _used(stability), _hours(stability.budget_s or 0)
    if stability.state is BudgetState.EXHAUSTED:
        alert("exhausted", "critical", "stability budget used up",
              f"{used} outside its storage range of a {budget} h budget. Quarantine it for QA.")
    elif stability.state is BudgetState.LOW:
        alert("low", "major", "stability budget running low",
              f"{used} outside its storage range of a {budget} h budget "
              f"({_hours(stability.remaining_s or 0)} h left).")
    if stability.limit_exceeded:
        alert("limit", "critical", f"above {stability.limit_c:g} °C",
              f"The lot reached {stability.max_c:g} °C; its stability budget holds only up to "
              f"{stability.limit_c:g} °C. Quarantine it for QA.")
    return facts


def _where_now(session: Session, lot: Lot, item_code: str) -> tuple[Site | None, str]:
    """Where the lot is, for its alert: the shipment it travels in, else the site that holds it (its
    passport page), else where its latest shipment went."""
    shipments = session.exec(
        select(Shipment).where(col(Shipment.id).in_(shipments_carrying(lot.id)))
        .order_by(col(Shipment.id).desc())).all()
    active = [shipment for shipment in shipments if shipment.status in ACTIVE]
    if active:
        return session.get(Site, active[0].destination_id), f"/shipments/{active[0].reference}"
    assert lot.id is not None
    holding = [(spans[-1].start, site_id) for site_id, spans in held_spans(session, lot.id).items()
               if spans[-1].end is None]
    site_id = max(holding)[1] if holding else (shipments[0].destination_id if shipments else None)
    return (session.get(Site, site_id) if site_id is not None else None,
            f"/lots/{item_code}/{lot.lot_number}")


def _used(stability: LotStability) -> str:
    """"3.4 h (2.1 h equivalent at 25 °C)": the flat hours, with their Arrhenius equivalent (SPEC §2.3)."""
    if stability.equivalent_s is None or stability.limit_c is None:
        return f"{_hours(stability.out_of_range_s)} h"
    return (f"{_hours(stability.out_of_range_s)} h ({_hours(stability.equivalent_s)} h equivalent at "
            f"{stability.limit_c:g} °C)")


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f}"


# --- A lot's stability passport --------------------------------------------------------------------------

@dataclass(frozen=True)
class PassportEntry:
    """One part of a lot's life: a shipment, a storage piece watched by a logger, or one nobody watched."""

    kind: str  # shipment, storage, unmonitored (storage no logger watched, or a shipment without one)
    start: datetime | None  # the window the logger answered for
    end: datetime | None  # None: still running
    timezone: str  # the destination's (a shipment) or the site's (storage), to show its times in
    shipment: str | None = None
    site: str | None = None
    zones: tuple[str, ...] = ()  # the zone of the worst logger, or the zones nobody watched
    exposure: Exposure | None = None  # what its worst-placed logger saw
    equivalent_s: float | None = None  # its time out of range at the budget's limit (SPEC §2.3)


@dataclass(frozen=True)
class ZoneExcursion:
    """An excursion of a storage zone that ran while the lot was held there."""

    record: ExcursionRecord
    logger: str
    zone: str


@dataclass(frozen=True)
class Passport:
    """Everything known of a lot's conditions over its life, for its page, its CSV and QA's evidence."""

    item: Item
    lot: Lot
    profile: StorageProfile
    stability: LotStability
    entries: tuple[PassportEntry, ...]  # in time order
    use: tuple[UsePoint, ...]  # the budget used over time, for a chart
    holdings: tuple[tuple[str, str, float], ...]  # (site, status, quantity) held now
    zone_excursions: tuple[ZoneExcursion, ...]  # excursions of the zones while the lot was in them
    unwatched_s: float  # storage time no logger watched, up to now
    timezone: str  # the zone of where it is (or was last)
    now: datetime


def passport(session: Session, lot_id: int, profiles: dict[str, StorageProfile], *,
             now: datetime) -> Passport:
    """The lot's stability passport: each shipment and storage period, its totals against the budget."""
    lot = session.get(Lot, lot_id)
    item = session.get(Item, lot.item_id) if lot else None
    if lot is None or item is None:
        raise NotFound(f"no lot {lot_id}")
    stability = stability_of(session, lot, profiles, now=now, readings=True)  # its use over time
    entries = _entries(session, stability, lot_id)
    loggers = dict(session.exec(select(Logger.id, Logger.code)).all())
    zones = dict(session.exec(select(StorageZone.id, StorageZone.code)).all())
    excursions = tuple(ZoneExcursion(record, loggers.get(record.logger_id, "?"),
                                     zones.get(record.storage_zone_id, "?"))
                       for record in zone_excursions_of_lot(session, lot_id))
    unwatched_s = sum(((gap.span.end or now) - gap.span.start).total_seconds() for gap in stability.unwatched)
    return Passport(item=item, lot=lot, profile=profiles[item.storage_profile], stability=stability,
                    entries=entries, use=tuple(use_over_time(stability)), holdings=_holdings(session, lot_id),
                    zone_excursions=excursions, unwatched_s=max(unwatched_s, 0.0),
                    timezone=entries[-1].timezone if entries else "UTC", now=now)


def lot_passport(session: Session, item_code: str, lot_number: str, profiles: dict[str, StorageProfile], *,
                 now: datetime) -> Passport:
    """`passport` of the lot named by its item's code and its number; NotFound for an unknown one."""
    lot, _ = get_lot(session, item_code, lot_number)
    assert lot.id is not None
    return passport(session, lot.id, profiles, now=now)


def _entries(session: Session, stability: LotStability, lot_id: int) -> tuple[PassportEntry, ...]:
    zones = site_zones(session)
    destinations = dict(session.exec(select(Shipment.reference, Site.timezone)
                                     .join(Site, Site.id == Shipment.destination_id)).all())
    counted = {exposure.shipment for exposure in stability.exposures}
    unlogged = session.exec(
        select(Shipment).where(col(Shipment.id).in_(shipments_carrying(lot_id)),
                               col(Shipment.status).not_in(list(NOT_UNDER_WAY)))).all()
    limit, energy = stability.limit_c, stability.activation_energy_kj
    entries = [PassportEntry(
        kind="storage" if exposure.stored else "shipment",
        start=exposure.window.start if exposure.window else exposure.start,
        end=exposure.window.end if exposure.window else exposure.end,
        timezone=(zones.get(exposure.site or "", "UTC") if exposure.stored
                  else destinations.get(exposure.shipment or "", "UTC")),
        shipment=exposure.shipment, site=exposure.site, zones=(exposure.zone,) if exposure.zone else (),
        exposure=exposure, equivalent_s=None if limit is None else exposure.equivalent_s(limit, energy))
        for exposure in stability.exposures]
    entries += [PassportEntry(kind="unmonitored", start=gap.span.start, end=gap.span.end,
                              timezone=zones.get(gap.site, "UTC"), site=gap.site, zones=gap.zones)
                for gap in stability.unwatched]
    entries += [PassportEntry(kind="unmonitored", shipment=shipment.reference,
                              start=shipment.actual_departure or shipment.planned_departure,
                              end=shipment.actual_arrival,
                              timezone=destinations.get(shipment.reference, "UTC"))
                for shipment in unlogged if shipment.reference not in counted]
    return tuple(sorted(entries, key=lambda entry: (entry.start is None, entry.start)))


def _holdings(session: Session, lot_id: int) -> tuple[tuple[str, str, float], ...]:
    rows = session.exec(
        select(Site.code, StockMovement.status, func.sum(StockMovement.quantity))
        .join(Site, Site.id == StockMovement.site_id).where(StockMovement.lot_id == lot_id)
        .group_by(Site.code, StockMovement.status).order_by(Site.code, StockMovement.status)).all()
    return tuple((site, status, float(total)) for site, status, total in rows if total and abs(total) > 1e-9)


PASSPORT_COLUMNS = ("kind", "shipment", "site", "zone", "logger", "from", "to", "min_c", "max_c", "mkt_c",
                    "mkt_from", "mkt_to", "out_of_range_h", "equivalent_h", "reference_c")


def passport_rows(shown: Passport) -> list[dict[str, object]]:
    """The passport as flat records for CSV (times in UTC, ISO 8601), one per part of the lot's life."""
    def at(moment: datetime | None) -> str:
        return moment.isoformat() if moment else ""

    def figure(value: float | None, scale: float = 1.0) -> object:
        return "" if value is None else round(value / scale, 4)

    rows = []
    for entry in shown.entries:
        seen = entry.exposure
        rows.append({
            "kind": entry.kind, "shipment": entry.shipment or "", "site": entry.site or "",
            "zone": " ".join(entry.zones), "logger": seen.logger if seen else "", "from": at(entry.start),
            "to": at(entry.end), "min_c": figure(seen.min_c if seen else None),
            "max_c": figure(seen.max_c if seen else None), "mkt_c": figure(seen.mkt_c if seen else None),
            "mkt_from": at(seen.start if seen else None), "mkt_to": at(seen.end if seen else None),
            "out_of_range_h": figure(seen.out_of_range_s if seen else None, 3600),
            "equivalent_h": figure(entry.equivalent_s, 3600),
            "reference_c": figure(shown.stability.limit_c)})
    return rows
