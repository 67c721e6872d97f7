"""The geometry of the server-drawn charts: scales, round ticks, the fan's polygons and markers, a lot's
allowance used over time; each on a desk's canvas and on a phone's."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from logistics.web import svg_chart
from logistics.web.svg_chart import BOTTOM, HEIGHT, LEFT, RIGHT, WIDTH, Scale

START = date(2026, 12, 6)


def parse(points: str) -> list[tuple[float, float]]:
    return [tuple(float(value) for value in pair.split(",")) for pair in points.split()]


def test_a_scale_maps_its_ends_and_flips_for_the_y_axis():
    x, y = Scale(0, 90, 50, 700), Scale(-10, 10, 230, 10)
    assert (x(0), x(45), x(90)) == (50, 375, 700)
    assert (y(-10), y(0), y(10)) == (230, 120, 10)


@pytest.mark.parametrize(("low", "high", "step"), [(0, 7, 2), (0, 1, 0.2), (-7.3, 60, 20), (0, 12_000, 5000)])
def test_steps_are_round_and_few(low, high, step):
    assert svg_chart.nice_step(low, high) == pytest.approx(step)


def test_a_value_span_takes_in_zero_and_ends_on_round_numbers():
    assert svg_chart.value_span([3.2, 14.5]) == (0, 15)
    assert svg_chart.value_span([-7, 0.5, 2]) == (-8, 2)
    assert svg_chart.value_span([0, 0]) == (0, 1)  # nothing to show still has a scale


def test_day_ticks_are_few_and_start_on_the_first_day():
    ticks = svg_chart.day_ticks(START, 90, Scale(0, 90, 50, 700))
    assert [tick.value for tick in ticks] == [START + timedelta(days=d) for d in (0, 30, 60, 90)]
    assert ticks[0].at == 50 and ticks[-1].at == 700


def fan_of(days=91, start=10.0, per_day=0.2, reorder=2.0, order_by=None, span=None):
    dates = [START + timedelta(days=d) for d in range(days)]
    median = [start - per_day * d for d in range(days)]
    bands = [[value + spread for value in median] for spread in (-3, -1, 0, 1, 3)]
    return svg_chart.fan(dates, bands, reorder_point=reorder, order_by=order_by, span=span), bands


def test_the_fan_is_two_closed_bands_around_the_median_within_the_plot():
    chart, bands = fan_of()
    outer, inner, median = parse(chart.outer), parse(chart.inner), parse(chart.median)
    assert len(outer) == len(inner) == 2 * 91 and len(median) == 91
    frame = chart.frame
    for x, y in outer + inner + median:
        assert frame.left <= x <= frame.right and frame.top <= y <= frame.bottom
    assert frame.right <= WIDTH and frame.bottom <= HEIGHT
    # The outer band runs along P5 and back along P95 (higher stock: higher up, smaller y).
    assert outer[0][0] == outer[-1][0] == frame.left and outer[0][1] > outer[-1][1]
    assert inner[0][1] < outer[0][1] and inner[-1][1] > outer[-1][1]  # the inner band lies inside
    assert median[0][1] < median[-1][1]  # stock falls as days pass


def test_the_reorder_and_zero_lines_and_the_order_by_marker():
    chart, _bands = fan_of(reorder=2.0, order_by=START + timedelta(days=45))
    y_ticks = {tick.value: tick.at for tick in chart.frame.y_ticks}
    assert chart.zero_y == pytest.approx(y_ticks[0])
    assert chart.frame.top < chart.reorder_y < chart.zero_y  # 2 above zero: a little higher up
    assert chart.order_by_x == pytest.approx((chart.frame.left + chart.frame.right) / 2)
    none_due, _bands = fan_of(order_by=None)
    assert none_due.order_by_x is None
    past, _bands = fan_of(order_by=START - timedelta(days=3))
    assert past.order_by_x is None  # off the chart: no marker


def test_fans_drawn_on_one_span_share_their_scale():
    span = svg_chart.value_span([-20, 30])
    low, _bands = fan_of(start=0, span=span)
    high, _bands = fan_of(start=20, span=span)
    assert [t.value for t in low.frame.y_ticks] == [t.value for t in high.frame.y_ticks]
    assert low.zero_y == high.zero_y and parse(low.median)[0][1] > parse(high.median)[0][1]


def test_the_enrolment_chart_steps_up_once_per_patient_against_a_straight_plan():
    sites = [(START - timedelta(days=120), 3.0)]  # 3 per 30 days since 120 days ago: 12 planned by now
    enrolled = [START - timedelta(days=d) for d in (100, 60, 59, 10)]
    chart = svg_chart.enrolment(enrolled, sites, target=10, today=START)
    assert chart.enrolled == 4 and chart.planned_now == 10  # the plan stops at the target
    steps = parse(chart.actual)
    assert len(steps) == 2 + 2 * len(enrolled) and steps[-1][0] == chart.frame.right
    ys = [y for _x, y in steps]
    assert ys == sorted(ys, reverse=True)  # never down
    assert len(parse(chart.planned)) == 121


def test_the_allowance_chart_climbs_with_the_hours_out_of_range_and_stays_flat_to_now():
    start = datetime(2026, 12, 6, 2, tzinfo=UTC)  # 09:00 in Bangkok
    hours = [(0, 0.0, 0.0), (6, 0.0, 0.0), (9, 3.0, 0.6), (12, 3.0, 0.6)]  # at, used, equivalent
    uses = [(start + timedelta(hours=at), used * 3600, equivalent * 3600) for at, used, equivalent in hours]
    chart = svg_chart.budget_use(uses, budget_s=8 * 3600.0, until=start + timedelta(days=1, hours=13),
                                 zone="Asia/Bangkok")
    used, equivalent = parse(chart.used), parse(chart.equivalent)
    assert len(used) == len(equivalent) == 5  # the four points, then flat to `until`
    # Days from Dec 6 00:00 local: the x axis spans 2 days (to Dec 7 22:00 → rounded up).
    width = WIDTH - RIGHT - LEFT
    assert used[0][0] == pytest.approx(LEFT + width * (9 / 24) / 2, abs=0.1)
    assert used[-1][0] == pytest.approx(LEFT + width * (46 / 24) / 2, abs=0.1)
    assert used[0][1] == used[1][1] == HEIGHT - BOTTOM  # nothing used yet: on the zero line
    assert used[2][1] == used[3][1] == used[4][1] < equivalent[2][1]  # 3 h above 0.6 h
    assert chart.budget_y < used[2][1]  # the 8 h allowance above the 3 h used
    assert [tick.value for tick in chart.frame.x_ticks] == [START, START + timedelta(days=1),
                                                           START + timedelta(days=2)]
    assert svg_chart.budget_use(uses, budget_s=None, until=start, zone="UTC").budget_y is None


# -- the narrow canvas, for a phone ---------------------------------------------------------------------

def fan_of_on(canvas, days=91):
    dates = [START + timedelta(days=d) for d in range(days)]
    bands = [[10.0 - 0.2 * d + spread for d in range(days)] for spread in (-3, -1, 0, 1, 3)]
    return svg_chart.fan(dates, bands, reorder_point=2.0, order_by=START + timedelta(days=45), canvas=canvas)


def test_every_chart_comes_on_both_canvases_the_wide_one_first():
    drawn = svg_chart.on_every_canvas(fan_of_on)
    assert [chart.frame.canvas for chart in drawn] == ["wide", "narrow"]
    assert [(chart.frame.width, chart.frame.height) for chart in drawn] == [(WIDTH, HEIGHT), (320, 230)]


@pytest.mark.parametrize("days", [2, 15, 91, 400, 3000])
def test_on_a_phone_the_fan_keeps_inside_its_canvas_with_a_few_dates_far_apart(days):
    chart = fan_of_on(svg_chart.NARROW, days=days)
    frame = chart.frame
    assert (frame.left, frame.right, frame.top, frame.bottom) == (48, 320 - 26, 10, 230 - 30)
    for x, y in parse(chart.outer) + parse(chart.median):
        assert frame.left <= x <= frame.right and frame.top <= y <= frame.bottom
    ticks = [tick.at for tick in frame.x_ticks]
    assert 2 <= len(ticks) <= 4, ticks  # three intervals at most: a date label is about 45 px wide
    assert min(b - a for a, b in zip(ticks, ticks[1:], strict=False)) >= 60
    wide = fan_of_on(svg_chart.WIDE, days=days).frame
    assert len(wide.x_ticks) <= 7 and len(ticks) <= len(wide.x_ticks)


def test_the_enrolment_and_allowance_charts_are_drawn_on_the_canvas_asked_for():
    sites = [(START - timedelta(days=240), 1.0)]
    enrolled = [START - timedelta(days=d) for d in (205, 150, 96, 41, 12)]
    narrow = svg_chart.enrolment(enrolled, sites, target=12, today=START, canvas=svg_chart.NARROW)
    assert narrow.frame.canvas == "narrow" and len(narrow.frame.x_ticks) <= 4
    assert max(x for x, _y in parse(narrow.actual)) == narrow.frame.right == 320 - 26
    start = datetime(2026, 12, 6, 2, tzinfo=UTC)
    uses = [(start, 0.0, 0.0), (start + timedelta(days=30), 3600.0, 900.0)]
    use = svg_chart.budget_use(uses, budget_s=72 * 3600.0, until=start + timedelta(days=200),
                               zone="Asia/Bangkok", canvas=svg_chart.NARROW)
    assert use.frame.canvas == "narrow" and len(use.frame.x_ticks) <= 4
    assert use.frame.top <= use.budget_y <= use.frame.bottom


def test_day_ticks_over_many_years_still_keep_to_their_count():
    ticks = svg_chart.day_ticks(START, 10 * 365, Scale(0, 10 * 365, 48, 294), count=3)
    assert len(ticks) <= 4 and (ticks[1].value - ticks[0].value).days % 365 == 0
