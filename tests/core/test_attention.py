"""How urgently a shipment needs someone, the dashboard's order, and goods under way with no logger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from logistics.core.attention import Attention, Standing, Unwatched, standing, unwatched, urgency
from logistics.core.excursion_types import Window

T = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
H = timedelta(hours=1)


def test_the_most_severe_open_excursion_sets_the_level_and_its_newest_start_the_time():
    found = standing({"minor": T - H, "major": T - 2 * H, "critical": T - 5 * H}, [T], departed=T - 9 * H)
    assert found == Standing(Attention.CRITICAL, T - 5 * H)
    assert standing({"major": T - 2 * H}, [T - H], departed=T - 9 * H) == Standing(Attention.MAJOR, T - 2 * H)


def test_minor_excursions_and_the_other_concerns_share_a_level_and_the_newest_of_them_counts():
    assert standing({"minor": T - 3 * H}, [T - 4 * H, None, T - H], departed=T - 9 * H) == \
        Standing(Attention.OTHER, T - H)
    assert standing({}, [None], departed=T - 9 * H) == Standing(Attention.OTHER, None)  # when: not known


def test_with_nothing_wrong_a_shipment_stands_fine_since_it_departed():
    assert standing({}, [], departed=T - 9 * H) == Standing(Attention.NONE, T - 9 * H)
    assert Attention.NONE.word == "none" and Attention.OTHER.word == "other"


def test_most_urgent_first_the_newest_cause_first_and_fine_shipments_by_departure():
    rows = {
        "fine, departed last week": Standing(Attention.NONE, T - 168 * H),
        "silent logger since an hour ago": Standing(Attention.OTHER, T - H),
        "critical since yesterday": Standing(Attention.CRITICAL, T - 24 * H),
        "no logger, since unknown": Standing(Attention.OTHER, None),
        "major since just now": Standing(Attention.MAJOR, T),
        "fine, departed today": Standing(Attention.NONE, T - 2 * H),
        "critical since an hour ago": Standing(Attention.CRITICAL, T - H),
        "no logger since yesterday": Standing(Attention.OTHER, T - 24 * H),
        "fine, leaves tomorrow": Standing(Attention.NONE, T + 24 * H),
    }
    assert sorted(rows, key=lambda name: urgency(rows[name])) == [
        "critical since an hour ago", "critical since yesterday", "major since just now",
        "silent logger since an hour ago", "no logger since yesterday", "no logger, since unknown",
        "fine, departed last week", "fine, departed today", "fine, leaves tomorrow"]


moments = st.one_of(st.none(), st.integers(0, 10_000).map(lambda minutes: T - timedelta(minutes=minutes)))


@given(st.lists(st.builds(Standing, st.sampled_from(Attention), moments)))
def test_the_order_never_puts_a_less_urgent_or_an_older_cause_above_another(standings):
    ordered = sorted(standings, key=urgency)
    for above, below in zip(ordered, ordered[1:], strict=False):
        assert above.level <= below.level
        if above.level == below.level and below.since is not None:
            assert above.since is not None
            # the newest cause first; fine shipments in order of departure
            assert above.since >= below.since if above.level != Attention.NONE else above.since <= below.since


def test_goods_under_way_with_no_logger_recording_since_they_left():
    assert unwatched("in_transit", [], departed=T - 8 * H, now=T) == Unwatched(T - 8 * H)
    assert unwatched("arrived", [], departed=T - 8 * H, now=T) == Unwatched(T - 8 * H)
    assert unwatched("in_transit", [], departed=None, now=T) == Unwatched(None)


def test_a_logger_recording_now_watches_them():
    assert unwatched("in_transit", [Window(T - 10 * H)], departed=T - 8 * H, now=T) is None
    assert unwatched("in_transit", [Window(T - 10 * H, T + H)], departed=T - 8 * H, now=T) is None


def test_since_the_last_logger_stopped_when_that_was_after_they_left():
    windows = [Window(T - 10 * H, T - 9 * H), Window(T - 9 * H, T - 2 * H)]
    assert unwatched("in_transit", windows, departed=T - 8 * H, now=T) == Unwatched(T - 2 * H)
    assert unwatched("in_transit", [Window(T - 10 * H, T - 9 * H)], departed=T - 8 * H, now=T) == \
        Unwatched(T - 8 * H)


def test_a_logger_due_to_start_later_records_nothing_yet():
    assert unwatched("in_transit", [Window(T + H)], departed=T - 8 * H, now=T) == Unwatched(T - 8 * H)


def test_goods_in_the_warehouse_or_received_need_no_logger_from_this_rule():
    for status in ("planned", "packed", "received", "closed", "cancelled"):
        assert unwatched(status, [], departed=T - 8 * H, now=T) is None
