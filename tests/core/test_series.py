"""Chart series: buckets keep each one's first, last, lowest and highest reading, and merge exactly."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from logistics.core.series import (
    LEVELS_S,
    Bucket,
    Chart,
    Series,
    bucket_start,
    envelope,
    level_for,
    merged_spans,
    summarise,
)

T0 = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def test_a_bucket_keeps_the_four_readings_a_chart_needs():
    readings = [(at(s), t, None) for s, t in ((0, 5.0), (10, 3.0), (20, 9.5), (30, 9.5), (50, 6.0))]
    [bucket] = summarise(readings, 60).values()
    assert bucket.count == 5
    assert bucket.points() == [(at(0), 5.0), (at(10), 3.0), (at(20), 9.5), (at(50), 6.0)]


def test_buckets_are_aligned_on_the_epoch_and_shocks_are_kept_apart():
    assert bucket_start(at(59), 60) == T0 and bucket_start(at(60), 60) == at(60)
    assert bucket_start(T0 + timedelta(minutes=35), 3600) == T0
    buckets = summarise([(at(5), None, 14.0), (at(65), 5.0, 2.0)], 60)
    assert buckets[T0].count == 0 and buckets[T0].max_shock_g == 14.0 and buckets[T0].points() == []


def test_the_level_is_the_finest_that_fits():
    assert level_for(timedelta(hours=10), 1000) == 60
    assert level_for(timedelta(days=5), 1000) == 600
    assert level_for(timedelta(days=30), 1000) == 3600
    assert level_for(timedelta(days=3000), 1000) == LEVELS_S[-1]


readings = st.lists(
    st.tuples(st.integers(0, 4 * 3600), st.none() | st.floats(-30, 40), st.none() | st.floats(0, 30)),
    max_size=80, unique_by=lambda reading: reading[0])


@given(readings, st.integers(0, 80), st.sampled_from(LEVELS_S))
def test_summaries_of_parts_merge_into_the_summary_of_the_whole(rows, split, level):
    timed = [(at(seconds), temperature, shock) for seconds, temperature, shock in rows]
    whole = summarise(timed, level)
    merged: dict[datetime, Bucket] = summarise(timed[:split], level)
    for start, bucket in summarise(timed[split:], level).items():
        if start in merged:
            merged[start].merge(bucket)
        else:
            merged[start] = bucket
    assert merged == whole


@given(readings, st.sampled_from(LEVELS_S))
def test_the_envelope_keeps_every_extreme_and_the_first_and_last_reading(rows, level):
    timed = sorted((at(seconds), temperature, shock) for seconds, temperature, shock in rows)
    points = envelope(summarise(timed, level).values())
    temperatures = [(time, value) for time, value, _ in timed if value is not None]
    assert points == sorted(points)
    if temperatures:
        assert points[0] == temperatures[0] and points[-1] == temperatures[-1]
        assert min(value for _, value in points) == min(value for _, value in temperatures)
        assert max(value for _, value in points) == max(value for _, value in temperatures)
        assert len(points) <= 4 * len({bucket_start(time, level) for time, _ in temperatures})


def test_no_data_spans_are_cut_to_the_chart_and_joined_where_they_meet():
    # Edges and gaps as the evaluations and the records give them: overlapping, touching, repeated.
    spans = [(at(600), at(900)), (at(-300), at(120)), (at(800), at(1000)), (at(1000), at(1100)),
             (at(600), at(900)), (at(2000), at(2400)), (at(1500), at(1500))]
    assert merged_spans(spans, at(0), at(2200)) == [(at(0), at(120)), (at(600), at(1100)),
                                                     (at(2000), at(2200))]
    assert merged_spans(spans, at(1200), at(1900)) == []


def test_a_chart_hands_its_no_data_to_the_page_in_unix_milliseconds():
    chart = Chart(logger="LG-24004", start=at(0), end=at(3600), low_c=2.0, high_c=8.0,
                  series=Series(level_s=60, points=[], shocks=[]), marks=[], no_data=[(at(0), at(3600))])
    ms = int(T0.timestamp() * 1000)
    assert chart.as_json()["no_data"] == [[ms, ms + 3_600_000]]
