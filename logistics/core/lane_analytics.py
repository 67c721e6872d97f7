"""Lane analytics: how the shipments of a lane really travelled, leg by leg, stop by stop, month by month.

In: frozen records of a lane's finished journeys (each leg's planned and actual times, the excursions found
and each logger's readings outside their range). Out: percentiles and rates, all times in seconds.

Decisions (the page and the README say them):
- A percentile interpolates between the closest ranks (Hyndman & Fan type 7, numpy's default, a
  spreadsheet's PERCENTILE.INC): of 10, 20, 30 and 40 h the p50 is 25 h and the p90 37 h.
- Door-to-door transit runs from the actual departure to the actual arrival (the first leg's actual start
  and the last one's actual end when those are missing); planned transit likewise from the plan.
- A shipment counts for a leg only once the leg has both actual times. A stop is the time between one leg's
  actual end and the next one's actual start, at the site the first arrives at.
- An excursion belongs to the leg during which it began (actual start ≤ t < actual end), or to the stop
  between two legs; one that began before the first leg or after the last counts in the lane's totals only.
  Excursions of one rule that overlap in time, found by several loggers in the same box, are one. Data
  gaps are left out: a logger's silence is not the goods' exposure.
- Time out of range is each out-of-range reading's coverage (SPEC §2.1) that falls inside the leg's (or
  stop's) actual window; of several loggers or storage profiles, the worst one counts, as for a lot's
  stability budget.
- Months are the calendar months of the departure in the origin's time zone. Bangkok's seasons (Thai
  Meteorological Department, in whole months): hot March to May, rainy June to October, cool November to
  February.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from logistics.core.clock import in_zone

SEASONS = {3: "hot_season", 4: "hot_season", 5: "hot_season", 6: "rainy_season", 7: "rainy_season",
           8: "rainy_season", 9: "rainy_season", 10: "rainy_season", 11: "cool_season", 12: "cool_season",
           1: "cool_season", 2: "cool_season"}
SEASON_ORDER = ("hot_season", "rainy_season", "cool_season")
NOT_COUNTED = frozenset({"no_data"})  # excursion kinds left out of the rates


@dataclass(frozen=True)
class TravelledLeg:
    sequence: int
    mode: str
    origin: str
    destination: str
    carrier: str | None
    planned_start: datetime | None
    planned_end: datetime | None
    actual_start: datetime | None
    actual_end: datetime | None

    @property
    def key(self) -> LegKey:
        return LegKey(self.sequence, self.mode, self.origin, self.destination)

    @property
    def done(self) -> bool:
        return self.actual_start is not None and self.actual_end is not None


@dataclass(frozen=True, order=True)
class LegKey:
    sequence: int
    mode: str
    origin: str
    destination: str


@dataclass(frozen=True)
class FoundExcursion:
    logger: str
    rule: str
    kind: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class OutsideReading:
    """A reading outside its range and the time it covers; `source` names the logger (and profile)."""

    source: str
    start: datetime
    seconds: float


@dataclass(frozen=True)
class Journey:
    """One finished shipment of the lane."""

    reference: str
    planned_departure: datetime | None
    planned_arrival: datetime | None
    actual_departure: datetime | None
    actual_arrival: datetime | None
    legs: tuple[TravelledLeg, ...]
    excursions: tuple[FoundExcursion, ...] = ()
    outside: tuple[OutsideReading, ...] = ()


@dataclass(frozen=True)
class Spread:
    """How many values, their p50 and p90 (None without values)."""

    count: int
    p50: float | None
    p90: float | None


@dataclass(frozen=True)
class Exposure:
    """Shipments through a leg, stop or carrier, the excursions found there and the time out of range."""

    shipments: int
    excursions: int
    outside_s: float  # summed over the shipments (the worst logger of each)

    @property
    def per_100(self) -> float | None:
        """Excursions per 100 shipments."""
        return None if not self.shipments else 100.0 * self.excursions / self.shipments

    @property
    def outside_mean_s(self) -> float | None:
        """Time out of range per shipment."""
        return None if not self.shipments else self.outside_s / self.shipments


@dataclass(frozen=True)
class LegFigures:
    key: LegKey
    carriers: tuple[str, ...]
    planned_s: Spread
    actual_s: Spread
    late: int  # shipments whose leg took longer than planned
    exposure: Exposure


@dataclass(frozen=True)
class StopFigures:
    after: int  # the sequence of the leg that arrives at the stop
    site: str
    planned_s: Spread
    actual_s: Spread
    exposure: Exposure


@dataclass(frozen=True)
class CarrierFigures:
    carrier: str
    legs: int
    exposure: Exposure


@dataclass(frozen=True)
class PeriodFigures:
    """A month ("2026-04") or a season ("hot_season") of departures."""

    period: str
    season: str
    transit_s: Spread
    exposure: Exposure
    outside_by_leg_s: tuple[float | None, ...]  # per shipment, in the order of LaneFigures.legs


@dataclass(frozen=True)
class LaneFigures:
    shipments: int
    planned_transit_s: Spread
    actual_transit_s: Spread
    on_time: int  # shipments that arrived no later than planned
    exposure: Exposure
    legs: tuple[LegFigures, ...]
    stops: tuple[StopFigures, ...]
    carriers: tuple[CarrierFigures, ...]
    months: tuple[PeriodFigures, ...]
    seasons: tuple[PeriodFigures, ...]


def percentile(values: Sequence[float], level: float) -> float | None:
    """The `level` (0–1) percentile, interpolated between the closest ranks; None of no values."""
    if not values:
        return None
    ordered = sorted(values)
    place = (len(ordered) - 1) * level
    low, high = math.floor(place), math.ceil(place)
    return ordered[low] + (ordered[high] - ordered[low]) * (place - low)


def spread(values: Sequence[float]) -> Spread:
    return Spread(len(values), percentile(values, 0.5), percentile(values, 0.9))


def season_of(month: int) -> str:
    """Bangkok's season of a calendar month (1–12)."""
    return SEASONS[month]


