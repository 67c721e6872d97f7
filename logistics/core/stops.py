"""What a geofence crossing means for a shipment's route, and how long a stop on it is planned to last.

Arriving at a site ends the leg travelling there and starts a leg kept at that site (customs at the
airport); leaving a site ends the leg kept there and starts the leg travelling on. A crossing only fills
in what nobody recorded: an actual time already set (by a person or by an earlier crossing) is kept, and a
time that would put the route out of order (before a time recorded on an earlier leg, after one recorded
on a later leg, an end before its start) is not written. Only the first leg of the route that fits is
touched, and none that the route has already gone past (a later leg has started).

A stop is a site where the route arrives by one leg and leaves by a later one (the airports, customs on
the way); its planned dwell is, on the lane the shipment was planned from, the waits before the legs
leaving from it plus the legs kept at it (customs). The shipment's own origin and destination are no
stops: goods wait there for packing and for receipt. A stop is overstayed once it lasts longer than
planned by more than `DWELL_GRACE_S` or `DWELL_GRACE_FRACTION` of the plan, whichever is more (a fence
is crossed a little before the site is reached, and after it is left).

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from logistics.core.geofence import Crossing

FIELDS = ("actual_start", "actual_end")
DWELL_GRACE_S = 3600.0
DWELL_GRACE_FRACTION = 0.1


@dataclass(frozen=True)
class LegAtStop:
    """A route leg as the crossings see it: where it goes and what was recorded of it."""

    sequence: int
    origin: str  # site codes
    destination: str
    actual_start: datetime | None = None
    actual_end: datetime | None = None

    @property
    def moving(self) -> bool:
        return self.origin != self.destination


@dataclass(frozen=True)
class LegChange:
    """An actual time a crossing records on a leg: `field` is actual_start or actual_end."""

    sequence: int
    field: str
    at: datetime


@dataclass(frozen=True)
class PlannedLeg:
    """A lane's leg: where it goes, the wait at its origin before it starts and how long it lasts."""

    origin: str
    destination: str
    wait_s: float
    duration_s: float


def leg_changes(legs: Sequence[LegAtStop], site: str, crossing: Crossing, at: datetime) -> list[LegChange]:
    """The actual times that arriving at (or leaving) `site` at `at` records on the route `legs`."""
    route = sorted(legs, key=lambda leg: leg.sequence)
    times = {(leg.sequence, name): getattr(leg, name) for leg in route for name in FIELDS}
    changes: list[LegChange] = []

    def record(index: int, name: str) -> None:
        leg = route[index]
        if times[(leg.sequence, name)] is None and _fits(route, times, index, name, at):
            times[(leg.sequence, name)] = at
            changes.append(LegChange(leg.sequence, name, at))

    if crossing is Crossing.ENTERED:
        index = _first_open(route, times, lambda leg: leg.moving and leg.destination == site)
        if index is not None:
            record(index, "actual_end")
            if index + 1 < len(route) and not route[index + 1].moving and route[index + 1].origin == site:
                record(index + 1, "actual_start")
    else:
        index = _first_open(route, times, lambda leg: leg.moving and leg.origin == site)
        if index is not None:
            if index > 0 and not route[index - 1].moving and route[index - 1].origin == site:
                record(index - 1, "actual_end")
            record(index, "actual_start")
    return changes


def _first_open(route: list[LegAtStop], times: dict[tuple[int, str], datetime | None],
                matches: Callable[[LegAtStop], bool]) -> int | None:
    """The first leg that `matches` and that the route has not gone past (no later leg started)."""
    for index, leg in enumerate(route):
        if not matches(leg):
            continue
        later_started = any(times[(other.sequence, "actual_start")] or times[(other.sequence, "actual_end")]
                            for other in route[index + 1:])
        if not later_started:
            return index
    return None


def _fits(route: list[LegAtStop], times: dict[tuple[int, str], datetime | None], index: int, name: str,
          at: datetime) -> bool:
    """Whether `at` keeps the recorded times in route order (each leg's start before its end)."""
    before = [times[(leg.sequence, field)] for leg in route[:index] for field in FIELDS]
    after = [times[(leg.sequence, field)] for leg in route[index + 1:] for field in FIELDS]
    own = route[index].sequence
    if name == "actual_end":
        before.append(times[(own, "actual_start")])
    else:
        after.append(times[(own, "actual_end")])
    return all(moment is None or moment <= at for moment in before) and \
        all(moment is None or moment >= at for moment in after)


def planned_dwell_s(legs: Sequence[PlannedLeg], site: str, *, origin: str, destination: str) -> float | None:
    """The planned time at `site` on a lane with `legs`; None when it is no stop of the route."""
    if site in (origin, destination):
        return None
    arrival = next((index for index, leg in enumerate(legs)
                    if leg.origin != leg.destination and leg.destination == site), None)
    if arrival is None:
        return None
    total, left = 0.0, False
    for leg in legs[arrival + 1:]:
        if leg.origin != site:
            break
        total += leg.wait_s
        if leg.origin != leg.destination:  # travels on from the stop
            left = True
            break
        total += leg.duration_s  # kept at the stop (customs)
    return total if left else None


def overstayed(stayed_s: float, planned_s: float) -> bool:
    """Whether a stay of `stayed_s` at a stop planned for `planned_s` is too long (grace included)."""
    return stayed_s > planned_s + max(DWELL_GRACE_S, DWELL_GRACE_FRACTION * planned_s)
