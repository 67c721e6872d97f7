"""Lane analytics from the database: a lane's finished shipments gathered as the core's journeys (legs with
their planned and actual times, the excursions found, each logger's readings outside their range), their
figures (core.lane_analytics), the rows of its CSV file, and the door-to-door days that the reorder
forecast resamples as each item's lead time.

A shipment counts once it has arrived (arrived, received or closed) and was planned from the lane or
follows it (`shipments.lane_id`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from logistics.core.coverage import covered_outside
from logistics.core.lane_analytics import (
    Exposure,
    FoundExcursion,
    Journey,
    LaneFigures,
    OutsideReading,
    PeriodFigures,
    Spread,
    TravelledLeg,
    lane_figures,
    lead_days,
)
from logistics.core.lifecycle import ShipmentStatus
from logistics.core.profiles import StorageProfile
from logistics.db.models import (
    ExcursionRecord,
    Item,
    Lane,
    Leg,
    Logger,
    LoggerAssignment,
    Lot,
    Shipment,
    ShipmentLine,
    Site,
)
from logistics.schemas.lane_analytics import (
    CarrierAnalytics,
    ExposurePublic,
    LaneAnalyticsPublic,
    LegAnalytics,
    PeriodAnalytics,
    SpreadPublic,
    StopAnalytics,
)
from logistics.schemas.lanes import LanePublic
from logistics.services.catalogue import site_zones
from logistics.services.excursions import earliest_unscanned, logger_window, profiles_in, window_evaluation
from logistics.services.lanes import describe_lane, get_lane
from logistics.services.readings import outside_with_next

FINISHED = (ShipmentStatus.ARRIVED.value, ShipmentStatus.RECEIVED.value, ShipmentStatus.CLOSED.value)
HISTORY = 200  # the most recent finished shipments of a lane that its figures read
HOUR_S = 3600.0


@dataclass(frozen=True)
class LaneAnalytics:
    """A lane's analytics page: the lane, the zone its months are counted in, the shipments read and their
    figures."""

    lane: LanePublic
    zone: str
    references: tuple[str, ...]
    figures: LaneFigures


def lane_analytics(session: Session, code: str, profiles: dict[str, StorageProfile], *,
                   now: datetime) -> LaneAnalytics:
    """The figures of the lane's finished shipments (NotFound for an unknown lane)."""
    lane, shown = get_lane(session, code), describe_lane(session, code)
    zone = site_zones(session).get(shown.origin, "UTC")
    codes = dict(session.exec(select(Site.id, Site.code)).all())
    journeys = [_journey(session, shipment, codes, profiles, now) for shipment in _finished(session, lane)]
    return LaneAnalytics(shown, zone, tuple(journey.reference for journey in journeys),
                         lane_figures(journeys, zone))


def _finished(session: Session, lane: Lane) -> Sequence[Shipment]:
    return session.exec(select(Shipment).where(Shipment.lane_id == lane.id,
                                               col(Shipment.status).in_(FINISHED))
                        .order_by(col(Shipment.actual_departure).desc(), col(Shipment.id).desc())
                        .limit(HISTORY)).all()


def _journey(session: Session, shipment: Shipment, codes: dict[int | None, str],
             profiles: dict[str, StorageProfile], now: datetime) -> Journey:
    legs = session.exec(select(Leg).where(Leg.shipment_id == shipment.id).order_by(col(Leg.sequence))).all()
    found = session.exec(
        select(ExcursionRecord, Logger.code).join(Logger, Logger.id == ExcursionRecord.logger_id)
        .where(ExcursionRecord.shipment_id == shipment.id, ExcursionRecord.status != "withdrawn")).all()
    return Journey(
        shipment.reference, shipment.planned_departure, shipment.planned_arrival, shipment.actual_departure,
        shipment.actual_arrival,
        legs=tuple(TravelledLeg(leg.sequence, leg.mode, codes[leg.from_site_id], codes[leg.to_site_id],
                                leg.carrier, leg.planned_start, leg.planned_end, leg.actual_start,
                                leg.actual_end) for leg in legs),
        excursions=tuple(FoundExcursion(logger, record.rule, record.kind, record.start, record.end)
                         for record, logger in found),
        outside=tuple(_outside(session, shipment, profiles, now)))