def departure_of(journey: Journey) -> datetime | None:
    first = next((leg.actual_start for leg in journey.legs if leg.actual_start), None)
    return journey.actual_departure or first


def actual_transit_s(journey: Journey) -> float | None:
    start = departure_of(journey)
    end = journey.actual_arrival or (journey.legs[-1].actual_end if journey.legs else None)
    return None if start is None or end is None else (end - start).total_seconds()


def planned_transit_s(journey: Journey) -> float | None:
    start = journey.planned_departure or (journey.legs[0].planned_start if journey.legs else None)
    end = journey.planned_arrival or (journey.legs[-1].planned_end if journey.legs else None)
    return None if start is None or end is None else (end - start).total_seconds()


def counted_excursions(found: Iterable[FoundExcursion]) -> list[FoundExcursion]:
    """The excursions that count, one per event: those of one rule overlapping in time (several loggers in
    one box) are the first of them; data gaps are left out."""
    kept: list[FoundExcursion] = []
    for excursion in sorted(found, key=lambda e: (e.rule, e.start)):
        if excursion.kind in NOT_COUNTED:
            continue
        last = kept[-1] if kept else None
        joins = last is not None and last.rule == excursion.rule and (last.end is None
                                                                       or excursion.start <= last.end)
        if last is not None and joins:
            if last.end is not None and (excursion.end is None or excursion.end > last.end):  # lasts longer
                kept[-1] = FoundExcursion(last.logger, last.rule, last.kind, last.start, excursion.end)
            continue
        kept.append(excursion)
    return kept


@dataclass(frozen=True)
class _Part:
    """A leg or a stop of one journey in time: where it is, and [start, end) when it is known."""

    name: LegKey | tuple[int, str]
    start: datetime
    end: datetime


def _parts(journey: Journey) -> list[_Part]:
    parts: list[_Part] = []
    done = [leg for leg in journey.legs if leg.done]
    for index, leg in enumerate(done):
        assert leg.actual_start is not None and leg.actual_end is not None
        parts.append(_Part(leg.key, leg.actual_start, leg.actual_end))
        following = done[index + 1] if index + 1 < len(done) else None
        if following is not None and following.sequence == leg.sequence + 1:
            assert following.actual_start is not None
            parts.append(_Part((leg.sequence, leg.destination), leg.actual_end, following.actual_start))
    return parts


def _place(moment: datetime, parts: Sequence[_Part]) -> LegKey | tuple[int, str] | None:
    return next((part.name for part in parts if part.start <= moment < part.end), None)


def _outside_in(journey: Journey, start: datetime | None, end: datetime | None) -> float:
    """The worst source's time out of range within [start, end) (the whole journey without bounds)."""
    by_source: dict[str, float] = {}
    for reading in journey.outside:
        low = reading.start.timestamp()
        high = low + reading.seconds
        if start is not None and end is not None:
            low, high = max(low, start.timestamp()), min(high, end.timestamp())
        if high > low:
            by_source[reading.source] = by_source.get(reading.source, 0.0) + (high - low)
    return max(by_source.values(), default=0.0)


@dataclass(frozen=True)
class _Seen:
    """One journey reduced to what the figures add up."""

    journey: Journey
    parts: tuple[_Part, ...]
    excursions_at: dict[object, int]  # by part name, and None for the journey
    outside_at: dict[object, float]


def _seen(journey: Journey) -> _Seen:
    parts = tuple(_parts(journey))
    counted = counted_excursions(journey.excursions)
    excursions: dict[object, int] = {None: len(counted)}
    for excursion in counted:
        place = _place(excursion.start, parts)
        if place is not None:
            excursions[place] = excursions.get(place, 0) + 1
    outside: dict[object, float] = {None: _outside_in(journey, None, None)}
    outside.update({part.name: _outside_in(journey, part.start, part.end) for part in parts})
    return _Seen(journey, parts, excursions, outside)


def _exposure(seen: Sequence[_Seen], name: object) -> Exposure:
    through = [one for one in seen if name is None or name in one.outside_at]
    return Exposure(len(through), sum(one.excursions_at.get(name, 0) for one in through),
                    sum(one.outside_at.get(name, 0.0) for one in through))


