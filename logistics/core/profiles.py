"""Storage profiles: a temperature range, its excursion rules, a shock threshold. Versioned."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, TypeVar


class _ProfileWord(StrEnum):
    """A word a profile's rules are written in, equal to its string.

    Its repr is the string's too: `profile_key` hashes a profile's repr, and the progress stored under
    keys made while these were plain strings must still be carried on.
    """

    def __repr__(self) -> str:
        return str.__repr__(self)


class ExcursionKind(_ProfileWord):
    """What went wrong: a rule watches above or below its threshold; shocks and gaps are found for all."""

    ABOVE = "above"
    BELOW = "below"
    SHOCK = "shock"
    NO_DATA = "no_data"


class ExcursionMode(_ProfileWord):
    """How it is counted: a single run or a cumulative budget (rules), an instant (shock), a gap."""

    SINGLE = "single"
    CUMULATIVE = "cumulative"
    EVENT = "event"
    GAP = "gap"


class Severity(_ProfileWord):
    """How serious an excursion or an alert is, least first."""

    INFO = "info"  # alerts only: every excursion rule is at least minor
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


_Word = TypeVar("_Word", bound=StrEnum)
KINDS = (ExcursionKind.ABOVE, ExcursionKind.BELOW)  # what a rule may watch
MODES = (ExcursionMode.SINGLE, ExcursionMode.CUMULATIVE)  # how a rule may count
SEVERITIES = (Severity.MINOR, Severity.MAJOR, Severity.CRITICAL)  # of a rule, and of a gap
DEFAULT_SHOCK_G = 10.0
DEFAULT_ACTIVATION_ENERGY_KJ = 83.144  # USP <1079.2> default ΔH for mean kinetic temperature
# An unrecorded stretch cannot be shown to be in range (SPEC §2 data-gap rule).
DEFAULT_GAP_SEVERITY = Severity.MAJOR
MAX_NAME_CHARACTERS = 40  # a profile's name, as the excursion records keep it
MAX_RULE_NAME_CHARACTERS = 64  # a rule's name, part of an excursion record's identity
AD_HOC_PROFILE = "custom"  # a range given on the command line, without a profile
AD_HOC_SEVERITY = Severity.MAJOR


class ProfileError(ValueError):
    """A storage profile definition that cannot be used; `field` names the part at fault, as a form
    names it ("min_c", "rules.2.kind"), or is empty when the profile as a whole is."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Rule:
    """One excursion rule: beyond `threshold_c` for `minutes` (single run or cumulative)."""

    name: str
    kind: ExcursionKind  # one of KINDS
    threshold_c: float
    mode: ExcursionMode  # one of MODES
    minutes: float
    severity: Severity  # one of SEVERITIES


@dataclass(frozen=True)
class StorageProfile:
    """A storage class with its rules; `version` is recorded with every judgement made by it."""

    name: str
    version: int
    label: str
    min_c: float | None
    max_c: float | None
    rules: tuple[Rule, ...]
    shock_g: float = DEFAULT_SHOCK_G
    max_hold_minutes: float | None = None
    activation_energy_kj: float = DEFAULT_ACTIVATION_ENERGY_KJ
    gap_severity: Severity = DEFAULT_GAP_SEVERITY

    @property
    def watched_range(self) -> tuple[float | None, float | None]:
        """(min °C, max °C) on the sides a rule watches, None elsewhere: frozen kits with no rule below
        their range are not at risk on dry ice, though the time they spend there is counted."""
        sides = {rule.kind for rule in self.rules}
        return (self.min_c if ExcursionKind.BELOW in sides else None,
                self.max_c if ExcursionKind.ABOVE in sides else None)


def parse_profiles(data: dict[str, Any]) -> dict[str, StorageProfile]:
    """Build profiles from parsed TOML: one table per profile name."""
    return {name: parse_profile(name, body) for name, body in data.items()}


