"""A logger's assignment window [a, b) (SPEC §2.1): time in it that no reading covers is no data, at its
edges too. Hand-made traces with the arithmetic written out."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from logistics.core.excursion_rules import GAP_RULE_NAME
from logistics.core.excursion_types import Excursion, Sample, Window
from logistics.core.excursions import evaluate
from logistics.readers.config_files import load_profiles

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
FRIDGE = load_profiles()["refrigerated"]  # 2–8 °C; above 8 °C 30 min single, 60 min cumulative


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def every_5_min(temperatures, start_minutes=0):
    """Readings 5 min apart: Δ = 5 min, H = 2Δ = 10 min."""
    return [Sample(at(start_minutes + 5 * index), value) for index, value in enumerate(temperatures)]


def gap(start, end):
    return Excursion(rule=GAP_RULE_NAME, kind="no_data", mode="gap", severity="major", start=start, end=end,
                     duration_s=(end - start).total_seconds(), peak=None)


def times(result):
    p = result.partition
    return p.in_range_s, p.above_s, p.below_s, p.no_data_s


# --- Before the first reading -------------------------------------------------------------------------

def test_the_time_before_the_first_reading_is_no_data_and_longer_than_h_an_excursion():
    # Window [0, 65 min); readings at 30, 35, … 60 min (7). [0, 30) = 1800 s no data, > H (600 s): a gap
    # from a = 0 to t₁ = 30. Each reading covers 300 s; the last, at 60, covers min(65 − 60, H) = 300 s.
    # In range 7 · 300 = 2100 s; 2100 + 1800 = 3900 s = the window's 65 min.
    result = evaluate(every_5_min([5.0] * 7, start_minutes=30), FRIDGE, window=Window(at(0), at(65)))
    assert times(result) == (2100.0, 0.0, 0.0, 1800.0)
    assert result.excursions == (gap(at(0), at(30)),)
    assert (result.start, result.end) == (at(30), at(65))
    assert result.edge_gaps == ((at(0), at(30)),)
    assert result.partition.total_s == 65 * 60


@pytest.mark.parametrize(("first_minutes", "is_excursion"), [(8, False), (10, False), (10 + 1 / 60, True)])
def test_a_leading_gap_is_an_excursion_only_when_longer_than_h(first_minutes, is_excursion):
    # H = 10 min: 8 min and exactly 10 min of no data before t₁ are counted, but no excursion; 10 min 1 s is.
    samples = every_5_min([5.0] * 5, start_minutes=first_minutes)
    result = evaluate(samples, FRIDGE, window=Window(at(0), samples[-1].time + timedelta(minutes=5)))
    assert result.partition.no_data_s == pytest.approx(first_minutes * 60)
    assert result.excursions == ((gap(at(0), at(first_minutes)),) if is_excursion else ())


def test_a_leading_gap_is_an_excursion_while_the_window_is_open_too():
    # The first reading ended it: it is known, not running. Open window, now = 60 min: the last reading
    # (55) covers 5 min; in range 6 · 300 = 1800 s, no data 1800 s before the first.
    result = evaluate(every_5_min([5.0] * 6, start_minutes=30), FRIDGE, window=Window(at(0)),
                      live_until=at(60))
    assert times(result) == (1800.0, 0.0, 0.0, 1800.0)
    assert result.excursions == (gap(at(0), at(30)),)


# --- After the last reading ---------------------------------------------------------------------------

def test_a_closed_window_counts_the_time_after_the_last_reading_and_makes_it_a_gap():
    # Window [0, 60 min); readings 0 … 30 min (7). b stands for the next reading: 30 covers min(30, H) =
    # 600 s, and [40, 60) = 1200 s is no data, a gap from tₙ + H = 40 to b = 60.
    # In range 6 · 300 + 600 = 2400 s; 2400 + 1200 = 3600 s = the window.
    result = evaluate(every_5_min([5.0] * 7), FRIDGE, window=Window(at(0), at(60)))
    assert times(result) == (2400.0, 0.0, 0.0, 1200.0)
    assert result.excursions == (gap(at(40), at(60)),)
    assert result.end == at(40) and result.edge_gaps == ((at(40), at(60)),)


def test_the_window_end_not_delta_bounds_the_last_reading():
    # b − tₙ = 8 min ≤ H: the last reading covers all 8 min (a file's would cover min(Δ, H) = 5 min).
    result = evaluate(every_5_min([5.0] * 7), FRIDGE, window=Window(at(0), at(38)))
    assert times(result) == (6 * 300.0 + 480.0, 0.0, 0.0, 0.0)
    assert result.excursions == () and result.edge_gaps == ()


def test_a_trailing_gap_in_a_closed_window_ends_a_run():
    # 9.5 °C from 0 to 30 min, window [0, 60): the run covers 6 · 300 + 600 = 2400 s ≥ 30 min, and the gap
    # after 40 min ends it there; 40 min beyond 8 °C stays under the 60-min cumulative budget.
    result = evaluate(every_5_min([9.5] * 7), FRIDGE, window=Window(at(0), at(60)))
    assert times(result) == (0.0, 2400.0, 0.0, 1200.0)
    above = Excursion(rule="above_8c_30min", kind="above", mode="single", severity="major", start=at(0),
                      end=at(40), duration_s=2400.0, peak=9.5)
    assert result.excursions == (above, gap(at(40), at(60)))


def test_an_open_window_counts_the_silence_up_to_now_but_it_is_no_excursion_yet():
    # Open window from 0, now = 60 min, readings 0 … 30 min at 9.5 °C: the last covers until
    # min(now, 30 + H) = 40; [40, 60) is no data (1200 s) but still running: no gap, and the run above
    # 8 °C has no end (nothing says it is over).
    result = evaluate(every_5_min([9.5] * 7), FRIDGE, window=Window(at(0)), live_until=at(60))
    assert times(result) == (0.0, 2400.0, 0.0, 1200.0)
    [above] = result.excursions
    assert (above.rule, above.start, above.end, above.duration_s) == ("above_8c_30min", at(0), None, 2400.0)
    assert result.edge_gaps == ((at(40), at(60)),)


def test_the_same_window_closed_later_equals_the_live_figures_up_to_then():
    # Live at now = 38 and closed at b = 38 count the same time: the window's end stands for the next reading.
    samples = every_5_min([5.0] * 7)
    live = evaluate(samples, FRIDGE, window=Window(at(0)), live_until=at(38))
    closed = evaluate(samples, FRIDGE, window=Window(at(0), at(38)))
    assert live.partition == closed.partition == replace(live.partition, in_range_s=6 * 300.0 + 480.0)


# --- No reading at all ---------------------------------------------------------------------------------

def test_a_window_without_readings_is_no_data_throughout():
    # Closed [0, 8 h): 28 800 s of no data, one gap from a to b (H = 0: no readings, no hold set).
    closed = evaluate([], FRIDGE, window=Window(at(0), at(480)))
    assert times(closed) == (0.0, 0.0, 0.0, 28800.0)
    assert closed.excursions == (gap(at(0), at(480)),)
    assert (closed.readings, closed.stats, closed.start, closed.end) == (0, None, None, None)
    assert closed.edge_gaps == ((at(0), at(480)),)
    # Open since 0, now = 3 h: 10 800 s so far, no excursion while it runs.
    still_open = evaluate([], FRIDGE, window=Window(at(0)), live_until=at(180))
    assert times(still_open) == (0.0, 0.0, 0.0, 10800.0) and still_open.excursions == ()
    # Not begun yet (assigned from 4 h, now = 3 h): nothing to count.
    assert evaluate([], FRIDGE, window=Window(at(240)), live_until=at(180)).partition.no_data_s == 0.0


def test_a_window_without_readings_no_longer_than_the_profiles_hold_is_no_excursion():
    held = replace(FRIDGE, max_hold_minutes=60)
    assert evaluate([], held, window=Window(at(0), at(60))).excursions == ()
    assert evaluate([], held, window=Window(at(0), at(61))).excursions == (gap(at(0), at(61)),)


def test_shock_only_readings_leave_the_window_without_data():
    result = evaluate([Sample(at(30), None, 12.0)], FRIDGE, window=Window(at(0), at(60)))
    assert result.partition.no_data_s == 3600.0
    assert [item.rule for item in result.excursions] == [GAP_RULE_NAME, "shock_10g"]


# --- What the window holds -------------------------------------------------------------------------------

def test_readings_outside_the_window_are_not_the_loggers_in_it():
    # Readings every 5 min from −30 to 90 min; window [0, 60): only 0 … 55 count (12), each 300 s.
    samples = every_5_min([5.0] * 25, start_minutes=-30)
    result = evaluate(samples, FRIDGE, window=Window(at(0), at(60)))
    assert (result.readings, result.start, result.end) == (12, at(0), at(60))
    assert times(result) == (3600.0, 0.0, 0.0, 0.0) and result.edge_gaps == ()


def test_without_a_window_the_readings_own_span_is_judged_as_before():
    # The file's rule (`logistics analyze`): no leading gap, and the last covers min(Δ, H).
    result = evaluate(every_5_min([5.0] * 7, start_minutes=30), FRIDGE)
    assert times(result) == (2100.0, 0.0, 0.0, 0.0) and result.excursions == () and result.edge_gaps == ()


def test_an_open_window_needs_now_and_a_closed_one_refuses_it():
    with pytest.raises(ValueError, match="open window"):
        evaluate([], FRIDGE, window=Window(at(0)))
    with pytest.raises(ValueError, match="open window"):
        evaluate([], FRIDGE, window=Window(at(0), at(60)), live_until=at(30))
