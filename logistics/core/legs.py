"""A shipment's route legs: how each one travels, and whether a leg fits the route it joins.

The goods travel the legs in order of their numbers. A leg may not be planned to start before the legs
ahead of it end, nor last no time at all; a truck, flight or courier that ends where it starts goes
nowhere. A leg that does not start where the one before ended leaves a gap in the route, which is
shown as a warning (the goods may have been handed over somewhere the route does not name), unless the
leg starts again where the one before left from: the goods are no longer there, so that is refused.
Only a leg that has not started may be corrected or deleted: the others are what happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from logistics.core.refusals import N_, Refusal


class LegMode(StrEnum):
    TRUCK = "truck"
    AIR = "air"  # a logger may be silent in flight (flight mode: silence.py)
    CUSTOMS = "customs"  # held at a border: the dashboard shows for how long
    COURIER = "courier"
    STORAGE = "storage"


# Legs that carry the goods from one place to another (customs and storage keep them at one site).
MOVING = frozenset({LegMode.TRUCK, LegMode.AIR, LegMode.COURIER})


@dataclass(frozen=True)
class RouteLeg:
    """A leg as the route checks see it: its number, where it goes, and when."""

    sequence: int
    mode: str
    origin: str  # site codes
    destination: str
    planned_start: datetime | None = None
    planned_end: datetime | None = None
    actual_start: datetime | None = None
    actual_end: datetime | None = None

    @property
    def started(self) -> datetime | None:
        """When the leg started (or, if only that was recorded, ended); None while it has not."""
        return self.actual_start or self.actual_end


@dataclass(frozen=True)
class LegCheck:
    """What the route says about one leg: refusals by field (any one refuses the leg) and warnings."""

    refusals: dict[str, Refusal] = field(default_factory=dict)
    warnings: list[Refusal] = field(default_factory=list)


def check_leg(leg: RouteLeg, others: Sequence[RouteLeg], *, shipment_origin: str) -> LegCheck:
    """Whether `leg` fits among the route's `others` (its other legs) at its number."""
    earlier = sorted((other for other in others if other.sequence < leg.sequence), key=_number)
    later = sorted((other for other in others if other.sequence > leg.sequence), key=_number)
    refusals = {**_order(leg, earlier, later), **_duration(leg), **_going_nowhere(leg)}
    back = _back_where_it_left(leg, earlier[-1] if earlier else None)
    if back is not None:
        return LegCheck({"origin": back, **refusals})
    return LegCheck(refusals, _gaps(leg, earlier, later, shipment_origin))


def route_warnings(legs: Sequence[RouteLeg], *, shipment_origin: str, shipment_destination: str
                   ) -> list[Refusal]:
    """What does not add up in a route as recorded (records older than these checks may hold any of it):
    gaps between legs, legs planned to overlap or to last no time, and a route short of its destination."""
    ordered = sorted(legs, key=_number)
    warnings: list[Refusal] = []
    for index, leg in enumerate(ordered):
        previous = ordered[index - 1] if index else None
        warnings += _gaps(leg, [previous] if previous else [], [], shipment_origin)
        if previous is not None and _overlap(previous, leg):
            warnings.append(Refusal(N_("Leg %(leg)s is planned to start before leg %(previous)s ends."),
                                    leg=leg.sequence, previous=previous.sequence))
        if _duration(leg):
            warnings.append(Refusal(N_("Leg %(leg)s is planned to end no later than it starts."),
                                    leg=leg.sequence))
    if ordered and ordered[-1].destination != shipment_destination:
        warnings.append(Refusal(N_("The route ends at %(site)s, but the shipment goes to %(destination)s."),
                                site=ordered[-1].destination, destination=shipment_destination))
    return warnings


def route_breaks(legs: Sequence[RouteLeg], *, shipment_origin: str, shipment_destination: str
                 ) -> list[Refusal]:
    """Where the legs do not join up from the shipment's origin to its destination: no leg at all, a first
    leg from elsewhere, a leg starting where the one before did not end, a last leg short of the
    destination (the dispatch gate's route check)."""
    ordered = sorted(legs, key=_number)
    if not ordered:
        return [Refusal(N_("The route has no legs: add those from %(origin)s to %(destination)s."),
                        origin=shipment_origin, destination=shipment_destination)]
    breaks: list[Refusal] = []
    for index, leg in enumerate(ordered):
        breaks += _gaps(leg, [ordered[index - 1]] if index else [], [], shipment_origin)
    if ordered[-1].destination != shipment_destination:
        breaks.append(Refusal(N_("The route ends at %(site)s, but the shipment goes to %(destination)s."),
                              site=ordered[-1].destination, destination=shipment_destination))
    return breaks


