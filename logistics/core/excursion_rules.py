"""How a temperature stands against a storage profile (SPEC §2.1): its range and its rules' thresholds,
and the names of the excursions no rule lists, gaps and shocks."""

from __future__ import annotations

import math
from enum import StrEnum

from logistics.core.profiles import ExcursionKind, Rule, Severity, StorageProfile

GAP_RULE_NAME = "no_data_gap"
SHOCK_SEVERITY = Severity.MAJOR  # SPEC §2: a shock is an event of severity major
_ABOVE = ExcursionKind.ABOVE  # bound once: compared for every reading that is not quiet


class RangeState(StrEnum):
    """Where a temperature lies against the profile's range (limits inclusive)."""

    IN_RANGE = "in_range"
    ABOVE = "above"
    BELOW = "below"


def range_state(temperature_c: float, profile: StorageProfile) -> RangeState:
    """above ⇔ T > max, below ⇔ T < min, else in range (limits inclusive)."""
    if profile.max_c is not None and temperature_c > profile.max_c:
        return RangeState.ABOVE
    if profile.min_c is not None and temperature_c < profile.min_c:
        return RangeState.BELOW
    return RangeState.IN_RANGE


def watched_state(temperature_c: float, profile: StorageProfile) -> RangeState:
    """As `range_state`, but only on the sides of the range that a rule of the profile watches."""
    return bounded_state(temperature_c, profile.watched_range)


def bounded_state(temperature_c: float, bounds: tuple[float | None, float | None]) -> RangeState:
    """As `range_state` within (min °C, max °C), None for a side not watched (`watched_range`)."""
    low, high = bounds
    if high is not None and temperature_c > high:
        return RangeState.ABOVE
    if low is not None and temperature_c < low:
        return RangeState.BELOW
    return RangeState.IN_RANGE


def beyond(rule: Rule, temperature: float) -> bool:
    """A rule "above X" means T > X; "below X" means T < X."""
    if rule.kind == _ABOVE:
        return temperature > rule.threshold_c
    return temperature < rule.threshold_c


def new_peak(kind: ExcursionKind, peak: float, temperature: float) -> float:
    """The more extreme of `peak` and `temperature` in the rule's direction."""
    return max(peak, temperature) if kind == _ABOVE else min(peak, temperature)


def quiet_range(profile: StorageProfile) -> tuple[float, float] | None:
    """Temperatures within the profile's range at which no rule can be beyond its threshold."""
    low = profile.min_c if profile.min_c is not None else -math.inf
    high = profile.max_c if profile.max_c is not None else math.inf
    for rule in profile.rules:
        if rule.kind == ExcursionKind.ABOVE:
            high = min(high, rule.threshold_c)
        else:
            low = max(low, rule.threshold_c)
    return (low, high) if low <= high else None


def shock_rule_name(threshold_g: float) -> str:
    """The rule name shock events carry, e.g. `shock_10g`."""
    return f"shock_{threshold_g:g}g"
