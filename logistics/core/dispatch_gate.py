"""The dispatch gate: whether a shipment may be marked departed (in transit) and, if not, every reason why.

In: frozen facts about the shipment (its permit's problems, lines, recording loggers, legs, packaging,
coolant and the transit it has to cover). Out: the reasons, each with a code a program can act on and the
words people read. None: the goods may leave.

The rules, in the order the reasons are listed:
- the import permit: each of the import papers' problems (`core.import_papers.permit_problems`) is a
  reason as it is (missing, not in the register, expired before the planned arrival, an item not
  covered); and without a planned arrival nothing that depends on it can be checked;
- the loggers: at least one must be recording for the shipment, and none whose calibration is overdue on
  the day it leaves, or falls due before the planned arrival day (it would answer for the goods
  uncalibrated);
- the storage classes: the lines' classes must hold together in one box (the ranges their rules watch
  overlap: a frozen kit has no rule below its range, so it travels on dry ice, but refrigerated and frozen
  goods do not share a box); each class must be one the packaging is qualified for (the lane's storage
  profiles), and one its coolant can hold (dry ice sublimes at −78.5 °C; an LN2 dry shipper holds its
  vapour at −150 °C or colder);
- the route: the legs join up from the origin to the destination (`core.legs.route_breaks`);
- the hold time: the packaging's qualified hold time, and for dry ice the time its load lasts at
  `sublimation_kg_per_day`, must be no shorter than the transit it has to cover: the longer of the lane's
  p90 door-to-door time (its finished shipments) and the planned transit;
- the lots: none may expire before the planned arrival day plus its item's do-not-ship days.

An override by QA covers the reasons it was given for, as they read then (`key`): a reason found later,
or one that reads differently since (a later arrival, a shorter hold), is not covered.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from logistics.core.import_papers import PermitProblem, PermitProblemCode
from logistics.core.lanes import Coolant
from logistics.core.legs import RouteLeg, route_breaks
from logistics.core.refusals import N_, Refusal, Term

# A common figure for an EPS dry-ice shipper is 2 to 4.5 kg a day; the gate takes the upper end unless
# the lane says otherwise.
DRY_ICE_KG_PER_DAY = 4.0
DRY_ICE_C = -78.5  # where dry ice sublimes at sea level
LN2_VAPOUR_C = -150.0  # an LN2 dry shipper's vapour is at least this cold
DAY_S = 86400.0
HOUR_S = 3600.0


class GateCode(StrEnum):
    """What a reason is about; the import permit's own codes (core.import_papers) are reasons too."""

    ARRIVAL_UNKNOWN = PermitProblemCode.ARRIVAL_UNKNOWN.value
    NO_LOGGER = "no_logger"
    CALIBRATION_OVERDUE = "calibration_overdue"
    STORAGE_MIXED = "storage_mixed"
    STORAGE_NOT_FOR_PACKAGING = "storage_not_for_packaging"
    STORAGE_NOT_FOR_COOLANT = "storage_not_for_coolant"
    ROUTE_BROKEN = "route_broken"
    HOLD_UNKNOWN = "hold_unknown"
    HOLD_SHORT = "hold_short"
    DRY_ICE_UNKNOWN = "dry_ice_unknown"
    DRY_ICE_SHORT = "dry_ice_short"
    LOT_EXPIRES = "lot_expires"


@dataclass(frozen=True)
class GateReason:
    """One reason the shipment may not leave: its code, the words people read, and what it is about
    (an item, a logger, a lot, a storage class), if one thing."""

    code: str
    refusal: Refusal
    subject: str | None = None

    @property
    def key(self) -> str:
        """How an override names the reason: its code and its English words, as they read now."""
        return f"{self.code}: {self.refusal}"


@dataclass(frozen=True)
class GateLine:
    item: str
    lot: str
    storage_profile: str
    expiry: date
    do_not_ship_days: int = 0


@dataclass(frozen=True)
class GateLogger:
    code: str
    calibration_due: date | None


@dataclass(frozen=True)
class ClassRange:
    """A storage class's range as its rules watch it (`StorageProfile.watched_range`): None is open."""

    min_c: float | None
    max_c: float | None

    def holds(self, celsius: float) -> bool:
        return (self.min_c is None or self.min_c <= celsius) and (self.max_c is None or celsius <= self.max_c)


@dataclass(frozen=True)
class Transit:
    """The transit the packaging has to cover: the lane's p90 door to door over `shipments` finished
    shipments (None without any), and the planned transit (None without a plan)."""

    p90_s: float | None = None
    shipments: int = 0
    planned_s: float | None = None


