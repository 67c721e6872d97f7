"""Geometry of the charts the server draws as inline SVG: a forecast's fan of projected stock, the
trial's cumulative enrolments and a lot's stability allowance used over its life. Figures in, pixel
coordinates and ticks out; the templates only place what this computes, so the charts need no script and
this module no Flask.

Each chart is drawn on two canvases: a wide one for a desk and a narrow one, with fewer dates along the
bottom, for a phone. The page shows the one that fits (style.css), so that a phone does not shrink the wide
drawing until its labels cannot be read."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TypeVar

from logistics.core.clock import in_zone

WIDTH, HEIGHT = 720, 260  # the wide canvas
LEFT, RIGHT, TOP, BOTTOM = 52, 24, 12, 30  # room for the value labels left, the dates below
DAY_STEPS = (1, 2, 7, 14, 30, 61, 91, 182, 365)  # tick spacings in days, from a day to a year
Drawn = TypeVar("Drawn")


@dataclass(frozen=True)
class Scale:
    """Maps values in [low, high] linearly onto pixels [start, end] (end < start for the y axis)."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


@dataclass(frozen=True)
class Tick:
    at: float  # pixel
    value: float | date


@dataclass(frozen=True)
class Frame:
    """The drawing area inside a canvas's margins, and both axes' ticks."""

    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    canvas: str  # the canvas's name: the SVG's class, by which the page shows the drawing or not
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float


@dataclass(frozen=True)
class Canvas:
    """A size to draw at, in SVG units (a CSS pixel each at the width it is meant for), its margins and
    how many intervals between dates fit along the bottom."""

    name: str
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    day_intervals: int

    def x_scale(self, low: float, high: float) -> Scale:
        return Scale(low, high, self.left, self.width - self.right)

    def y_scale(self, low: float, high: float) -> Scale:
        return Scale(low, high, self.height - self.bottom, self.top)

    def frame(self, x_ticks: tuple[Tick, ...], y_ticks: tuple[Tick, ...]) -> Frame:
        return Frame(x_ticks, y_ticks, self.name, self.width, self.height, self.left,
                     self.width - self.right, self.top, self.height - self.bottom)


WIDE = Canvas("wide", WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM, day_intervals=6)
# A phone's column is about 330 to 400 CSS px wide: drawn 320 wide, the labels show at their own size or a
# little larger, and three or four dates fit along the bottom.
NARROW = Canvas("narrow", 320, 230, 48, 26, 10, 30, day_intervals=3)
CANVASES = (WIDE, NARROW)


def on_every_canvas(draw: Callable[..., Drawn]) -> tuple[Drawn, ...]:
    """The chart `draw(canvas=…)` makes, drawn on each canvas, the wide one first."""
    return tuple(draw(canvas=canvas) for canvas in CANVASES)


