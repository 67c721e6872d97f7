import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logistics.core.geofence import (
    EARTH_RADIUS_M,
    Crossing,
    Fence,
    Fix,
    Tracks,
    distance_m,
    dwell_s,
    fence_problems,
    follow,
    tracks_from_json,
    tracks_to_json,
)

START = datetime(2026, 6, 1, 8, tzinfo=UTC)
BKK = Fence("BKK", 13.690, 100.750, 3000.0)  # margin 600 m: away beyond 3600 m


def north_of(fence: Fence, metres: float, minute: int) -> Fix:
    """A fix `metres` due north of the fence's centre (along a meridian the distance is exact)."""
    return Fix(START + timedelta(minutes=minute), fence.latitude + math.degrees(metres / EARTH_RADIUS_M),
               fence.longitude)


def track(distances: list[float], fence: Fence = BKK, tracks: Tracks | None = None, first: int = 0):
    fixes = [north_of(fence, metres, first + 5 * index) for index, metres in enumerate(distances)]
    return follow(tracks or Tracks(), [fence], fixes)


def test_distance_between_airports():
    # Hong Kong to Suvarnabhumi: about 1,690 km on the great circle
    assert distance_m(22.308, 113.918, 13.690, 100.750) == pytest.approx(1_690_000, rel=0.01)
    assert distance_m(13.69, 100.75, 13.69, 100.75) == 0.0


def test_arrives_at_the_first_fix_of_two_inside_and_leaves_at_the_first_of_two_beyond_the_margin():
    _, events = track([20_000, 2_900, 2_000, 500, 3_500, 3_700, 3_800, 50_000])
    assert [(event.crossing, event.at) for event in events] == [
        (Crossing.ENTERED, START + timedelta(minutes=5)),  # 2,900 m, confirmed by the next fix
        (Crossing.LEFT, START + timedelta(minutes=25)),  # 3,700 m: beyond 3,600 m (3,500 m is in the band)
    ]


def test_jitter_about_the_edge_and_a_stray_fix_change_nothing():
    _, events = track([1_000, 3_100, 2_990, 3_400, 2_950, 40_000, 1_000, 3_500])
    assert events == []  # started inside; the band and one stray fix never leave


def test_the_first_fix_is_where_it_starts_not_an_arrival():
    tracks, events = track([100, 200, 300])
    assert events == [] and tracks.fences["BKK"].inside
    assert dwell_s(tracks.fences["BKK"]) == 600  # from the first fix to the last


def test_fixes_not_after_the_last_one_taken_are_skipped():
    tracks, _ = track([20_000, 20_000])
    late = [north_of(BKK, 100, 1), north_of(BKK, 100, 2)]  # before the last fix: a decision once made stands
    again, events = follow(tracks, [BKK], late)
    assert events == [] and again == tracks


def test_overlapping_fences_are_followed_each_on_its_own():
    pharmacy = Fence("SIRIRAJ-PH", 13.759, 100.485, 600)
    manufacturing = Fence("SIRIRAJ-CM", 13.759, 100.485, 300)
    fixes = [north_of(pharmacy, metres, 5 * index)
             for index, metres in enumerate([9_000, 500, 400, 100, 100])]
    _, events = follow(Tracks(), [pharmacy, manufacturing], fixes)
    assert [(event.site, event.at) for event in events] == [
        ("SIRIRAJ-PH", START + timedelta(minutes=5)), ("SIRIRAJ-CM", START + timedelta(minutes=15))]


def test_tracks_survive_json():
    tracks, _ = track([20_000, 100])  # one fix of a run on its way in: the run must survive a restart
    assert tracks.fences["BKK"].run == 1
    assert tracks_from_json(tracks_to_json(tracks)) == tracks


@pytest.mark.parametrize(("values", "refused"), [
    ((None, None, None), set()),
    ((13.69, 100.75, 3000.0), set()),
    ((13.69, None, 3000.0), {"longitude"}),
    ((91.0, 100.75, 3000.0), {"latitude"}),
    ((13.69, 180.5, 3000.0), {"longitude"}),
    ((13.69, 100.75, 10.0), {"radius_m"}),
    ((13.69, 100.75, 60_000.0), {"radius_m"}),
    ((13.69, 100.75, float("nan")), {"radius_m"}),
])
def test_fence_problems(values, refused):
    assert set(fence_problems(*values)) == refused


distances = st.lists(st.floats(min_value=0, max_value=20_000), min_size=1, max_size=40)


@settings(max_examples=100, deadline=None)
@given(distances)
def test_crossings_alternate(metres):
    tracks, events = track(metres)
    first = tracks_from_json(tracks_to_json(tracks))  # and the state is what it says
    assert first == tracks
    starts_inside = metres[0] <= BKK.radius_m
    expected = [Crossing.LEFT, Crossing.ENTERED] if starts_inside else [Crossing.ENTERED, Crossing.LEFT]
    assert [event.crossing for event in events] == [expected[index % 2] for index in range(len(events))]


@settings(max_examples=100, deadline=None)
@given(distances, st.integers(min_value=1, max_value=39))
def test_taking_the_fixes_in_two_batches_gives_what_one_pass_gives(metres, cut):
    whole, events = track(metres)
    cut = min(cut, len(metres))
    half, first_events = track(metres[:cut])
    rest, later_events = track(metres[cut:], tracks=half, first=5 * cut)
    assert rest == whole and first_events + later_events == events


@settings(max_examples=100, deadline=None)
@given(st.floats(min_value=0, max_value=BKK.radius_m - 1),
       st.lists(st.floats(min_value=-BKK.margin_m + 1, max_value=BKK.margin_m - 1), min_size=1, max_size=40))
def test_jitter_within_the_margin_never_leaves(centre, jitter):
    """A logger standing inside the fence, its fixes scattered by less than the margin: no crossing."""
    _, events = track([abs(centre + noise) for noise in [0.0, *jitter]])
    assert events == []


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=20_000), min_size=2, max_size=40), st.booleans())
def test_single_stray_fixes_never_cross(metres, inside):
    """Every other fix stray, the rest where the logger is: a lone stray fix confirms nothing."""
    where = 1_000.0 if inside else 10_000.0
    _, events = track([where if index % 2 == 0 else stray for index, stray in enumerate(metres)])
    assert events == []