def parse_profile(name: str, body: dict[str, Any]) -> StorageProfile:
    """One profile from its TOML table (or the same shape from a form or the database)."""
    where = f"profile {name!r}"
    if not name or len(name) > MAX_NAME_CHARACTERS:
        raise ProfileError(f"{where}: a name is 1 to {MAX_NAME_CHARACTERS} characters", "name")
    try:
        profile = StorageProfile(
            name=name,
            version=_whole(body["version"], "version"),
            label=str(body.get("label", name)),
            min_c=_optional_number(body.get("min_c"), "min_c"),
            max_c=_optional_number(body.get("max_c"), "max_c"),
            rules=tuple(_parse_rule(f"{where}, rule {index + 1}", f"rules.{index + 1}", rule)
                        for index, rule in enumerate(body.get("rules", []))),
            shock_g=_positive(body.get("shock_g", DEFAULT_SHOCK_G), "shock_g"),
            max_hold_minutes=_optional_positive(body.get("max_hold_minutes"), "max_hold_minutes"),
            activation_energy_kj=_positive(body.get("activation_energy_kj", DEFAULT_ACTIVATION_ENERGY_KJ),
                                           "activation_energy_kj"),
        )
    except KeyError as missing:
        raise ProfileError(f"{where}: {missing.args[0]} is required", str(missing.args[0])) from None
    except ProfileError as error:
        raise ProfileError(error.args[0] if error.args[0].startswith(where) else f"{where}: {error}",
                           error.field) from None
    except (TypeError, ValueError) as error:
        raise ProfileError(f"{where}: {error}") from None
    if profile.min_c is None and profile.max_c is None:
        raise ProfileError(f"{where}: needs min_c, max_c or both", "max_c")
    # Checked here, after the limits: a profile wrong in both is refused for its limits.
    gap_severity = _one_of(SEVERITIES, str(body.get("gap_severity", DEFAULT_GAP_SEVERITY)),
                           f"{where}: gap_severity", "gap_severity")
    if profile.min_c is not None and profile.max_c is not None and profile.min_c > profile.max_c:
        raise ProfileError(f"{where}: min_c is above max_c", "min_c")
    _check_rule_names(where, profile.rules)
    return replace(profile, gap_severity=gap_severity)


def _parse_rule(where: str, field: str, body: dict[str, Any]) -> Rule:
    try:
        name, kind, threshold_c = str(body["name"]), str(body["kind"]), body["threshold_c"]
        mode, minutes, severity = str(body["mode"]), body["minutes"], str(body["severity"])
    except KeyError as missing:
        raise ProfileError(f"{where}: {missing.args[0]} is required", f"{field}.{missing.args[0]}") from None
    try:
        rule = Rule(name=name, kind=_one_of(KINDS, kind, f"{where}: kind", f"{field}.kind"),
                    threshold_c=_number(threshold_c, f"{field}.threshold_c"),
                    mode=_one_of(MODES, mode, f"{where}: mode", f"{field}.mode"),
                    minutes=_number(minutes, f"{field}.minutes"),
                    severity=_one_of(SEVERITIES, severity, f"{where}: severity", f"{field}.severity"))
    except ProfileError as error:
        raise ProfileError(error.args[0] if error.args[0].startswith(where) else f"{where}: {error}",
                           error.field) from None
    if not rule.name or len(rule.name) > MAX_RULE_NAME_CHARACTERS:
        raise ProfileError(f"{where}: a name is 1 to {MAX_RULE_NAME_CHARACTERS} characters", f"{field}.name")
    if rule.minutes < 0:
        raise ProfileError(f"{where}: minutes must not be negative", f"{field}.minutes")
    return rule


def _check_rule_names(where: str, rules: tuple[Rule, ...]) -> None:
    """An excursion record is known by its rule's name: two rules of one profile may not share one."""
    seen: set[str] = set()
    for index, rule in enumerate(rules):
        if rule.name in seen:
            raise ProfileError(f"{where}, rule {index + 1}: another rule is named {rule.name!r}",
                               f"rules.{index + 1}.name")
        seen.add(rule.name)


