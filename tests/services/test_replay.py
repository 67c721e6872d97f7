"""Replay: a shipment's readings judged again under another profile, version or range, and compared with
its excursion records, changing nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from logistics.services.errors import InputError, NotFound
from logistics.services.replay import ReplayRequest, replay
from tests.conftest import NOW
from tests.services.test_profiles import (
    START,
    add_version,
    five_minutely,
    records,
    run_scan,
    send,
    stricter_refrigerated,
)

REFERENCE = "HG-2026-0045"  # refrigerated goods, LG-24003 and LG-24004 since NOW - 10 h
MINUTE = timedelta(minutes=1)


@pytest.fixture
def recorded(demo_runtime):
    """40 min at 9.5 °C on LG-24003, recorded under refrigerated v1 as above_8c_30min; then v2 exists."""
    send(demo_runtime, five_minutely(START, [5.0] * 36 + [9.5] * 8 + [5.0] * 20))
    run_scan(demo_runtime)
    add_version(demo_runtime, "refrigerated", stricter_refrigerated())
    return demo_runtime


def replayed(runtime, **request):
    with runtime.sessions() as session:
        return replay(session, REFERENCE, ReplayRequest(**request), runtime.profiles, now=NOW)


def test_the_version_it_was_judged_by_finds_what_was_recorded(recorded):
    result = replayed(recorded, profile="refrigerated@1")
    assert (result.profile.version, result.compared_with) == (1, ("refrigerated v1",))
    assert not result.diff.differs
    assert [(x.logger, x.rule) for x in result.diff.unchanged] == [("LG-24003", "above_8c_30min")]


def test_a_stricter_version_shows_the_rule_it_dropped_removed_and_its_own_added(recorded):
    before = records(recorded)
    result = replayed(recorded, profile="refrigerated")  # the current version: 2
    assert result.profile.version == 2
    [removed], [added] = result.diff.removed, result.diff.added
    assert (removed.rule, removed.start, removed.duration_s) == ("above_8c_30min", START + 180 * MINUTE, 2400)
    assert (added.logger, added.rule, added.start, added.duration_s, added.peak) == (
        "LG-24003", "above_8c_15min", START + 180 * MINUTE, 2400, 9.5)
    assert records(recorded) == before  # nothing recorded, withdrawn or changed


def test_a_changed_severity_or_a_moved_limit_is_shown_as_such(recorded):
    body = stricter_refrigerated()
    body["rules"] = [{**rule, "severity": "critical"} if rule["name"] == "above_8c_15min" else rule
                     for rule in body["rules"]]
    add_version(recorded, "refrigerated", body, reason="a quarter hour above 8 °C is critical")
    add_version(recorded, "refrigerated", {**body, "rules": [{**rule, "name": "above_8c_30min", "minutes": 30}
                                                             if rule["name"] == "above_8c_15min" else rule
                                                             for rule in body["rules"]]},
                reason="back to 30 minutes, critical")
    [change] = replayed(recorded, profile="refrigerated@4").diff.changed
    assert (change.after.rule, change.fields) == ("above_8c_30min", ("severity",))
    assert (change.before.severity, change.after.severity) == ("major", "critical")

    moved = replayed(recorded, profile="refrigerated@1", max_c=9.0)  # above 9 °C for 30 min still fires
    assert (moved.profile.max_c, [judged.rule for judged in moved.diff.added]) == (9.0, ["above_9c_30min"])
    assert [judged.rule for judged in moved.diff.removed] == ["above_8c_30min"]


def test_a_profile_that_judged_none_of_the_goods_is_compared_with_every_record(recorded):
    result = replayed(recorded, profile="crt")  # 15-25 °C: a fridge is 9 h below it
    assert result.compared_with == ("refrigerated v1",)
    assert [judged.rule for judged in result.diff.removed] == ["above_8c_30min"]
    assert {(judged.logger, judged.rule) for judged in result.diff.added} == {("LG-24003", "below_15c_60min")}


@pytest.mark.parametrize(("request_", "field", "problem"), [
    ({"profile": "chilled"}, "profile", "'chilled' is not a profile"),
    ({"profile": "refrigerated@7"}, "profile", "refrigerated has no version 7 (the newest is 2)"),
    ({"profile": "refrigerated@two"}, "profile", "a whole number"),
    ({"profile": "refrigerated", "min_c": 9.0}, "min_c", "min_c is above max_c"),
    ({"profile": "refrigerated", "max_c": float("nan")}, "max_c", "finite"),
    ({"profile": "refrigerated", "max_hold_minutes": -5.0}, "max_hold_minutes", "above 0"),
])
def test_what_cannot_be_judged_by_is_refused_naming_the_field(recorded, request_, field, problem):
    with pytest.raises(InputError) as refused:
        replayed(recorded, **request_)
    assert problem in refused.value.errors[field]


def test_without_a_profile_the_shipments_own_is_used_and_an_unknown_shipment_is_not_found(recorded):
    assert replayed(recorded).profile.name == "refrigerated"
    with recorded.sessions() as session, pytest.raises(NotFound):
        replay(session, "HG-1999-0001", ReplayRequest(), recorded.profiles, now=NOW)

