"""Carrying an evaluation on with new readings gives what evaluating the whole window again gives, over a
file's own span and over a logger's assignment window alike."""

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from logistics.core.excursion_progress import Progress
from logistics.core.excursion_types import Sample, Window
from logistics.core.excursions import evaluate, evaluate_with_progress, resume
from logistics.readers.config_files import load_profiles

T0 = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
PROFILES = load_profiles()
FRIDGE = PROFILES["refrigerated"]
NOW = T0 + timedelta(days=2)


def every_minute(temperatures, start=0):
    return [Sample(T0 + timedelta(minutes=start + index), value) for index, value in enumerate(temperatures)]


def later_than(samples, moment):
    return [sample for sample in samples if moment is None or sample.time >= moment]


def test_resuming_reads_only_from_the_last_reading_and_matches_the_whole():
    history = every_minute([5.0] * 100 + [9.0] * 20)
    _, progress = evaluate_with_progress(history, FRIDGE, live_until=NOW)
    assert progress.resume_at == history[-1].time and progress.readings == 119
    new = every_minute([9.0] * 15 + [5.0], start=120)
    resumed, _ = resume(progress, [history[-1], *new], FRIDGE, live_until=NOW)
    whole = evaluate(history + new, FRIDGE, live_until=NOW)
    assert resumed == replace(whole, since=history[-1].time)
    [above] = resumed.excursions  # the run that began before the resumed part, now closed
    assert (above.rule, above.start, above.duration_s) == ("above_8c_30min", history[100].time, 35 * 60)


def test_progress_stored_before_the_time_outside_was_kept_is_evaluated_afresh():
    history = every_minute([5.0] * 100 + [9.0] * 20)
    _, progress = evaluate_with_progress(history, FRIDGE, live_until=NOW)
    assert progress.outside_us == {"9.0": 19 * 60 * 1_000_000}  # the last reading is read again on resuming
    older = json.loads(progress.to_json())
    del older["outside_us"]
    assert resume(Progress.from_json(json.dumps(older)), history[-1:], FRIDGE, live_until=NOW) is None


def test_progress_survives_being_stored_as_json():
    _, progress = evaluate_with_progress(every_minute([9.0, 1.0, -1.0, 5.0] * 30), FRIDGE)
    assert Progress.from_json(progress.to_json()) == progress


def test_it_declines_what_it_cannot_carry_on_exactly():
    history = every_minute([5.0] * 10)
    _, progress = evaluate_with_progress(history, FRIDGE)
    too_early = [history[-3], *history[-1:]]
    assert resume(progress, too_early, FRIDGE) is None  # a reading before where it stopped
    assert resume(progress, every_minute([5.0], start=10), FRIDGE) is None  # the last reading is missing
    slower = [history[-1], *[Sample(history[-1].time + timedelta(minutes=5 * n), 5.0) for n in range(1, 12)]]
    assert resume(progress, slower, FRIDGE) is None  # Δ would change from 1 to 5 minutes
    other = replace(FRIDGE, version=FRIDGE.version + 1)
    assert resume(progress, history[-1:], other) is None  # judged by other rules


# Regular traces: steps of mostly one minute, some longer (gaps), so that Δ stays one minute.
steps_s = st.lists(st.sampled_from([60, 60, 60, 60, 60, 30, 90, 400]), min_size=2, max_size=80)
temperature = st.sampled_from([-1.0, 1.5, 2.0, 5.0, 8.0, 8.5, 12.0, 26.0, 31.0])
shock = st.sampled_from([None, None, None, 2.0, 12.0])