def profile_body(profile: StorageProfile) -> dict[str, Any]:
    """The profile as its TOML table (what `parse_profile` reads back), for storing and comparing."""
    body: dict[str, Any] = {"version": profile.version, "label": profile.label, "min_c": profile.min_c,
                            "max_c": profile.max_c, "shock_g": profile.shock_g,
                            "max_hold_minutes": profile.max_hold_minutes,
                            "activation_energy_kj": profile.activation_energy_kj,
                            "gap_severity": str(profile.gap_severity),
                            "rules": [rule_body(rule) for rule in profile.rules]}
    return {key: value for key, value in body.items() if value is not None}


def rule_body(rule: Rule) -> dict[str, Any]:
    return {"name": rule.name, "kind": str(rule.kind), "threshold_c": rule.threshold_c,
            "mode": str(rule.mode), "minutes": rule.minutes, "severity": str(rule.severity)}


def _one_of(allowed: tuple[_Word, ...], text: str, what: str, field: str = "") -> _Word:
    """The word of `allowed` that `text` is, else refused naming them all."""
    if text not in allowed:
        raise ProfileError(f"{what} must be one of {', '.join(allowed)}", field)
    return allowed[allowed.index(text)]


def _number(value: Any, field: str) -> float:
    """A finite number (TOML, JSON and forms hand them over as int, float or text)."""
    key = field.rsplit(".", 1)[-1]
    if isinstance(value, bool):
        raise ProfileError(f"{key} must be a number", field)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ProfileError(f"{key} must be a number, not {value!r}", field) from None
    if not math.isfinite(number):
        raise ProfileError(f"{key} must be a finite number", field)
    return number


def _whole(value: Any, field: str) -> int:
    number = _number(value, field)
    if number != int(number) or number < 1:
        raise ProfileError(f"{field} must be a whole number from 1 on", field)
    return int(number)


def _positive(value: Any, field: str) -> float:
    number = _number(value, field)
    if number <= 0:
        raise ProfileError(f"{field.rsplit('.', 1)[-1]} must be above 0", field)
    return number


def _optional_number(value: Any, field: str) -> float | None:
    return None if value is None else _number(value, field)


def _optional_positive(value: Any, field: str) -> float | None:
    return None if value is None else _positive(value, field)


# -- ranges given on the command line or a form (`logistics analyze`, `replay`) ----------------------

def ad_hoc_profile() -> StorageProfile:
    """The profile of a bare range: no rules until `with_limits` gives it some."""
    return StorageProfile(name=AD_HOC_PROFILE, version=0, label="Range given on the command line",
                          min_c=None, max_c=None, rules=())


def with_limits(profile: StorageProfile, min_c: float | None, max_c: float | None) -> StorageProfile:
    """`profile` with its limits replaced where given, the rules on a replaced limit following it."""
    rules = list(profile.rules)
    for kind, old, new in ((ExcursionKind.ABOVE, profile.max_c, max_c),
                           (ExcursionKind.BELOW, profile.min_c, min_c)):
        if new is None:
            continue
        on_limit = [rule for rule in rules if rule.kind == kind and rule.threshold_c == old]
        rules = [_moved(rule, new) if rule in on_limit else rule for rule in rules]
        if not on_limit:
            rules.append(Rule(name=rule_name(kind, new, ExcursionMode.SINGLE, 0), kind=kind, threshold_c=new,
                              mode=ExcursionMode.SINGLE, minutes=0, severity=AD_HOC_SEVERITY))
    return replace(profile, rules=tuple(rules),
                   min_c=profile.min_c if min_c is None else min_c,
                   max_c=profile.max_c if max_c is None else max_c)


def _moved(rule: Rule, threshold_c: float) -> Rule:
    if rule.threshold_c == threshold_c:
        return rule
    return replace(rule, threshold_c=threshold_c,
                   name=rule_name(rule.kind, threshold_c, rule.mode, rule.minutes))


def rule_name(kind: ExcursionKind, threshold_c: float, mode: ExcursionMode, minutes: float) -> str:
    """A rule name in the style of config/profiles.toml, e.g. above_minus15c_30min."""
    threshold = f"minus{-threshold_c:g}" if threshold_c < 0 else f"{threshold_c:g}"
    cumulative = "_cumulative" if mode == ExcursionMode.CUMULATIVE else ""
    delay = f"_{minutes:g}min" if minutes else ""
    return f"{kind}_{threshold}c{cumulative}{delay}"
