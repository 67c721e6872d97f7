"""What a new version of a storage profile or an item's allowance changed against the one before it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from logistics.core.allowances import ItemAllowance
from logistics.core.profiles import StorageProfile, profile_body

# The settings of a profile in the order a reader compares them (the rules follow, by name).
PROFILE_SETTINGS = ("label", "min_c", "max_c", "shock_g", "max_hold_minutes", "activation_energy_kj",
                    "gap_severity")
RULE_SETTINGS = ("kind", "threshold_c", "mode", "minutes", "severity")


@dataclass(frozen=True)
class Change:
    """One difference, from `before` to `after` (None: not there on that side): a setting of the profile
    or allowance (`setting`), a rule added or removed (`rule`), or a rule's setting (both)."""

    setting: str
    before: Any
    after: Any
    rule: str = ""

    @property
    def what(self) -> str:
        """"max_c", "rule above_8c_30min", "rule above_8c_30min minutes"."""
        return " ".join(part for part in ("rule" if self.rule else "", self.rule, self.setting) if part)


def profile_changes(before: StorageProfile | None, after: StorageProfile) -> tuple[Change, ...]:
    """Settings that differ, then rules removed, added or changed (matched by name)."""
    if before is None:
        return ()
    old, new = profile_body(before), profile_body(after)
    changes = [Change(name, old.get(name), new.get(name)) for name in PROFILE_SETTINGS
               if old.get(name) != new.get(name)]
    old_rules = {rule["name"]: rule for rule in old["rules"]}
    new_rules = {rule["name"]: rule for rule in new["rules"]}
    changes += [Change("", _rule_text(rule), None, rule=name)
                for name, rule in old_rules.items() if name not in new_rules]
    for name, rule in new_rules.items():
        if name not in old_rules:
            changes.append(Change("", None, _rule_text(rule), rule=name))
            continue
        changes += [Change(setting, old_rules[name][setting], rule[setting], rule=name)
                    for setting in RULE_SETTINGS if old_rules[name][setting] != rule[setting]]
    return tuple(changes)


def allowance_changes(before: ItemAllowance | None, after: ItemAllowance) -> tuple[Change, ...]:
    """Budget (in hours), temperature limit and activation energy that differ."""
    if before is None:
        return ()
    pairs = (("budget_hours", before.budget_hours, after.budget_hours),
             ("limit_c", before.limit_c, after.limit_c),
             ("activation_energy_kj", before.activation_energy_kj, after.activation_energy_kj))
    return tuple(Change(name, old, new) for name, old, new in pairs if old != new)


def _rule_text(rule: dict[str, Any]) -> str:
    """"above 8 °C, single 30 min, major": a rule in one line."""
    return (f"{rule['kind']} {rule['threshold_c']:g} °C, {rule['mode']} {rule['minutes']:g} min, "
            f"{rule['severity']}")
