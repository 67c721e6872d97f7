"""A logger's temperature over a shipment, drawn into a PDF as vector lines: the storage range as a band,
excursions shaded, time without data hatched grey (its window's edges too), shocks marked, and a legend
under it; as the shipment page draws it (chart.js)."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from logistics.core.series import Chart
from logistics.documents.pdf import GREY, SMALL_PT, Document, keep_together, write_in

BAND = (215, 240, 222)
LINE = (11, 92, 173)
EXCURSION = (244, 200, 200)
NO_DATA = (238, 240, 243)  # a light ground under hatching dark enough to read apart (4.8:1 on white)
HATCH = (107, 114, 128)
HATCH_MM = 2.0  # between the hatching's lines, across the page
SHOCK = (180, 83, 9)
AXIS_MM = 11.0  # left of the plot, for the temperature labels
TIME_AXIS_MM = 6.0
LEGEND_MM = 5.0
Scale = Callable[[float], float]  # a temperature to a height on the page
TimeScale = Callable[[datetime], float]  # a moment to a position across the page


def temperature_chart(doc: Document, chart: Chart, *, zone: str, height: float = 48.0) -> None:
    """The chart at the left margin, as wide as the text, then its caption; kept on one page."""
    keep_together(doc, height + TIME_AXIS_MM + LEGEND_MM + 8)
    # Left as found: fpdf2 fills table cells in the current colour, and the shocks' orange once printed
    # the tables after a chart dark-on-orange.
    found = doc.fill_color, doc.draw_color, doc.line_width
    top, left = doc.get_y(), doc.l_margin + AXIS_MM
    width = doc.epw - AXIS_MM
    low, high = _value_range(chart)
    span = (chart.end - chart.start).total_seconds() or 1.0

    def x(moment: datetime) -> float:
        seconds = (min(max(moment, chart.start), chart.end) - chart.start).total_seconds()
        return left + seconds / span * width

    def y(value: float) -> float:
        return top + (high - value) / (high - low) * height

    doc.set_draw_color(*GREY)
    doc.set_line_width(0.1)
    doc.rect(left, top, width, height)
    if chart.low_c is not None or chart.high_c is not None:  # open-ended ranges run to the plot's edge
        band_top = y(high if chart.high_c is None else chart.high_c)
        band_bottom = y(low if chart.low_c is None else chart.low_c)
        doc.set_fill_color(*BAND)
        doc.rect(left, band_top, width, band_bottom - band_top, style="F")
    for kind, _severity, start, end, _peak in chart.marks:
        if kind in ("shock", "no_data"):  # no data: drawn from chart.no_data, which holds it all
            continue
        doc.set_fill_color(*EXCURSION)
        right = x(end or chart.end)
        doc.rect(x(start), top, max(right - x(start), 0.4), height, style="F")
    for start, end in chart.no_data:
        _hatched(doc, x(start), max(x(end), x(start) + 0.4), top, height)
    _temperature_axis(doc, low, high, left, width, y)
    _time_axis(doc, chart, zone, top + height, x)
    _readings(doc, chart, x, y)
    _shocks(doc, chart, top, x)
    _legend(doc, left, top + height + TIME_AXIS_MM)
    doc.set_fill_color(found[0])
    doc.set_draw_color(found[1])
    doc.set_line_width(found[2])
    doc.set_xy(doc.l_margin, top + height + TIME_AXIS_MM + LEGEND_MM)


def _hatched(doc: Document, left: float, right: float, top: float, height: float) -> None:
    """A light ground with lines at 45° across [left, right] × [top, top + height]."""
    doc.set_fill_color(*NO_DATA)
    doc.rect(left, top, right - left, height, style="F")
    doc.set_draw_color(*HATCH)
    doc.set_line_width(0.15)
    bottom, start = top + height, left - height
    while start < right:  # the line from (start, bottom) up to (start + height, top), cut to the box
        rise_from, rise_to = max(0.0, left - start), min(height, right - start)
        if rise_from < rise_to:
            doc.line(start + rise_from, bottom - rise_from, start + rise_to, bottom - rise_to)
        start += HATCH_MM


LEGEND = (("band", "storage range"), ("excursion", "excursion"),
          ("no_data", "no data (no reading covers the time)"), ("shock", "shock"))


def _legend(doc: Document, left: float, top: float) -> None:
    """What the band, the shading, the hatching and the marks mean, in a row under the chart."""
    write_in(doc, SMALL_PT - 1, colour=GREY)
    at = left
    for kind, label in LEGEND:
        _swatch(doc, kind, at, top + 0.8)
        doc.set_xy(at + 6, top)
        doc.cell(doc.get_string_width(label) + 1, 4, label)
        at += 6 + doc.get_string_width(label) + 5


def _swatch(doc: Document, kind: str, left: float, top: float, width: float = 5, height: float = 2.4) -> None:
    if kind == "no_data":
        _hatched(doc, left, left + width, top, height)
        return
    doc.set_fill_color(*{"band": BAND, "excursion": EXCURSION, "shock": SHOCK}[kind])
    if kind == "shock":
        doc.polygon([(left + width / 2, top), (left + 1, top + height), (left + width - 1, top + height)],
                    style="F")
    else:
        doc.rect(left, top, width, height, style="F")


def _value_range(chart: Chart) -> tuple[float, float]:
    values = [value for _time, value in chart.series.points]
    values += [limit for limit in (chart.low_c, chart.high_c) if limit is not None]
    low, high = (min(values), max(values)) if values else (0.0, 10.0)
    margin = max((high - low) * 0.08, 0.5)
    return low - margin, high + margin


def _temperature_axis(doc: Document, low: float, high: float, left: float, width: float, y: Scale) -> None:
    step = _nice_step((high - low) / 5)
    write_in(doc, SMALL_PT - 1, colour=GREY)
    value = math.ceil(low / step) * step
    while value <= high:
        level = y(value)
        doc.set_draw_color(228, 232, 238)
        doc.line(left, level, left + width, level)
        doc.set_xy(doc.l_margin, level - 1.5)
        doc.cell(AXIS_MM - 1, 3, f"{value:g} °C".replace("-", "−"), align="R")
        value = round(value + step, 6)


def _nice_step(rough: float) -> float:
    magnitude = 10 ** math.floor(math.log10(rough or 1))
    return next(factor * magnitude for factor in (1, 2, 5, 10) if factor * magnitude >= rough)


def _time_axis(doc: Document, chart: Chart, zone: str, bottom: float, x: TimeScale) -> None:
    """Day or hour marks in the destination's local time."""
    span = chart.end - chart.start
    step = next((s for s in (timedelta(hours=h) for h in (1, 3, 6, 12, 24, 48, 168)) if span / s <= 8),
                timedelta(days=7))
    local = ZoneInfo(zone)
    first = chart.start.astimezone(local).replace(minute=0, second=0, microsecond=0)
    if step >= timedelta(days=1):
        first = first.replace(hour=0)
    tick = first
    write_in(doc, SMALL_PT - 1, colour=GREY)
    while tick <= chart.end:
        if tick >= chart.start:
            label = f"{tick:%d %b}" if step >= timedelta(days=1) else f"{tick:%d %b %H:%M}"
            doc.set_xy(x(tick) - 10, bottom + 1)
            doc.cell(20, 3, label, align="C")
        tick = (tick + step).astimezone(local)


def _readings(doc: Document, chart: Chart, x: TimeScale, y: Scale) -> None:
    """The readings joined by a line, broken where they are further apart than usual (as on the page)."""
    points = chart.series.points
    if not points:
        return
    spacing = [(b[0] - a[0]).total_seconds() for a, b in zip(points, points[1:], strict=False)]
    gap = max(2.5 * median(spacing), 2 * chart.series.level_s) if spacing else 0.0
    doc.set_draw_color(*LINE)
    doc.set_line_width(0.3)
    for previous, current in zip(points, points[1:], strict=False):
        if (current[0] - previous[0]).total_seconds() <= gap:
            doc.line(x(previous[0]), y(previous[1]), x(current[0]), y(current[1]))


def _shocks(doc: Document, chart: Chart, top: float, x: TimeScale) -> None:
    doc.set_fill_color(*SHOCK)
    for kind, _severity, start, _end, _peak in chart.marks:
        if kind == "shock" and chart.start <= start <= chart.end:
            at = x(start)
            doc.polygon([(at, top + 0.5), (at - 1.5, top + 3.2), (at + 1.5, top + 3.2)], style="F")
