"""The excursion engine (SPEC §2.1): hand-made traces with the arithmetic written out, and its invariants."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logistics.core.excursion_rules import GAP_RULE_NAME, shock_rule_name
from logistics.core.excursion_types import Cadence, Excursion, Sample
from logistics.core.excursions import cadence_of, evaluate
from logistics.core.profiles import ProfileError, Rule, StorageProfile, parse_profiles
from logistics.readers.config_files import load_profiles

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
PROFILES = load_profiles()
FRIDGE = PROFILES["refrigerated"]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def trace(temperatures, every_minutes=1.0, start_minutes=0.0):
    """Readings `every_minutes` apart from T0 + `start_minutes`."""
    return [Sample(at(start_minutes + index * every_minutes), value)
            for index, value in enumerate(temperatures)]


def excursion(rule, kind, mode, severity, start, end, duration_s, peak):
    return Excursion(rule=rule, kind=kind, mode=mode, severity=severity, start=start, end=end,
                     duration_s=duration_s, peak=peak)


def fired(evaluation):
    return [item.rule for item in evaluation.excursions]


# --- Counting time -------------------------------------------------------------------------

def test_limits_are_inclusive_and_each_reading_covers_until_the_next():
    # Δ = 5 min, H = 10 min; each reading covers 300 s, the last min(Δ, H) = 300 s.
    # 2.0 and 8.0 are in range (limits inclusive), 8.01 above, 1.99 below.
    result = evaluate(trace([2.0, 8.0, 8.01, 1.99], every_minutes=5), FRIDGE)
    assert (result.partition.in_range_s, result.partition.above_s, result.partition.below_s,
            result.partition.no_data_s) == (600.0, 300.0, 300.0, 0.0)
    assert (result.start, result.end) == (at(0), at(20))
    assert result.cadence == Cadence(interval=timedelta(minutes=5), hold=timedelta(minutes=10))
    assert result.excursions == ()


def test_the_nominal_interval_is_the_median_difference():
    # differences 1, 2, 10 min → median 2 min; with an even count, the middle two are averaged.
    times = [at(0), at(1), at(3), at(13)]
    assert cadence_of(times, FRIDGE) == Cadence(timedelta(minutes=2), timedelta(minutes=4))
    assert cadence_of(times[:3], FRIDGE).interval == timedelta(seconds=90)  # (60 + 120) / 2
    assert cadence_of(times[:1], FRIDGE) == Cadence(timedelta(0), timedelta(0))
    held = replace(FRIDGE, max_hold_minutes=45)
    assert cadence_of(times, held) == Cadence(timedelta(minutes=2), timedelta(minutes=45))


def test_a_gap_longer_than_the_hold_is_no_data_and_an_excursion():
    # Readings at 0, 5, 10, 50, 55 min: Δ = median(5, 5, 40, 5) = 5 min, H = 10 min.
    # The reading at 10 covers 10 min (H); 10+10 = 20 → 50 is no data (30 min = 1800 s).
    samples = [Sample(at(minutes), 5.0) for minutes in (0, 5, 10, 50, 55)]
    result = evaluate(samples, FRIDGE)
    # in range: 300 + 300 + 600 + 300 + 300 (last: min(Δ, H)) = 1800 s
    assert (result.partition.in_range_s, result.partition.no_data_s) == (1800.0, 1800.0)
    assert result.excursions == (
        excursion(GAP_RULE_NAME, "no_data", "gap", "major", at(20), at(50), 1800.0, None),)


def test_a_gap_of_exactly_the_hold_is_not_a_gap():
    # Δ = median(5, 5, 10) = 5 min, H = 10 min: a 10-minute step is fully covered.
    result = evaluate([Sample(at(minutes), 5.0) for minutes in (0, 5, 10, 20)], FRIDGE)
    assert result.partition.no_data_s == 0.0 and result.excursions == ()


def test_a_gap_splits_a_run():
    # Δ = 5 min, H = 10 min. Above 8 °C at 5, 10, 15, 20 (then silence) and 60, 65.
    # First run: 300·3 + 600 (hold) = 1500 s = 25 min; second: 600 s. Each < 30 min, so no single event,
    # though 35 min would have fired without the gap. Cumulative: 2100 s < 3600 s.
    points = [(0, 5.0), (5, 9.0), (10, 9.0), (15, 9.5), (20, 10.0), (60, 9.0), (65, 9.0), (70, 5.0),
              (75, 5.0)]
    result = evaluate([Sample(at(minutes), value) for minutes, value in points], FRIDGE)
    assert fired(result) == [GAP_RULE_NAME]
    assert result.partition.above_s == 2100.0
    assert result.excursions[0].start == at(30) and result.excursions[0].end == at(60)


def test_the_last_reading_of_a_finished_record_covers_min_of_interval_and_hold():
    samples = trace([5.0, 5.0, 5.0], every_minutes=5)
    assert evaluate(samples, FRIDGE).end == at(15)  # 10 + min(5, 10)
    # A hold shorter than Δ caps every reading at H = 3 min, the last too (min(5, 3)); each 5-min step
    # is longer than H, so the 2 min after each of the first two readings are gaps of 120 s.
    held = evaluate(samples, replace(FRIDGE, max_hold_minutes=3))
    assert held.end == at(13)
    assert (held.partition.in_range_s, held.partition.no_data_s) == (540.0, 240.0)  # 3·180, 2·120
    assert fired(held) == [GAP_RULE_NAME, GAP_RULE_NAME]


def test_the_last_reading_of_a_live_shipment_covers_until_now_or_the_hold():
    samples = trace([5.0, 5.0, 5.0], every_minutes=5)  # Δ = 5 min, H = 10 min, last reading at 10
    assert evaluate(samples, FRIDGE, live_until=at(12)).end == at(12)  # min(now, 10 + 10)
    assert evaluate(samples, FRIDGE, live_until=at(60)).end == at(20)  # min(now, 10 + 10)
    assert evaluate(samples, FRIDGE, live_until=at(9)).end == at(10)  # now before the reading: nothing
    live = evaluate(samples, FRIDGE, live_until=at(60))
    assert (live.partition.in_range_s, live.partition.no_data_s, live.excursions) == (1200.0, 0.0, ())


def test_repeated_times_are_dropped_keeping_the_first():
    samples = [Sample(at(0), 5.0), Sample(at(1), 9.5), Sample(at(0), 9.0), Sample(at(2), 5.0)]
    result = evaluate(samples, FRIDGE)
    assert (result.readings, result.duplicates) == (3, 1)
    assert (result.stats.min_c, result.stats.max_c) == (5.0, 9.5)  # the 9.0 at 0 min is gone


def test_time_weighted_statistics():
    # Δ = median(10, 10, 30) = 10 min, H = 20 min; covered 600, 600, 1200 (30 > H), 600 s.
    # mean = (600·4 + 600·6 + 1200·7 + 600·3) / 3000 = 16200 / 3000 = 5.4
    samples = [Sample(at(minutes), value) for minutes, value in ((0, 4.0), (10, 6.0), (20, 7.0), (50, 3.0))]
    stats = evaluate(samples, FRIDGE).stats
    assert (stats.min_c, stats.max_c, stats.mean_c) == (3.0, 7.0, pytest.approx(5.4))
    assert stats.mean_c < stats.mkt_c < stats.max_c


def test_a_lone_reading_covers_nothing_but_still_has_statistics():
    # Δ = 0 (fewer than two readings) so H = 0: the span is empty; mean and MKT weigh readings equally.
    result = evaluate([Sample(at(0), -1.0)], FRIDGE)
    assert result.partition.total_s == 0.0 and (result.start, result.end) == (at(0), at(0))
    assert (result.stats.mean_c, result.stats.mkt_c) == (-1.0, -1.0)
    # A 0-minute rule fires on a run of no duration (0 ≥ 0); the 30-minute one does not.
    assert result.excursions == (
        excursion("freeze_below_0c", "below", "single", "critical", at(0), at(0), 0.0, -1.0),)


def test_no_readings_no_result():
    result = evaluate([], FRIDGE)
    assert (result.readings, result.start, result.stats, result.excursions) == (0, None, None, ())
    assert result.partition.total_s == 0.0 and not result.alarm


# --- Single-event rules of each built-in profile ----------------------------------------------

def test_refrigerated_above_8c_fires_at_30_covered_minutes_not_29():
    # 1-min readings: 5 °C, then n readings at 9 °C (each covering 60 s), then 5 °C twice.
    thirty = evaluate(trace([5.0] + [9.0] * 30 + [5.0, 5.0]), FRIDGE)
    # run at 1..30 min, 30·60 = 1800 s ≥ 30 min; ends where the reading at 30 stops covering: 31 min
    assert thirty.excursions == (
        excursion("above_8c_30min", "above", "single", "major", at(1), at(31), 1800.0, 9.0),)
    twenty_nine = evaluate(trace([5.0] + [9.0] * 29 + [5.0, 5.0]), FRIDGE)
    assert twenty_nine.excursions == ()
    assert twenty_nine.partition.above_s == 1740.0  # 29·60


def test_refrigerated_peak_is_the_highest_reading_of_the_run():
    result = evaluate(trace([5.0] + [8.5, 11.0, 9.0] * 12 + [5.0]), FRIDGE)
    assert [(item.rule, item.peak, item.duration_s) for item in result.excursions] == [
        ("above_8c_30min", 11.0, 2160.0)]  # 36 readings · 60 s


def test_refrigerated_cumulative_fires_when_the_budget_is_reached():
    # Three runs of 25 one-minute readings at 9 °C (each < 30 min), five at 5 °C between them:
    # runs start at 1, 31 and 61 min. After two runs 25 + 25 = 50 min are above 8 °C.
    temperatures = [5.0] + ([9.0] * 25 + [5.0] * 5) * 3 + [5.0]
    result = evaluate(trace(temperatures), FRIDGE)
    third_run_starts = 1 + 30 + 30  # minutes
    # budget 60 min: 50 min before the third run, + 10 more → third_run_starts + 10 min
    assert result.excursions == (
        excursion("above_8c_cumulative_60min", "above", "cumulative", "critical", at(third_run_starts + 10),
                  None, 4500.0, 9.0),)  # 75 min above in the window


def test_the_cumulative_moment_falls_inside_a_reading():
    rule = Rule(name="above_8c_cumulative_25min", kind="above", threshold_c=8.0, mode="cumulative",
                minutes=25, severity="major")
    profile = replace(FRIDGE, rules=(rule,))
    # 10-min readings 5, 9, 9, 5, 9, 9, 5: above at 10, 20 (1200 s), then 40 (reaches 1800 ≥ 1500):
    # reached at 40 min + (1500 − 1200) s = 45 min. Total above 2400 s; peak 9.
    result = evaluate(trace([5.0, 9.0, 9.0, 5.0, 9.0, 9.0, 5.0], every_minutes=10), profile)
    assert result.excursions == (
        excursion("above_8c_cumulative_25min", "above", "cumulative", "major", at(45), None, 2400.0, 9.0),)


def test_refrigerated_below_2c_and_freeze():
    # 5-min readings: 1.5 °C for 6 readings (30 min) → below_2c_30min; −0.5 °C once (5 min) → freeze at 0 min.
    result = evaluate(trace([5.0] + [1.5] * 6 + [5.0, -0.5, 5.0], every_minutes=5), FRIDGE)
    assert result.excursions == (
        excursion("below_2c_30min", "below", "single", "major", at(5), at(35), 1800.0, 1.5),
        # −0.5 °C is also below 2 °C, but only for 300 s
        excursion("freeze_below_0c", "below", "single", "critical", at(40), at(45), 300.0, -0.5),
    )
    assert result.partition.below_s == 2100.0  # 6·300 + 300


def test_crt_rules():
    crt = PROFILES["crt"]
    # 10-min readings: 26 °C × 6 = 60 min → above_25c_60min; one 30.5 °C (10 min) → above_30c;
    # 14 °C × 5 = 50 min is below 15 °C but under 60 min.
    temperatures = [20.0] + [26.0] * 6 + [20.0, 30.5, 20.0] + [14.0] * 5 + [20.0]
    result = evaluate(trace(temperatures, every_minutes=10), crt)
    assert result.excursions == (
        excursion("above_25c_60min", "above", "single", "major", at(10), at(70), 3600.0, 26.0),
        # 30.5 is above 25 too, but for 10 min only; it is the critical rule that fires
        excursion("above_30c", "above", "single", "critical", at(80), at(90), 600.0, 30.5),
    )
    assert result.partition.below_s == 3000.0


def test_frozen_rules():
    frozen = PROFILES["frozen"]
    # 5-min readings: −14 °C × 6 (30 min) → above_minus15c_30min; −9.5 °C once → above_minus10c.
    result = evaluate(trace([-20.0] + [-14.0] * 6 + [-20.0, -9.5, -20.0], every_minutes=5), frozen)
    assert [(item.rule, item.start, item.end, item.peak) for item in result.excursions] == [
        ("above_minus15c_30min", at(5), at(35), -14.0), ("above_minus10c", at(40), at(45), -9.5)]
    # −25 is the inclusive lower limit; −25.5 is below range but no rule watches it.
    cold = evaluate(trace([-25.0, -25.5, -25.0], every_minutes=5), frozen)
    assert (cold.partition.below_s, cold.excursions) == (300.0, ())


def test_dry_ice_rule_has_no_lower_limit():
    dry_ice = PROFILES["dry_ice"]
    # 5-min readings: −59 °C × 3 = 15 min → above_minus60c_15min; −78.5 °C is in range (no minimum).
    result = evaluate(trace([-78.5] + [-59.0] * 3 + [-78.5] * 2, every_minutes=5), dry_ice)
    assert result.excursions == (
        excursion("above_minus60c_15min", "above", "single", "critical", at(5), at(20), 900.0, -59.0),)
    assert (result.partition.in_range_s, result.partition.below_s) == (900.0, 0.0)


def test_ln2_vapour_fires_on_any_reading_above_minus_150c():
    ln2 = PROFILES["ln2_vapour"]
    result = evaluate(trace([-190.0, -149.5, -190.0, -150.0], every_minutes=15), ln2)
    assert result.excursions == (
        excursion("above_minus150c", "above", "single", "critical", at(15), at(30), 900.0, -149.5),)


# --- Live evaluation --------------------------------------------------------------------------

def test_a_run_still_going_in_a_live_shipment_has_no_end():
    samples = trace([5.0] + [9.0] * 35, every_minutes=1)  # above from 1 min; last reading at 35 min
    live = evaluate(samples, FRIDGE, live_until=at(35.5))
    # covered: 34 readings · 60 s + the last until now, 30 s = 2070 s
    assert live.excursions == (
        excursion("above_8c_30min", "above", "single", "major", at(1), None, 2070.0, 9.0),)
    finished = evaluate(samples, FRIDGE)
    assert finished.excursions[0].end == at(36) and finished.excursions[0].duration_s == 2100.0


def test_a_run_that_ended_before_the_last_reading_has_an_end_even_live():
    samples = trace([5.0] + [9.0] * 30 + [5.0] * 3)
    live = evaluate(samples, FRIDGE, live_until=at(40))
    assert [(item.start, item.end) for item in live.excursions] == [(at(1), at(31))]


# --- Shock events and shock-only readings -----------------------------------------------------

def test_shock_events_at_or_over_the_threshold():
    samples = [Sample(at(0), 5.0, 0.4), Sample(at(1), 5.0, 10.0), Sample(at(2), 5.0, 9.99),
               Sample(at(3), 5.0, 25.3), Sample(at(4), 5.0, None)]
    result = evaluate(samples, FRIDGE)
    assert shock_rule_name(FRIDGE.shock_g) == "shock_10g"
    assert result.excursions == (
        excursion("shock_10g", "shock", "event", "major", at(1), at(1), 0.0, 10.0),
        excursion("shock_10g", "shock", "event", "major", at(3), at(3), 0.0, 25.3),
    )


def test_a_profile_shock_threshold_names_the_rule():
    assert shock_rule_name(2.5) == "shock_2.5g"
    result = evaluate([Sample(at(0), 5.0, 3.0)], replace(FRIDGE, shock_g=2.5))
    assert fired(result) == ["shock_2.5g"]


def test_shock_only_readings_raise_events_but_take_no_part_in_temperature_time():
    temperatures = trace([5.0, 9.0, 5.0], every_minutes=10)
    shock_only = [Sample(at(5), None, 14.0), Sample(at(6), None, 1.0), Sample(at(40), None, 11.0)]
    with_shocks = evaluate(temperatures + shock_only, FRIDGE)
    without = evaluate(temperatures, FRIDGE)
    # Δ stays 10 min (shock-only times are not in it), the span stays 0 → 30 min
    for field in ("cadence", "partition", "stats", "start", "end"):
        assert getattr(with_shocks, field) == getattr(without, field)
    assert [(item.rule, item.start) for item in with_shocks.excursions] == [
        ("shock_10g", at(5)), ("shock_10g", at(40))]  # at 40 min it fills no gap and extends nothing
    assert with_shocks.readings == 6


def test_only_shock_readings():
    result = evaluate([Sample(at(0), None, 12.0)], FRIDGE)
    assert (result.stats, result.start, result.partition.total_s) == (None, None, 0.0)
    assert fired(result) == ["shock_10g"]


# --- Configuration ------------------------------------------------------------------------------

def test_gap_severity_comes_from_the_profile():
    parsed = parse_profiles({"cold_room": {"version": 3, "min_c": 2, "max_c": 8, "gap_severity": "critical",
                                           "max_hold_minutes": 15}})["cold_room"]
    assert (parsed.gap_severity, FRIDGE.gap_severity) == ("critical", "major")
    result = evaluate([Sample(at(0), 5.0), Sample(at(60), 5.0)], parsed)
    # H = 15 min: the reading at 0 covers 15 min, 15 → 60 min is a gap
    assert result.excursions == (
        excursion(GAP_RULE_NAME, "no_data", "gap", "critical", at(15), at(60), 2700.0, None),)
    with pytest.raises(ProfileError, match="gap_severity must be one of"):
        parse_profiles({"cold_room": {"version": 1, "max_c": 8, "gap_severity": "awful"}})


def test_an_explicit_cadence_replaces_the_one_measured():
    samples = trace([5.0, 5.0, 5.0], every_minutes=5)
    given = Cadence(interval=timedelta(minutes=1), hold=timedelta(minutes=2))
    result = evaluate(samples, FRIDGE, cadence=given)
    # each 5-min step: 2 min covered, 3 min gap; the last covers min(1, 2) = 1 min
    assert (result.partition.in_range_s, result.partition.no_data_s, result.end) == (300.0, 360.0, at(11))


# --- Properties -----------------------------------------------------------------------------------

offsets_us = st.integers(min_value=0, max_value=3 * 86_400 * 1_000_000)
temperature = st.floats(min_value=-40.0, max_value=40.0, allow_nan=False)
shock = st.none() | st.floats(min_value=0.0, max_value=50.0, allow_nan=False)
readings = st.lists(st.tuples(offsets_us, st.none() | temperature, shock), max_size=60,
                    unique_by=lambda reading: reading[0])
profiles = st.sampled_from(sorted(PROFILES.values(), key=lambda profile: profile.name))
live_untils = st.none() | offsets_us.map(lambda offset: T0 + timedelta(microseconds=offset))


def as_samples(rows):
    return [Sample(T0 + timedelta(microseconds=offset), value, g) for offset, value, g in rows]


@given(readings, profiles, live_untils)
def test_the_partition_adds_up_to_the_covered_span(rows, profile, live_until):
    result = evaluate(as_samples(rows), profile, live_until=live_until)
    if result.start is None:
        assert result.partition.total_s == 0.0
        return
    assert result.partition.total_s == pytest.approx((result.end - result.start).total_seconds(), abs=1e-6)
    gaps = sum(item.duration_s for item in result.excursions if item.kind == "no_data")
    assert gaps == pytest.approx(result.partition.no_data_s, abs=1e-6)


@given(st.data(), readings, profiles, live_untils)
def test_arrival_order_does_not_matter(data, rows, profile, live_until):
    shuffled = data.draw(st.permutations(rows))
    assert evaluate(as_samples(shuffled), profile, live_until=live_until) == \
        evaluate(as_samples(rows), profile, live_until=live_until)


@given(readings, profiles, live_untils)
def test_evaluation_is_idempotent(rows, profile, live_until):
    samples = as_samples(rows)
    first = evaluate(samples, profile, live_until=live_until)
    assert evaluate(samples, profile, live_until=live_until) == first
    redelivered = evaluate(samples + samples, profile, live_until=live_until)  # every reading twice
    assert redelivered == replace(first, duplicates=len(samples))


def in_range_temperature(profile: StorageProfile):
    low = profile.min_c if profile.min_c is not None else profile.max_c - 100.0
    return st.floats(min_value=low, max_value=profile.max_c, allow_nan=False)


@settings(max_examples=200)
@given(st.data(), profiles, st.integers(min_value=1, max_value=3600))
def test_in_range_readings_never_make_temperature_excursions(data, profile, step_s):
    values = data.draw(st.lists(in_range_temperature(profile), max_size=50))
    regular = [Sample(T0 + timedelta(seconds=index * step_s), value) for index, value in enumerate(values)]
    assert evaluate(regular, profile).excursions == ()  # evenly spaced: no gaps either
    rows = data.draw(st.lists(offsets_us, max_size=50, unique=True))
    irregular = [Sample(T0 + timedelta(microseconds=offset), values[index % len(values)] if values else 0.0)
                 for index, offset in enumerate(rows)] if values else []
    kinds = {item.kind for item in evaluate(irregular, profile).excursions}
    assert kinds <= {"no_data"}