def _outside(session: Session, shipment: Shipment, profiles: dict[str, StorageProfile],
             now: datetime) -> Iterable[OutsideReading]:
    """Each logger's readings outside the range of each storage profile of the goods, with their
    coverage; read one by one only where the evaluation found time out of range."""
    assignments = session.exec(
        select(LoggerAssignment, Logger.code).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(LoggerAssignment.shipment_id == shipment.id)).all()
    judged_by = [profiles[name] for name in profiles_in(session, shipment) if name in profiles]
    for assignment, logger in assignments:
        window = logger_window(assignment, shipment)
        for profile in judged_by:
            evaluation = window_evaluation(session, assignment, shipment, profile, now,
                                           earliest_unscanned(session, assignment.logger_id), keep=False)
            if evaluation.partition.out_of_range_s <= 0:
                continue
            rows = outside_with_next(session, assignment.logger_id, window, profile)
            until = now if window.end is None else window.end
            for reading in covered_outside(rows, profile, evaluation.cadence, until):
                yield OutsideReading(f"{logger}/{profile.name}", reading.time, reading.covered_s)


# -- the CSV file --------------------------------------------------------------------------------------

CSV_COLUMNS = ("lane", "section", "name", "season", "shipments", "planned_p50_h", "planned_p90_h",
               "actual_p50_h", "actual_p90_h", "late", "excursions", "excursions_per_100_shipments",
               "out_of_range_h", "out_of_range_per_shipment_h")


def csv_rows(shown: LaneAnalytics) -> list[dict[str, object]]:
    """One row for the lane as a whole, each leg, stop, carrier, month and season: times in hours."""
    figures, code = shown.figures, shown.lane.code
    rows = [_row(code, "lane", "door to door", figures.shipments, figures.planned_transit_s,
                 figures.actual_transit_s, figures.exposure, late=figures.shipments - figures.on_time)]
    rows += [_row(code, "leg", f"{leg.key.sequence} {leg.key.mode} {leg.key.origin}-{leg.key.destination}",
                  leg.exposure.shipments, leg.planned_s, leg.actual_s, leg.exposure, late=leg.late)
             for leg in figures.legs]
    rows += [_row(code, "stop", f"after leg {stop.after} at {stop.site}", stop.exposure.shipments,
                  stop.planned_s, stop.actual_s, stop.exposure) for stop in figures.stops]
    rows += [_row(code, "carrier", carrier.carrier, carrier.exposure.shipments, None, None, carrier.exposure)
             for carrier in figures.carriers]
    rows += [_row(code, "month", month.period, month.exposure.shipments, None, month.transit_s,
                  month.exposure, season=month.season) for month in figures.months]
    rows += [_row(code, "season", season.period, season.exposure.shipments, None, season.transit_s,
                  season.exposure, season=season.period) for season in figures.seasons]
    return rows


def _row(lane: str, section: str, name: str, shipments: int, planned: Spread | None, actual: Spread | None,
         exposure: Exposure, *, late: int | None = None, season: str | None = None) -> dict[str, object]:
    return {"lane": lane, "section": section, "name": name, "season": season or "", "shipments": shipments,
            "planned_p50_h": _hours(planned.p50 if planned else None),
            "planned_p90_h": _hours(planned.p90 if planned else None),
            "actual_p50_h": _hours(actual.p50 if actual else None),
            "actual_p90_h": _hours(actual.p90 if actual else None), "late": "" if late is None else late,
            "excursions": exposure.excursions,
            "excursions_per_100_shipments": _round(exposure.per_100),
            "out_of_range_h": _hours(exposure.outside_s),
            "out_of_range_per_shipment_h": _hours(exposure.outside_mean_s)}


def _hours(seconds: float | None) -> object:
    return "" if seconds is None else round(seconds / HOUR_S, 3)


def _round(value: float | None) -> object:
    return "" if value is None else round(value, 1)


# -- the API's answer ----------------------------------------------------------------------------------

