"""What a new version of a profile or an allowance changed against the one before."""

from __future__ import annotations

from dataclasses import replace

from logistics.core.allowances import ItemAllowance
from logistics.core.version_changes import Change, allowance_changes, profile_changes
from logistics.readers.config_files import load_profiles


def test_settings_then_rules_removed_added_and_changed():
    before = load_profiles()["refrigerated"]
    rules = list(before.rules)
    rules[1] = replace(rules[1], minutes=45)  # the cumulative rule
    after = replace(before, version=2, max_c=10.0, label="Fridge",
                    rules=(replace(rules[0], name="above_8c_15min", minutes=15), *rules[1:]))
    assert profile_changes(before, after) == (
        Change("label", "Refrigerated, 2–8 °C", "Fridge"),
        Change("max_c", 8.0, 10.0),
        Change("", "above 8 °C, single 30 min, major", None, rule="above_8c_30min"),
        Change("", None, "above 8 °C, single 15 min, major", rule="above_8c_15min"),
        Change("minutes", 60.0, 45.0, rule="above_8c_cumulative_60min"),
    )
    assert profile_changes(before, after)[-1].what == "rule above_8c_cumulative_60min minutes"


def test_a_first_version_changes_nothing_and_an_equal_one_neither():
    profile = load_profiles()["frozen"]
    assert profile_changes(None, profile) == ()
    assert profile_changes(profile, replace(profile, version=2)) == ()


def test_allowance_changes_are_in_hours_and_kelvin_free_units():
    before = ItemAllowance(version=1, budget_s=72 * 3600, limit_c=25.0)
    after = ItemAllowance(version=2, budget_s=48 * 3600, limit_c=25.0, activation_energy_kj=100.0)
    assert allowance_changes(before, after) == (Change("budget_hours", 72.0, 48.0),
                                                Change("activation_energy_kj", 83.144, 100.0))
    assert allowance_changes(None, after) == ()