def nice_step(low: float, high: float, count: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving at most about `count` intervals."""
    rough = (high - low) / count if high > low else 1.0
    magnitude = 10 ** math.floor(math.log10(rough))
    return next(factor * magnitude for factor in (1, 2, 5, 10) if factor * magnitude >= rough - 1e-12)


def value_span(values: Sequence[float]) -> tuple[float, float]:
    """A range covering `values` and zero, widened to round numbers."""
    low, high = min(0.0, *values), max(0.0, *values)
    if high - low < 1e-9:
        high = low + 1.0
    step = nice_step(low, high)
    return math.floor(low / step + 1e-9) * step, math.ceil(high / step - 1e-9) * step


def value_ticks(scale: Scale) -> tuple[Tick, ...]:
    """Round values across the scale, at whole multiples of the step (so zero is one when in range)."""
    step = nice_step(scale.low, scale.high)
    first, last = math.ceil(scale.low / step - 1e-9), math.floor(scale.high / step + 1e-9)
    return tuple(Tick(scale(i * step), round(i * step, 9)) for i in range(first, last + 1))


def day_ticks(first: date, days: int, scale: Scale, count: int = 6) -> tuple[Tick, ...]:
    """Dates every few days from `first`, at most `count` intervals apart (a whole number of years
    apart when even a year is too short)."""
    year = DAY_STEPS[-1]
    step = next((step for step in DAY_STEPS if days / step <= count), year * math.ceil(days / year / count))
    return tuple(Tick(scale(day), first + timedelta(days=day)) for day in range(0, days + 1, step))


def points(xs: Sequence[float], ys: Sequence[float]) -> str:
    """An SVG points attribute: "x,y x,y …" to a tenth of a pixel."""
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))


# -- a forecast's fan ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class FanChart:
    frame: Frame
    outer: str  # polygon: P5 forwards, P95 back
    inner: str  # polygon: P25 forwards, P75 back
    median: str  # polyline
    reorder_y: float
    zero_y: float
    order_by_x: float | None  # the order-by date's marker, if it falls on the chart


def fan_span(bands: Sequence[Sequence[float]], reorder_point: float) -> list[float]:
    """The values a fan chart must show: every band's extremes and the reorder point (to share one
    scale between several fans, pass all of theirs to `value_span`)."""
    return [min(bands[0]), max(bands[-1]), reorder_point]


def fan(days: Sequence[date], bands: Sequence[Sequence[float]], *, reorder_point: float,
        order_by: date | None, span: tuple[float, float] | None = None, canvas: Canvas = WIDE) -> FanChart:
    """The fan of projected stock: `bands` are the P5, P25, P50, P75 and P95 rows, one value per day in
    `days` (every day, or over a long horizon days spread over it)."""
    last = max((days[-1] - days[0]).days, 1)
    x = canvas.x_scale(0, last)
    y = canvas.y_scale(*(span or value_span(fan_span(bands, reorder_point))))
    xs = [x((day - days[0]).days) for day in days]
    p5, p25, p50, p75, p95 = ([y(value) for value in band] for band in bands)
    marker = None
    if order_by is not None and 0 <= (order_by - days[0]).days <= last:
        marker = x((order_by - days[0]).days)
    return FanChart(
        frame=canvas.frame(day_ticks(days[0], last, x, canvas.day_intervals), value_ticks(y)),
        outer=points(xs + xs[::-1], p5 + p95[::-1]), inner=points(xs + xs[::-1], p25 + p75[::-1]),
        median=points(xs, p50), reorder_y=y(reorder_point), zero_y=y(0.0), order_by_x=marker)


# -- enrolments so far ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class EnrolmentChart:
    frame: Frame
    actual: str  # a step line: each enrolment lifts it by one
    planned: str  # what the sites' planned rates add up to since each was activated
    enrolled: int
    planned_now: float


def planned_total(day: date, sites: Sequence[tuple[date, float]], target: int) -> float:
    """Patients the plan expects by `day`: each site's rate per 30 days since its activation, up to the
    target."""
    expected = sum(rate / 30 * max((day - activated).days, 0) for activated, rate in sites)
    return min(expected, float(target))


def enrolment(enrolled: Sequence[date], sites: Sequence[tuple[date, float]], *, target: int,
              today: date, canvas: Canvas = WIDE) -> EnrolmentChart:
    """Actual enrolments against the plan, from the first site's activation to `today`."""
    first = min([activated for activated, _rate in sites] + list(enrolled) + [today])
    days = max((today - first).days, 1)
    plan = [planned_total(first + timedelta(days=day), sites, target) for day in range(days + 1)]
    x = canvas.x_scale(0, days)
    y = canvas.y_scale(*value_span([len(enrolled), plan[-1], *plan]))
    xs, ys = [x(0)], [y(0)]
    for count, day in enumerate(sorted(enrolled), start=1):
        at = x(max((day - first).days, 0))
        xs += [at, at]
        ys += [y(count - 1), y(count)]
    xs.append(x(days))
    ys.append(y(len(enrolled)))
    return EnrolmentChart(
        frame=canvas.frame(day_ticks(first, days, x, canvas.day_intervals), value_ticks(y)),
        actual=points(xs, ys), planned=points([x(day) for day in range(days + 1)], [y(v) for v in plan]),
        enrolled=len(enrolled), planned_now=plan[-1])


# -- a lot's stability allowance used over its life ------------------------------------------------------

@dataclass(frozen=True)
class UseChart:
    frame: Frame
    used: str  # polyline: hours out of range so far
    equivalent: str | None  # polyline: their equivalent at the allowance's temperature (SPEC §2.3)
    budget_y: float | None  # the allowance, a horizontal line


def budget_use(uses: Sequence[tuple[datetime, float, float | None]], *, budget_s: float | None,
               until: datetime, zone: str, canvas: Canvas = WIDE) -> UseChart:
    """Hours out of range (and their equivalent) climbing over the lot's life up to `until`, against the
    allowance; days on the x axis in the site's time zone. `uses` are (time, used s, equivalent s)."""
    moments = [in_zone(at, zone).replace(tzinfo=None) for at, _, _ in uses]
    moments.append(max(in_zone(until, zone).replace(tzinfo=None), moments[-1]))
    origin = datetime.combine(moments[0].date(), datetime.min.time())
    offsets = [(moment - origin).total_seconds() / 86400 for moment in moments]
    days = max(math.ceil(offsets[-1]), 1)
    used = [seconds / 3600 for _, seconds, _ in uses]
    equivalent = [seconds / 3600 for _, _, seconds in uses if seconds is not None]
    budget_h = None if budget_s is None else budget_s / 3600
    x = canvas.x_scale(0, days)
    y = canvas.y_scale(*value_span(used + equivalent + ([budget_h] if budget_h is not None else [])))
    xs = [x(offset) for offset in offsets]
    return UseChart(
        frame=canvas.frame(day_ticks(origin.date(), days, x, canvas.day_intervals), value_ticks(y)),
        used=points(xs, [y(value) for value in used + used[-1:]]),
        equivalent=(points(xs, [y(value) for value in equivalent + equivalent[-1:]])
                    if len(equivalent) == len(used) else None),
        budget_y=None if budget_h is None else y(budget_h))