def lane_figures(journeys: Sequence[Journey], zone: str) -> LaneFigures:
    """The lane's figures over `journeys`; months in the IANA `zone` (the origin's)."""
    seen = [_seen(journey) for journey in journeys]
    keys = sorted({leg.key for journey in journeys for leg in journey.legs if leg.done})
    legs = tuple(_leg_figures(seen, key) for key in keys)
    stop_names = {part.name for one in seen for part in one.parts if isinstance(part.name, tuple)}
    stops = tuple(_stop_figures(seen, name) for name in sorted(stop_names))
    planned = [value for value in map(planned_transit_s, journeys) if value is not None]
    on_time = sum(1 for journey in journeys if _on_time(journey))
    months = _periods(seen, keys, lambda moment: f"{in_zone(moment, zone):%Y-%m}", zone)
    seasons = _periods(seen, keys, lambda moment: season_of(in_zone(moment, zone).month), zone)
    return LaneFigures(
        shipments=len(journeys), planned_transit_s=spread(planned),
        actual_transit_s=spread([value for value in map(actual_transit_s, journeys) if value is not None]),
        on_time=on_time, exposure=_exposure(seen, None), legs=legs, stops=stops,
        carriers=_carrier_figures(seen), months=tuple(sorted(months, key=lambda p: p.period)),
        seasons=tuple(sorted(seasons, key=lambda p: SEASON_ORDER.index(p.period))))


def _on_time(journey: Journey) -> bool:
    actual, planned = actual_transit_s(journey), planned_transit_s(journey)
    return actual is not None and planned is not None and actual <= planned


def _leg_figures(seen: Sequence[_Seen], key: LegKey) -> LegFigures:
    legs = [leg for one in seen for leg in one.journey.legs if leg.key == key and leg.done]
    planned = [_span(leg.planned_start, leg.planned_end) for leg in legs]
    actual = [_span(leg.actual_start, leg.actual_end) for leg in legs]
    late = sum(1 for plan, real in zip(planned, actual, strict=True) if plan is not None and real is not None
               and real > plan)
    carriers = tuple(sorted({leg.carrier for leg in legs if leg.carrier}))
    return LegFigures(key, carriers, spread([value for value in planned if value is not None]),
                      spread([value for value in actual if value is not None]), late, _exposure(seen, key))


def _stop_figures(seen: Sequence[_Seen], name: tuple[int, str]) -> StopFigures:
    planned, actual = [], []
    for one in seen:
        by_sequence = {leg.sequence: leg for leg in one.journey.legs}
        arriving, leaving = by_sequence.get(name[0]), by_sequence.get(name[0] + 1)
        if arriving is None or leaving is None or not (arriving.done and leaving.done):
            continue
        actual.append(_span(arriving.actual_end, leaving.actual_start))
        planned.append(_span(arriving.planned_end, leaving.planned_start))
    return StopFigures(name[0], name[1], spread([value for value in planned if value is not None]),
                       spread([value for value in actual if value is not None]), _exposure(seen, name))


def _carrier_figures(seen: Sequence[_Seen]) -> tuple[CarrierFigures, ...]:
    carriers = sorted({leg.carrier for one in seen for leg in one.journey.legs if leg.carrier and leg.done})
    figures = []
    for carrier in carriers:
        keys_of = [[leg.key for leg in one.journey.legs if leg.carrier == carrier and leg.done]
                   for one in seen]
        through = [one for one, keys in zip(seen, keys_of, strict=True) if keys]
        names = [keys for keys in keys_of if keys]
        figures.append(CarrierFigures(carrier, sum(map(len, names)), Exposure(
            len(through), sum(one.excursions_at.get(key, 0) for one, keys in zip(through, names, strict=True)
                              for key in keys),
            sum(one.outside_at.get(key, 0.0) for one, keys in zip(through, names, strict=True)
                for key in keys))))
    return tuple(figures)


def _periods(seen: Sequence[_Seen], keys: Sequence[LegKey], period_of: Callable[[datetime], str],
             zone: str) -> list[PeriodFigures]:
    grouped: dict[str, list[_Seen]] = {}
    for one in seen:
        departed = departure_of(one.journey)
        if departed is not None:
            grouped.setdefault(period_of(departed), []).append(one)
    periods = []
    for period, members in grouped.items():
        departed = departure_of(members[0].journey)
        assert departed is not None
        by_leg = tuple(_exposure(members, key).outside_mean_s for key in keys)
        periods.append(PeriodFigures(
            period, season_of(in_zone(departed, zone).month),
            spread([value for value in (actual_transit_s(one.journey) for one in members)
                    if value is not None]),
            _exposure(members, None), by_leg))
    return periods


def _span(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds()


def lead_days(transits_s: Iterable[float]) -> list[int]:
    """Door-to-door times as whole days, rounded up (a lead time of 2.1 days takes the third day)."""
    return [max(math.ceil(seconds / 86400), 0) for seconds in transits_s]
