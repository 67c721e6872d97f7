"""Geometry of a lane's analytics charts, drawn by the server as inline SVG like svg_chart's: horizontal
bars by leg, stop or carrier (a median with its p90 whisker and the plan's mark), and columns by month
with Bangkok's hot season shaded. Figures in, pixels and ticks out; the templates place them.

Each chart comes on the wide canvas and the narrow one (a phone), the wide one first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from logistics.web.svg_chart import CANVASES, Canvas, Scale, Tick, nice_step

ROW_H = 36  # a bar's row: its label above, the bar below
BAR_H = 14
LABEL_H = 15


@dataclass(frozen=True)
class BarRow:
    """One bar: its label, its value (None: nothing to draw) and, optionally, a high mark (p90) and the
    plan's mark, in the chart's unit."""

    label: str
    value: float | None
    high: float | None = None
    planned: float | None = None
    note: str = ""  # written after the label: the value as people read it


@dataclass(frozen=True)
class Bar:
    label: str
    note: str
    label_y: float
    y: float
    x0: float
    x1: float | None
    high_x: float | None
    planned_x: float | None


@dataclass(frozen=True)
class BarChart:
    canvas: str
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    ticks: tuple[Tick, ...]  # up the value axis, along the bottom
    bars: tuple[Bar, ...]


def _scale_high(values: Sequence[float]) -> tuple[float, float]:
    high = max([0.0, *values])
    step = nice_step(0.0, high if high > 0 else 1.0)
    return step, max(step, -(-high // step) * step)


def _ticks(scale: Scale, step: float, high: float) -> tuple[Tick, ...]:
    count = int(round(high / step))
    return tuple(Tick(scale(index * step), round(index * step, 9)) for index in range(count + 1))


def bars(rows: Sequence[BarRow], *, least: float = 1.0) -> tuple[BarChart, ...]:
    """The bars on every canvas; the scale reaches at least `least` (when every value is small or zero)."""
    return tuple(_bars(rows, canvas, least) for canvas in CANVASES)


def _bars(rows: Sequence[BarRow], canvas: Canvas, least: float) -> BarChart:
    values = [value for row in rows for value in (row.value, row.high, row.planned) if value is not None]
    step, high = _scale_high([*values, least])
    left, right = 12.0, canvas.width - 16.0
    x = Scale(0.0, high, left, right)
    top = 8.0
    drawn = []
    for index, row in enumerate(rows):
        row_top = top + index * ROW_H
        drawn.append(Bar(row.label, row.note, row_top + LABEL_H - 3, row_top + LABEL_H + 1, x(0.0),
                         None if row.value is None else x(row.value),
                         None if row.high is None else x(row.high),
                         None if row.planned is None else x(row.planned)))
    bottom = top + len(rows) * ROW_H + 2
    return BarChart(canvas.name, canvas.width, int(bottom + 24), left, right, top, bottom,
                    _ticks(x, step, high), tuple(drawn))


@dataclass(frozen=True)
class ColumnRow:
    """One month: its label, its value, a high mark (p90) and whether it falls in the hot season."""

    label: str
    value: float | None
    high: float | None = None
    shaded: bool = False


@dataclass(frozen=True)
class Column:
    label: str
    x: float  # the column's left
    width: float
    y: float | None  # the value's top; None for no value
    high_y: float | None
    band: tuple[float, float] | None  # the shaded slot, left and right


@dataclass(frozen=True)
class ColumnChart:
    canvas: str
    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    y_ticks: tuple[Tick, ...]
    columns: tuple[Column, ...]


def columns(rows: Sequence[ColumnRow], *, least: float = 1.0) -> tuple[ColumnChart, ...]:
    """The columns on every canvas; the scale reaches at least `least`."""
    return tuple(_columns(rows, canvas, least) for canvas in CANVASES)


def _columns(rows: Sequence[ColumnRow], canvas: Canvas, least: float) -> ColumnChart:
    values = [value for row in rows for value in (row.value, row.high) if value is not None]
    step, high = _scale_high([*values, least])
    y = canvas.y_scale(0.0, high)
    left, right = float(canvas.left), float(canvas.width - canvas.right)
    slot = (right - left) / max(len(rows), 1)
    width = min(slot * 0.6, 48.0)
    drawn = []
    for index, row in enumerate(rows):
        start = left + index * slot
        drawn.append(Column(row.label, start + (slot - width) / 2, width,
                            None if row.value is None else y(row.value),
                            None if row.high is None else y(row.high),
                            (start, start + slot) if row.shaded else None))
    return ColumnChart(canvas.name, canvas.width, canvas.height, left, right, float(canvas.top),
                       float(canvas.height - canvas.bottom), _ticks(y, step, high), tuple(drawn))


def heat_level(value: float | None, most: float, levels: int = 4) -> int:
    """A cell's shade from 0 (none) to `levels` (the most), for a table coloured by its values."""
    if value is None or value <= 0 or most <= 0:
        return 0
    return max(1, min(levels, int(-(-value * levels // most))))