@dataclass(frozen=True)
class GateFacts:
    origin: str  # site codes
    destination: str
    today: date  # the day it would leave, at the origin
    arrival_day: date | None  # the planned arrival's day, at the destination
    permit: tuple[PermitProblem, ...] = ()
    lines: tuple[GateLine, ...] = ()
    loggers: tuple[GateLogger, ...] = ()  # those recording for the shipment
    legs: tuple[RouteLeg, ...] = ()
    ranges: Mapping[str, ClassRange] = field(default_factory=dict)  # by storage profile name
    packaging: str | None = None
    packaging_classes: frozenset[str] = frozenset()  # what the packaging is qualified for; empty: unknown
    coolant: str | None = None
    coolant_kg: float | None = None
    sublimation_kg_per_day: float = DRY_ICE_KG_PER_DAY
    hold_s: float | None = None  # the packaging's qualified hold time
    transit: Transit = Transit()


def dispatch_reasons(facts: GateFacts) -> list[GateReason]:
    """Every reason the shipment may not leave now, in the order of the rules; none: it may."""
    return [*_permit(facts), *_loggers(facts), *_storage(facts), *_route(facts), *_hold(facts),
            *_lots(facts)]


def uncovered(reasons: Sequence[GateReason], covered: Collection[str]) -> list[GateReason]:
    """The reasons an override given for the reasons keyed `covered` does not cover."""
    return [reason for reason in reasons if reason.key not in covered]


def _permit(facts: GateFacts) -> list[GateReason]:
    reasons = [GateReason(problem.code.value, problem.refusal, problem.item) for problem in facts.permit]
    if facts.arrival_day is None and not any(problem.code == PermitProblemCode.ARRIVAL_UNKNOWN
                                             for problem in facts.permit):
        reasons.append(GateReason(GateCode.ARRIVAL_UNKNOWN, Refusal(N_(
            "give the planned arrival: the lots' expiry and the loggers' calibration are checked against "
            "it"))))
    return reasons


def _loggers(facts: GateFacts) -> list[GateReason]:
    if not facts.loggers:
        return [GateReason(GateCode.NO_LOGGER, Refusal(N_(
            "no logger is recording for the shipment: assign one before it leaves")))]
    reasons = []
    for logger in facts.loggers:
        due = logger.calibration_due
        if due is None:
            continue
        if due < facts.today:
            refusal = Refusal(N_("the calibration of logger %(logger)s was due on %(due)s"),
                              logger=logger.code, due=due.isoformat())
        elif facts.arrival_day is not None and due < facts.arrival_day:
            refusal = Refusal(N_("the calibration of logger %(logger)s falls due on %(due)s, before the "
                                 "planned arrival on %(arrival)s"),
                              logger=logger.code, due=due.isoformat(), arrival=facts.arrival_day.isoformat())
        else:
            continue
        reasons.append(GateReason(GateCode.CALIBRATION_OVERDUE, refusal, logger.code))
    return reasons


def _storage(facts: GateFacts) -> list[GateReason]:
    items: dict[str, list[str]] = {}  # storage class -> the items needing it, in the lines' order
    for line in facts.lines:
        needing = items.setdefault(line.storage_profile, [])
        if line.item not in needing:
            needing.append(line.item)
    classes = list(items)
    reasons = []
    for index, first in enumerate(classes):
        for second in classes[index + 1:]:
            if not _overlap(facts.ranges.get(first), facts.ranges.get(second)):
                reasons.append(GateReason(GateCode.STORAGE_MIXED, Refusal(
                    N_("%(first)s goods (%(first_items)s) and %(second)s goods (%(second_items)s) cannot "
                       "travel in one box: their temperature ranges do not overlap"),
                    first=Term(first), first_items=", ".join(items[first]), second=Term(second),
                    second_items=", ".join(items[second])), f"{first}+{second}"))
    for name in classes:
        if facts.packaging_classes and name not in facts.packaging_classes:
            reasons.append(GateReason(GateCode.STORAGE_NOT_FOR_PACKAGING, Refusal(
                N_("%(items)s need %(class)s, which the packaging (%(packaging)s) is not qualified for"),
                items=", ".join(items[name]), packaging=facts.packaging or "—", **{"class": Term(name)}),
                name))
        if not _coolant_holds(facts.coolant, facts.ranges.get(name)):
            reasons.append(GateReason(GateCode.STORAGE_NOT_FOR_COOLANT, Refusal(
                N_("%(items)s need %(class)s, which %(coolant)s cannot hold"), items=", ".join(items[name]),
                coolant=Term(facts.coolant or ""), **{"class": Term(name)}), name))
    return reasons