def change_problem(leg: RouteLeg, *, deleting: bool) -> Refusal | None:
    """Why `leg` may not be corrected (or, `deleting`, deleted), or None: once started, it is history."""
    started = leg.started
    if started is None:
        return None
    if deleting:
        return Refusal(N_("leg %(leg)s started at %(time)s: a leg under way or done cannot be deleted, "
                          "since the goods travelled it"), leg=leg.sequence, time=_utc(started))
    return Refusal(N_("leg %(leg)s started at %(time)s: a leg under way or done cannot be corrected; "
                      "record its actual times instead"), leg=leg.sequence, time=_utc(started))


def _number(leg: RouteLeg) -> int:
    return leg.sequence


def _duration(leg: RouteLeg) -> dict[str, Refusal]:
    if leg.planned_start and leg.planned_end and leg.planned_end <= leg.planned_start:
        return {"planned_end": Refusal(N_("must be after the planned start: a leg takes some time"))}
    return {}


def _going_nowhere(leg: RouteLeg) -> dict[str, Refusal]:
    if leg.mode in MOVING and leg.origin == leg.destination:
        return {"destination": Refusal(N_("must differ from the origin: a %(mode)s leg takes the goods "
                                          "somewhere else"), mode=leg.mode)}
    return {}


def _first_time(leg: RouteLeg) -> datetime | None:
    return leg.planned_start or leg.planned_end


def _last_time(leg: RouteLeg) -> datetime | None:
    return leg.planned_end or leg.planned_start


def _order(leg: RouteLeg, earlier: list[RouteLeg], later: list[RouteLeg]) -> dict[str, Refusal]:
    """The leg may not be planned to start before an earlier leg ends, nor to end after a later one starts."""
    refusals: dict[str, Refusal] = {}
    start, end = _first_time(leg), _last_time(leg)
    finishing = [(moment, other) for other in earlier if (moment := _last_time(other))]
    if start and finishing:
        latest, ahead = max(finishing, key=lambda pair: pair[0])
        if start < latest:
            when = (N_("must not be before %(time)s, when leg %(leg)s is planned to end") if ahead.planned_end
                    else N_("must not be before %(time)s, when leg %(leg)s is planned to start"))
            refusals["planned_start" if leg.planned_start else "planned_end"] = Refusal(
                when, time=_utc(latest), leg=ahead.sequence)
    starting = [(moment, other) for other in later if (moment := _first_time(other))]
    if end and starting:
        earliest, behind = min(starting, key=lambda pair: pair[0])
        if end > earliest:
            refusals.setdefault("planned_end" if leg.planned_end else "planned_start", Refusal(
                N_("must not be after %(time)s, when leg %(leg)s is planned to start"), time=_utc(earliest),
                leg=behind.sequence))
    return refusals


def _overlap(previous: RouteLeg, leg: RouteLeg) -> bool:
    ends, starts = _last_time(previous), _first_time(leg)
    return bool(ends and starts and starts < ends)


def _back_where_it_left(leg: RouteLeg, previous: RouteLeg | None) -> Refusal | None:
    """A leg from where the leg before took the goods away: they are not there any more."""
    if previous is None or previous.mode not in MOVING or previous.origin == previous.destination:
        return None
    if leg.origin != previous.origin:
        return None
    return Refusal(N_("leg %(previous)s takes the goods from %(site)s to %(destination)s: start this leg at "
                      "%(destination)s, or add first the leg that brings them back"),
                   previous=previous.sequence, site=previous.origin, destination=previous.destination)


# The gap between two legs, and before the first: where the goods should be, and where the leg starts.
GAP = N_("Leg %(leg)s starts at %(site)s, but leg %(previous)s ends at %(expected)s.")
FIRST_GAP = N_("Leg %(leg)s starts at %(site)s, but the shipment leaves from %(expected)s.")


def _gaps(leg: RouteLeg, earlier: Sequence[RouteLeg], later: Sequence[RouteLeg], shipment_origin: str
          ) -> list[Refusal]:
    warnings = []
    if not earlier and leg.origin != shipment_origin:
        warnings.append(Refusal(FIRST_GAP, leg=leg.sequence, site=leg.origin, expected=shipment_origin))
    if earlier and earlier[-1].destination != leg.origin:
        previous = earlier[-1]
        warnings.append(Refusal(GAP, leg=leg.sequence, site=leg.origin, previous=previous.sequence,
                                expected=previous.destination))
    if later and later[0].origin != leg.destination:
        following = later[0]
        warnings.append(Refusal(GAP, leg=following.sequence, site=following.origin, previous=leg.sequence,
                                expected=leg.destination))
    return warnings


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
