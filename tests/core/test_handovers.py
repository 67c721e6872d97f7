"""The rules of hand-overs: how long a one-shipment link lasts, which hand-overs are plausible, who the
audit trail names, and how often a link may record."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from logistics.core.handovers import (
    LINK_USES,
    NAME_CHARACTERS,
    HandoverDraft,
    handover_problems,
    link_actor,
    link_expiry,
    uses_left,
)

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
GOOD = HandoverDraft(from_party="carrier", to_party="customs_broker", name="Siriporn K.", place="BKK", at=NOW,
                     seals_intact=True, packaging_intact=False, coolant_state="dry_ice_present", note="",
                     leg=3)
LEGS = frozenset({1, 2, 3, 4})


def test_a_link_lasts_until_the_planned_arrival_and_a_margin_within_a_day_and_a_month():
    assert link_expiry(NOW + timedelta(days=2), NOW) == NOW + timedelta(days=5)
    assert link_expiry(NOW - timedelta(days=10), NOW) == NOW + timedelta(days=1)  # late: still a day
    assert link_expiry(NOW + timedelta(days=90), NOW) == NOW + timedelta(days=30)
    assert link_expiry(None, NOW) == NOW + timedelta(days=14)
    assert link_expiry(datetime.max.replace(tzinfo=UTC), NOW) == NOW + timedelta(days=30)
    assert link_expiry(datetime.min.replace(tzinfo=UTC), NOW) == NOW + timedelta(days=1)


def test_a_plausible_hand_over_has_no_problem():
    assert handover_problems(GOOD, legs=LEGS, now=NOW) == {}
    assert handover_problems(replace(GOOD, leg=None, at=NOW + timedelta(minutes=9)), legs=LEGS, now=NOW) == {}


def test_each_implausible_field_is_named():
    bad = HandoverDraft(from_party="pharmacy", to_party="someone", name=" ", place="",
                        at=NOW + timedelta(hours=1), seals_intact=None, packaging_intact=None,
                        coolant_state="warm", note="x" * 1001, leg=9)
    problems = handover_problems(bad, legs=LEGS, now=NOW)
    assert set(problems) == {"from_party", "to_party", "name", "place", "at", "seals_intact",
                             "packaging_intact", "coolant_state", "note", "leg"}
    assert problems["at"] == "a hand-over cannot be recorded before it happens"
    old = handover_problems(replace(GOOD, at=NOW - timedelta(days=8)), legs=LEGS, now=NOW)
    assert old == {"at": "record a hand-over within a week of it"}
    long_name = handover_problems(replace(GOOD, name="n" * (NAME_CHARACTERS + 1)), legs=LEGS, now=NOW)
    assert long_name == {"name": f"at most {NAME_CHARACTERS} characters"}
    itself = handover_problems(replace(GOOD, from_party="shipper", to_party="shipper"), legs=LEGS, now=NOW)
    assert set(itself) == {"to_party"}


def test_the_trail_names_the_person_as_no_user_of_the_tracker():
    assert link_actor(" Anan T. ") == "Anan T. (hand-over link)"
    assert len(link_actor("x" * 200)) == 64 and link_actor("x" * 200).endswith(" (hand-over link)")


def test_a_link_records_a_limited_number_of_hand_overs_per_window():
    assert uses_left(LINK_USES - 1) and not uses_left(LINK_USES)