def _overlap(first: ClassRange | None, second: ClassRange | None) -> bool:
    if first is None or second is None:
        return True  # a class the book does not know: nothing to compare
    low = max((value for value in (first.min_c, second.min_c) if value is not None), default=None)
    high = min((value for value in (first.max_c, second.max_c) if value is not None), default=None)
    return low is None or high is None or low <= high


def _coolant_holds(coolant: str | None, watched: ClassRange | None) -> bool:
    if watched is None:
        return True
    if coolant == Coolant.DRY_ICE:
        return watched.holds(DRY_ICE_C)
    if coolant == Coolant.LN2_DRY_SHIPPER:
        return watched.min_c is None or watched.min_c <= LN2_VAPOUR_C
    return True


def _route(facts: GateFacts) -> list[GateReason]:
    return [GateReason(GateCode.ROUTE_BROKEN, refusal) for refusal in
            route_breaks(facts.legs, shipment_origin=facts.origin, shipment_destination=facts.destination)]


def _hold(facts: GateFacts) -> list[GateReason]:
    reasons = []
    if facts.hold_s is None:
        reasons.append(GateReason(GateCode.HOLD_UNKNOWN, Refusal(N_(
            "the packaging's qualified hold time is not given: it is checked against the transit"))))
    transit = facts.transit
    longest = max((value for value in (transit.p90_s, transit.planned_s) if value is not None), default=None)
    if longest is None:
        return reasons
    by_lane = transit.p90_s is not None and transit.p90_s >= longest
    if facts.hold_s is not None and facts.hold_s < longest:
        template = (N_("the packaging is qualified for %(hold)s h, shorter than the lane's p90 door-to-door "
                       "time of %(transit)s h (%(shipments)d shipments)") if by_lane else
                    N_("the packaging is qualified for %(hold)s h, shorter than the planned transit of "
                       "%(transit)s h"))
        reasons.append(GateReason(GateCode.HOLD_SHORT, Refusal(
            template, hold=_hours(facts.hold_s), transit=_hours(longest), shipments=transit.shipments)))
    if facts.coolant == Coolant.DRY_ICE:
        reasons += _dry_ice(facts, longest, by_lane)
    return reasons


def _dry_ice(facts: GateFacts, longest: float, by_lane: bool) -> list[GateReason]:
    kg = facts.coolant_kg
    if kg is None or not kg > 0:
        return [GateReason(GateCode.DRY_ICE_UNKNOWN, Refusal(N_(
            "give the net kg of dry ice: how long it lasts is checked against the transit")))]
    lasts_s = kg / facts.sublimation_kg_per_day * DAY_S
    if lasts_s >= longest:
        return []
    template = (N_("%(kg)s kg of dry ice lasts about %(hold)s h at %(rate)s kg a day, shorter than the "
                   "lane's p90 door-to-door time of %(transit)s h (%(shipments)d shipments)") if by_lane else
                N_("%(kg)s kg of dry ice lasts about %(hold)s h at %(rate)s kg a day, shorter than the "
                   "planned transit of %(transit)s h"))
    return [GateReason(GateCode.DRY_ICE_SHORT, Refusal(
        template, kg=f"{kg:g}", hold=_hours(lasts_s), rate=f"{facts.sublimation_kg_per_day:g}",
        transit=_hours(longest), shipments=facts.transit.shipments))]


def _lots(facts: GateFacts) -> list[GateReason]:
    arrival = facts.arrival_day
    if arrival is None:
        return []  # said already: the planned arrival is missing
    reasons = []
    for line in facts.lines:
        if line.expiry >= arrival + timedelta(days=line.do_not_ship_days):
            continue
        values = {"lot": line.lot, "item": line.item, "expiry": line.expiry.isoformat(),
                  "arrival": arrival.isoformat(), "days": line.do_not_ship_days}
        if line.do_not_ship_days:
            refusal = Refusal(N_("lot %(lot)s of %(item)s expires on %(expiry)s, within %(days)d days of the "
                                 "planned arrival on %(arrival)s (its item is not shipped that close to "
                                 "expiry)"), **values)
        else:
            refusal = Refusal(N_("lot %(lot)s of %(item)s expires on %(expiry)s, before the planned arrival "
                                 "on %(arrival)s"), **values)
        reasons.append(GateReason(GateCode.LOT_EXPIRES, refusal, f"{line.item}/{line.lot}"))
    return reasons


def _hours(seconds: float) -> str:
    return f"{seconds / HOUR_S:.1f}"
