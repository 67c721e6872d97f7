"""Pairing the excursions a replay finds with those recorded: added, removed, changed, unchanged."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from logistics.core.replay import Judged, diff_excursions

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def judged(rule="above_8c_30min", start_min=0, minutes=40, logger="LG-1", peak=9.5, severity="major"):
    start = T0 + timedelta(minutes=start_min)
    return Judged(logger=logger, rule=rule, kind="above", mode="single", severity=severity, start=start,
                  end=start + timedelta(minutes=minutes), duration_s=minutes * 60.0, peak=peak)


def test_the_same_excursion_judged_alike_is_unchanged():
    diff = diff_excursions([judged()], [judged()])
    assert (diff.added, diff.removed, diff.changed, len(diff.unchanged)) == ((), (), (), 1)
    assert not diff.differs


def test_another_rule_is_one_removed_and_one_added():
    diff = diff_excursions([judged()], [judged(rule="above_8c_15min")])
    assert [x.rule for x in diff.removed] == ["above_8c_30min"]
    assert [x.rule for x in diff.added] == ["above_8c_15min"]


def test_an_overlapping_excursion_of_the_same_rule_is_changed_naming_what_differs():
    before = judged(start_min=0, minutes=40)
    after = judged(start_min=10, minutes=45, peak=11.0, severity="critical")
    [change] = diff_excursions([before], [after]).changed
    assert change.fields == ("severity", "start", "end", "duration_s", "peak")
    assert (change.before, change.after) == (before, after)


def test_same_rule_on_another_logger_or_at_another_time_is_not_the_same_excursion():
    diff = diff_excursions([judged(logger="LG-1")], [judged(logger="LG-2"), judged(start_min=120)])
    assert len(diff.removed) == 1 and len(diff.added) == 2 and not diff.changed


def test_a_running_excursion_overlaps_whatever_starts_after_it():
    running = replace(judged(), end=None)
    [change] = diff_excursions([running], [judged(start_min=30, minutes=20)]).changed
    assert "end" in change.fields


def test_a_float_that_only_rounding_moved_is_not_a_change():
    diff = diff_excursions([judged(peak=9.5)], [judged(peak=9.5 + 1e-9)])
    assert len(diff.unchanged) == 1


excursions = st.lists(st.builds(judged, rule=st.sampled_from(["a", "b"]), start_min=st.integers(0, 600),
                                minutes=st.integers(1, 120), logger=st.sampled_from(["LG-1", "LG-2"]),
                                peak=st.sampled_from([9.0, 10.0])),
                      max_size=8, unique_by=lambda x: (x.logger, x.rule, x.start))  # as one judgement gives


@given(excursions, excursions)
def test_every_excursion_is_accounted_for_once(recorded, replayed):
    diff = diff_excursions(recorded, replayed)
    assert len(diff.added) + len(diff.changed) + len(diff.unchanged) == len(replayed)
    assert len(diff.removed) + len(diff.changed) + len(diff.unchanged) == len(recorded)


@given(excursions)
def test_judging_alike_changes_nothing(found):
    diff = diff_excursions(found, list(reversed(found)))
    assert not diff.differs and len(diff.unchanged) == len(found)
