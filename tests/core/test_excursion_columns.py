"""Readings folded in bulk, as columns, give exactly what folding them one by one gives: the same
excursions, time partition, statistics (MKT bit for bit) and progress to resume from."""

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logistics.core.excursion_types import Sample, Window
from logistics.core.excursions import evaluate_with_progress, resume
from logistics.core.mkt import RunningMeans
from logistics.core.reading_columns import ReadingColumns
from logistics.readers.config_files import load_profiles

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
PROFILES = sorted(load_profiles().values(), key=lambda profile: profile.name)
BANGKOK = timezone(timedelta(hours=7))

# Mostly one-minute steps, some jitter, repeats (0) and gaps; mostly in range for the fridge.
steps_s = st.lists(st.sampled_from([60, 60, 60, 60, 60, 60, 0, 30, 61.5, 90, 400, 7200]), min_size=1,
                   max_size=150)
temperature = st.sampled_from([5.0, 5.0, 5.0, 4.25, 6.5, 0.0, -0.0, -1.0, 1.5, 2.0, 8.0, 8.5, 12.0, 26.0,
                               31.0, -20.0, -70.0])
shock = st.sampled_from([None, None, None, None, 2.0, 12.0])


def series(data, steps):
    samples, moment = [], T0
    for step in steps:
        moment += timedelta(seconds=step)
        zone = data.draw(st.sampled_from([UTC, UTC, BANGKOK]))  # the same instant, written in another zone
        value = data.draw(st.none() | temperature if data.draw(st.integers(0, 9)) == 0 else temperature)
        reading_shock = data.draw(shock)
        if value is None and reading_shock is None:
            reading_shock = 0.5
        samples.append(Sample(moment.astimezone(zone), value, reading_shock))
    return data.draw(st.permutations(samples)) if data.draw(st.booleans()) else samples


@settings(max_examples=300, deadline=None)
@given(st.data(), steps_s, st.sampled_from(["file", "live", "open window", "closed window"]))
def test_bulk_folding_equals_folding_one_by_one(data, steps, how):
    samples = series(data, steps)
    profile = data.draw(st.sampled_from(PROFILES))
    last = max(sample.time for sample in samples)
    live_until = last + timedelta(minutes=data.draw(st.integers(0, 10))) if how in ("live", "open window") \
        else None
    window = None
    if how.endswith("window"):
        start = T0 + timedelta(minutes=data.draw(st.integers(-30, 30)))
        window = Window(start, None if how == "open window" else last + timedelta(minutes=20))

    one_by_one = evaluate_with_progress(samples, profile, live_until=live_until, window=window)
    in_bulk = evaluate_with_progress(ReadingColumns.from_samples(samples), profile, live_until=live_until,
                                     window=window)
    assert in_bulk == one_by_one

    later = [sample for sample in samples if sample.time >= one_by_one[1].resume_at] \
        if one_by_one[1].resume_at else samples
    carried = {"live_until": live_until, "window": window}
    assert resume(in_bulk[1], ReadingColumns.from_samples(later), profile, **carried) \
        == resume(one_by_one[1], later, profile, **carried)


def test_a_month_of_readings_goes_the_bulk_way_and_matches_folding_in_short_pieces():
    samples = [Sample(T0 + timedelta(minutes=minute), 9.5 if minute % 4320 < 60 else 5 + minute % 97 / 40,
                      12.5 if minute % 5000 == 7 else None) for minute in range(525_600 // 12)]
    fridge = load_profiles()["refrigerated"]
    whole, _ = evaluate_with_progress(samples, fridge)  # a list this long is taken as columns
    pieces = [evaluate_with_progress(samples[:300], fridge)[1]]
    for begin in range(300, len(samples), 300):  # each piece short enough to fold one by one
        carried = resume(pieces[-1], samples[begin - 1:begin + 300], fridge)
        assert carried is not None
        pieces.append(carried[1])
    assert (whole.stats, whole.partition) == (carried[0].stats, carried[0].partition)
    # An hour above 8 °C every three days (11 of them, and the 60-minute budget once), and 9 shocks.
    assert len(whole.excursions) == 11 + 1 + 9


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(-200, 100), st.sampled_from([0, 1, 60, 60, 60, 3600])), min_size=64,
                max_size=400), st.floats(20, 200))
def test_running_means_in_bulk_add_up_bit_for_bit(readings, energy_kj):
    one_by_one, in_bulk = RunningMeans.for_energy(energy_kj), RunningMeans.for_energy(energy_kj)
    temperatures, weights = [value for value, _ in readings], [weight for _, weight in readings]
    one_by_one.extend(temperatures, weights)
    in_bulk.extend(np.array(temperatures), np.array(weights))
    assert in_bulk == one_by_one


def test_running_means_in_bulk_refuse_what_one_by_one_refuses():
    means = RunningMeans.for_energy()
    with pytest.raises(ValueError, match="negative"):
        means.extend(np.full(100, 5.0), np.array([60.0] * 99 + [-1.0]))
    with pytest.raises(ValueError, match="absolute zero"):
        means.extend(np.array([5.0] * 99 + [-300.0]), np.full(100, 60.0))
    assert means == RunningMeans.for_energy()
