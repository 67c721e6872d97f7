"""Each reading's covered time (SPEC §2.1), one by one: by hand, and adding up to the engine's partition."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from logistics.core.coverage import covered_outside, covered_readings, outside_range
from logistics.core.excursion_types import Sample, Window
from logistics.core.excursions import evaluate
from logistics.readers.config_files import load_profiles

T0 = datetime(2026, 3, 14, 2, tzinfo=UTC)
FRIDGE = load_profiles()["refrigerated"]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_each_reading_covers_until_the_next_up_to_the_hold_and_the_last_one_delta():
    # Times 0, 10, 20, 60, 70 min: Δ = median(10, 10, 40, 10) = 10 min, H = 20 min.
    # Coverage: 600, 600, 1200 (40 min to the next, held 20), 600, and the last min(Δ, H) = 600 s.
    samples = [Sample(at(0), 5.0), Sample(at(10), 9.0), Sample(at(20), 12.0), Sample(at(60), 5.0),
               Sample(at(70), 1.0), Sample(at(70), 30.0), Sample(at(75), None, 12.0)]
    covered = covered_readings(samples, FRIDGE)
    assert [(reading.temperature_c, reading.covered_s) for reading in covered] == [
        (5.0, 600.0), (9.0, 600.0), (12.0, 1200.0), (5.0, 600.0), (1.0, 600.0)]  # repeated time: first kept
    assert [(reading.temperature_c, reading.end) for reading in outside_range(covered, FRIDGE)] == [
        (9.0, at(20)), (12.0, at(40)), (1.0, at(80))]


def test_a_live_window_covers_its_last_reading_until_now_within_the_hold():
    samples = [Sample(at(0), 5.0), Sample(at(10), 9.0)]
    assert covered_readings(samples, FRIDGE, live_until=at(14))[-1].covered_s == 240.0
    assert covered_readings(samples, FRIDGE, live_until=at(90))[-1].covered_s == 1200.0
    assert covered_readings(samples, FRIDGE, live_until=at(5))[-1].covered_s == 0.0
    assert covered_readings([], FRIDGE) == []


temperatures = st.one_of(st.none(), st.floats(-5, 15, allow_nan=False).map(lambda value: round(value, 1)))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 600), temperatures), max_size=40), st.none() | st.integers(0, 700))
def test_the_coverage_adds_up_to_the_engines_time_partition(points, live_minutes):
    samples = [Sample(at(minute), value) for minute, value in points]
    live_until = None if live_minutes is None else at(live_minutes)
    partition = evaluate(samples, FRIDGE, live_until=live_until).partition
    covered = covered_readings(samples, FRIDGE, live_until=live_until)
    outside = outside_range(covered, FRIDGE)
    assert abs(sum(reading.covered_s for reading in covered)
               - (partition.in_range_s + partition.out_of_range_s)) < 1e-6
    assert abs(sum(reading.covered_s for reading in outside) - partition.out_of_range_s) < 1e-6


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 600), st.floats(-5, 15).map(lambda c: round(c, 1))), max_size=40),
       st.integers(0, 800), st.booleans())
def test_the_readings_outside_alone_with_their_successors_cover_what_all_the_readings_do(points, end, live):
    samples = sorted({at(minute): Sample(at(minute), c) for minute, c in points}.values())
    window = Window(T0, None if live else at(end))
    until = at(end) if live else None
    whole = outside_range(covered_readings(samples, FRIDGE, live_until=until, window=window), FRIDGE)
    inside = [sample for sample in samples if window.holds(sample.time)]
    followers = [sample.time for sample in inside[1:]] + [None] * bool(inside)
    outside_rows = [(sample.time, sample.temperature_c, following)
                    for sample, following in zip(inside, followers, strict=True)
                    if not FRIDGE.min_c <= sample.temperature_c <= FRIDGE.max_c]
    cadence = evaluate(inside, FRIDGE, window=window, live_until=until).cadence
    assert covered_outside(outside_rows, FRIDGE, cadence, until if live else window.end) == whole


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 600), st.floats(-5, 15).map(lambda c: round(c, 1))), max_size=40),
       st.integers(0, 800))
def test_the_evaluation_keeps_the_time_outside_per_temperature_as_the_readings_cover_it(points, end):
    samples = sorted({at(minute): Sample(at(minute), c) for minute, c in points}.values())
    window = Window(T0, at(end))
    totals: dict[float, float] = {}
    for reading in outside_range(covered_readings(samples, FRIDGE, window=window), FRIDGE):
        totals[reading.temperature_c] = totals.get(reading.temperature_c, 0.0) + reading.covered_s
    kept = evaluate(samples, FRIDGE, window=window).outside_c
    assert [temperature for temperature, _ in kept] == sorted(totals)
    assert all(abs(seconds - totals[temperature]) < 1e-6 for temperature, seconds in kept)