def public(shown: LaneAnalytics) -> LaneAnalyticsPublic:
    """The figures as the API gives them: hours, and rates per 100 shipments."""
    figures = shown.figures
    return LaneAnalyticsPublic(
        lane=shown.lane.code, zone=shown.zone, shipments=list(shown.references),
        planned_transit=_spread(figures.planned_transit_s), actual_transit=_spread(figures.actual_transit_s),
        on_time=figures.on_time, exposure=_exposed(figures.exposure),
        legs=[LegAnalytics(sequence=leg.key.sequence, mode=leg.key.mode, origin=leg.key.origin,
                           destination=leg.key.destination, carriers=list(leg.carriers),
                           planned=_spread(leg.planned_s), actual=_spread(leg.actual_s), late=leg.late,
                           exposure=_exposed(leg.exposure)) for leg in figures.legs],
        stops=[StopAnalytics(after_leg=stop.after, site=stop.site, planned=_spread(stop.planned_s),
                             actual=_spread(stop.actual_s), exposure=_exposed(stop.exposure))
               for stop in figures.stops],
        carriers=[CarrierAnalytics(carrier=carrier.carrier, legs=carrier.legs,
                                   exposure=_exposed(carrier.exposure)) for carrier in figures.carriers],
        months=[_period(period) for period in figures.months],
        seasons=[_period(period) for period in figures.seasons])


def _spread(spread: Spread) -> SpreadPublic:
    return SpreadPublic(count=spread.count, p50_hours=_in_hours(spread.p50), p90_hours=_in_hours(spread.p90))


def _exposed(exposure: Exposure) -> ExposurePublic:
    return ExposurePublic(shipments=exposure.shipments, excursions=exposure.excursions,
                          excursions_per_100_shipments=exposure.per_100,
                          out_of_range_hours=exposure.outside_s / HOUR_S,
                          out_of_range_per_shipment_hours=_in_hours(exposure.outside_mean_s))


def _period(period: PeriodFigures) -> PeriodAnalytics:
    return PeriodAnalytics(period=period.period, season=period.season, transit=_spread(period.transit_s),
                           exposure=_exposed(period.exposure),
                           out_of_range_per_shipment_hours_by_leg=[_in_hours(value)
                                                                   for value in period.outside_by_leg_s])


def _in_hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / HOUR_S


# -- the forecast's lead times ---------------------------------------------------------------------------

@dataclass(frozen=True)
class LaneLeadTime:
    """An item's lead time learned from the lanes its shipments travel: the lanes and their door-to-door
    days (whole days, rounded up)."""

    lanes: tuple[str, ...]
    days: tuple[int, ...]


def lead_times_by_item(session: Session, *, most: int) -> dict[str, LaneLeadTime]:
    """For each item shipped on a lane to a hospital, the door-to-door days of the `most` most recent
    finished shipments of those lanes (whatever they carried): the lanes' history, not the item's alone."""
    travelled: dict[str, set[str]] = defaultdict(set)
    for item, lane in session.exec(
            select(Item.code, Lane.code).join(Lot, Lot.item_id == Item.id)
            .join(ShipmentLine, ShipmentLine.lot_id == Lot.id)
            .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
            .join(Lane, Lane.id == Shipment.lane_id).join(Site, Site.id == Shipment.destination_id)
            .where(Site.kind == "hospital").distinct()).all():
        travelled[item].add(lane)
    days_of: dict[frozenset[str], tuple[int, ...]] = {}
    found = {}
    for item, lanes in travelled.items():
        key = frozenset(lanes)
        if key not in days_of:
            days_of[key] = tuple(_lane_days(session, key, most))
        found[item] = LaneLeadTime(tuple(sorted(lanes)), days_of[key])
    return found


def _lane_days(session: Session, lanes: frozenset[str], most: int) -> list[int]:
    return lead_days(door_to_door_s(session, lanes, most))


def door_to_door_s(session: Session, lanes: frozenset[str], most: int = HISTORY) -> list[float]:
    """Door-to-door seconds of the `most` finished shipments of `lanes` (by code) that arrived last."""
    rows = session.exec(
        select(Shipment.actual_departure, Shipment.actual_arrival).join(Lane, Lane.id == Shipment.lane_id)
        .where(col(Lane.code).in_(sorted(lanes)), col(Shipment.status).in_(FINISHED),
               col(Shipment.actual_departure).is_not(None), col(Shipment.actual_arrival).is_not(None))
        .order_by(col(Shipment.actual_arrival).desc()).limit(most)).all()
    return [(arrival - departure).total_seconds() for departure, arrival in rows
            if departure is not None and arrival is not None and arrival >= departure]