@settings(max_examples=300)
@given(st.data(), steps_s, st.booleans())
def test_any_split_resumed_equals_the_whole(data, steps, live):
    times, moment = [], T0
    for step in steps:
        moment += timedelta(seconds=step)
        times.append(moment)
    samples = [Sample(time, data.draw(st.none() | temperature if index % 7 == 3 else temperature),
                      data.draw(shock)) for index, time in enumerate(times)]
    split = data.draw(st.integers(min_value=1, max_value=len(samples)))
    live_until = times[-1] + timedelta(minutes=data.draw(st.integers(0, 10))) if live else None
    profile = data.draw(st.sampled_from(sorted(PROFILES.values(), key=lambda p: p.name)))

    before, progress = evaluate_with_progress(samples[:split], profile, live_until=live_until)
    resumed = resume(progress, later_than(samples, progress.resume_at), profile, live_until=live_until)
    whole = evaluate(samples, profile, live_until=live_until)
    assume(resumed is not None)  # declined when Δ is not certainly unchanged (the test above)
    evaluation, _ = resumed
    assert replace(evaluation, excursions=(), since=None) == replace(whole, excursions=())
    since = progress.resume_at
    settled = {item for item in before.excursions
               if since is not None and item.mode != "cumulative" and item.end is not None
               and item.end <= since and not (item.kind == "shock" and item.start >= since)}
    assert set(whole.excursions) == settled | set(evaluation.excursions)
    assert all(item in whole.excursions for item in evaluation.excursions)


@settings(max_examples=300)
@given(st.data(), steps_s, st.booleans())
def test_any_split_of_a_window_resumed_equals_the_whole(data, steps, closed):
    # The first evaluation ran while the window was open, up to its newest reading; the next one carries
    # it on over the window as it stands now: closed at b, or still open until now.
    times, moment = [], T0
    for step in steps:
        moment += timedelta(seconds=step)
        times.append(moment)
    samples = [Sample(time, data.draw(st.none() | temperature if index % 7 == 3 else temperature),
                      data.draw(shock)) for index, time in enumerate(times)]
    start = T0 + timedelta(seconds=60) - timedelta(minutes=data.draw(st.integers(0, 30)))
    end = times[-1] + timedelta(minutes=data.draw(st.integers(0, 30)), seconds=1)
    window, live_until = (Window(start, end), None) if closed else (Window(start), end)
    split = data.draw(st.integers(min_value=1, max_value=len(samples)))
    profile = data.draw(st.sampled_from(sorted(PROFILES.values(), key=lambda p: p.name)))

    before, progress = evaluate_with_progress(samples[:split], profile, window=Window(start),
                                              live_until=times[split - 1])
    resumed = resume(progress, later_than(samples, progress.resume_at), profile, window=window,
                     live_until=live_until)
    whole = evaluate(samples, profile, window=window, live_until=live_until)
    assume(resumed is not None)
    evaluation, _ = resumed
    assert replace(evaluation, excursions=(), since=None) == replace(whole, excursions=())
    since = progress.resume_at
    settled = {item for item in before.excursions
               if since is not None and item.mode != "cumulative" and item.end is not None
               and item.end <= since and not (item.kind == "shock" and item.start >= since)}
    assert set(whole.excursions) == settled | set(evaluation.excursions)
    assert all(item in whole.excursions for item in evaluation.excursions)
    window_s = (end - start).total_seconds()
    assert whole.partition.total_s == pytest.approx(window_s)  # the window, every second accounted for


def test_a_window_that_begins_elsewhere_is_evaluated_again():
    history = every_minute([5.0] * 10, start=30)
    _, progress = evaluate_with_progress(history, FRIDGE, window=Window(T0), live_until=NOW)
    assert resume(progress, history[-1:], FRIDGE, window=Window(T0 + timedelta(minutes=5)),
                  live_until=NOW) is None
    assert resume(progress, history[-1:], FRIDGE, live_until=NOW) is None  # a file's span is not a window
    resumed, _ = resume(progress, history[-1:], FRIDGE, window=Window(T0), live_until=NOW)
    assert resumed.partition.no_data_s == evaluate(history, FRIDGE, window=Window(T0),
                                                   live_until=NOW).partition.no_data_s


def test_progress_stored_before_windows_is_not_carried_on_over_one():
    history = every_minute([5.0] * 10)
    _, progress = evaluate_with_progress(history, FRIDGE, live_until=NOW)
    stored = json.loads(progress.to_json())
    del stored["window_start"]  # as an earlier version stored it
    old = Progress.from_json(json.dumps(stored))
    assert old.window_start is None
    assert resume(old, history[-1:], FRIDGE, window=Window(T0), live_until=NOW) is None
