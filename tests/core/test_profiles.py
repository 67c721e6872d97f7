import pytest

from logistics.core.excursion_rules import RangeState, range_state, watched_state
from logistics.core.profiles import ProfileError, parse_profiles
from logistics.readers.config_files import load_profiles


def rules_of(profile):
    return {(rule.kind, rule.threshold_c, rule.mode, rule.minutes, rule.severity)
            for rule in profile.rules}


def test_built_in_profiles_are_the_contract():
    profiles = load_profiles()
    assert set(profiles) == {"refrigerated", "crt", "frozen", "dry_ice", "ln2_vapour"}
    fridge = profiles["refrigerated"]
    assert (fridge.min_c, fridge.max_c, fridge.shock_g) == (2.0, 8.0, 10.0)
    assert rules_of(fridge) == {
        ("above", 8.0, "single", 30, "major"), ("above", 8.0, "cumulative", 60, "critical"),
        ("below", 2.0, "single", 30, "major"), ("below", 0.0, "single", 0, "critical"),
    }
    assert rules_of(profiles["crt"]) == {
        ("above", 25.0, "single", 60, "major"), ("below", 15.0, "single", 60, "major"),
        ("above", 30.0, "single", 0, "critical"),
    }
    assert (profiles["frozen"].min_c, profiles["frozen"].max_c) == (-25.0, -15.0)
    assert rules_of(profiles["dry_ice"]) == {("above", -60.0, "single", 15, "critical")}
    assert rules_of(profiles["ln2_vapour"]) == {("above", -150.0, "single", 0, "critical")}
    assert all(profile.version >= 1 for profile in profiles.values())


def test_a_side_no_rule_watches_is_not_out_of_range_for_the_dashboard():
    profiles = load_profiles()
    frozen, fridge = profiles["frozen"], profiles["refrigerated"]
    assert (frozen.watched_range, fridge.watched_range) == ((None, -15.0), (2.0, 8.0))
    assert range_state(-71.0, frozen) == RangeState.BELOW  # counted as time below the range …
    assert watched_state(-71.0, frozen) == RangeState.IN_RANGE  # … but no rule makes it a risk
    assert watched_state(-12.0, frozen) == RangeState.ABOVE
    assert watched_state(1.0, fridge) == RangeState.BELOW


@pytest.mark.parametrize(("body", "message"), [
    ({"min_c": 2}, "version is required"),
    ({"version": 1}, "needs min_c, max_c or both"),
    ({"version": 1, "min_c": 9, "max_c": 2}, "min_c is above max_c"),
    ({"version": 1, "max_c": 8, "rules": [{"name": "r", "kind": "sideways", "threshold_c": 8,
                                            "mode": "single", "minutes": 1,
                                            "severity": "major"}]}, "kind must be one of"),
    ({"version": 1, "max_c": 8, "rules": [{"name": "r"}]}, "rule 1: kind is required"),
])
def test_bad_profiles_are_refused_with_the_reason(body, message):
    with pytest.raises(ProfileError, match=message):
        parse_profiles({"custom": body})
