"""When a silent logger is an alarm: not during a planned flight (flight mode), yes when it overruns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class AirLeg:
    planned_start: datetime | None
    planned_end: datetime | None
    actual_start: datetime | None
    actual_end: datetime | None


@dataclass(frozen=True)
class Silence:
    """A logger that has not been heard from for too long, and why that matters now."""

    since: datetime
    overrun_leg: AirLeg | None  # the flight it is silent in has run past its planned end


def in_flight(legs: list[AirLeg], now: datetime, grace: timedelta) -> AirLeg | None:
    """The air leg the shipment is in at `now`, if any (planned window, or started and not yet ended)."""
    for leg in legs:
        if leg.actual_end is not None and leg.actual_end <= now:
            continue
        start = leg.actual_start or leg.planned_start
        end = leg.planned_end
        if start is not None and end is not None and start <= now <= end + grace:
            return leg
        if leg.actual_start is not None and leg.actual_end is None and leg.actual_start <= now:
            return leg
    return None


def silence(
    last_seen: datetime | None, assigned_at: datetime, legs: list[AirLeg], *, now: datetime,
    allowed: timedelta, grace: timedelta,
) -> Silence | None:
    """A silence worth an alarm, or None: heard recently, or quiet only because it is flying on time."""
    since = max(last_seen or assigned_at, assigned_at)
    if now - since <= allowed:
        return None
    flight = in_flight(legs, now, grace)
    if flight is None:
        return Silence(since=since, overrun_leg=None)
    overran = flight.planned_end is not None and now > flight.planned_end + grace
    return Silence(since=since, overrun_leg=flight) if overran else None
