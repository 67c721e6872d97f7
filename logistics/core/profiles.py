"""Storage profiles: a temperature range, its excursion rules, a shock threshold. Versioned."""

from __future__ import annotations

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


class ProfileError(ValueError):
    """A storage profile definition that cannot be used."""


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


def parse_profiles(data: dict[str, Any]) -> dict[str, StorageProfile]:
    """Build profiles from parsed TOML: one table per profile name."""
    return {name: _parse_profile(name, body) for name, body in data.items()}


def _parse_profile(name: str, body: dict[str, Any]) -> StorageProfile:
    where = f"profile {name!r}"
    try:
        profile = StorageProfile(
            name=name,
            version=int(body["version"]),
            label=str(body.get("label", name)),
            min_c=_optional_float(body.get("min_c")),
            max_c=_optional_float(body.get("max_c")),
            rules=tuple(_parse_rule(f"{where}, rule {index + 1}", rule)
                        for index, rule in enumerate(body.get("rules", []))),
            shock_g=float(body.get("shock_g", DEFAULT_SHOCK_G)),
            max_hold_minutes=_optional_float(body.get("max_hold_minutes")),
            activation_energy_kj=float(body.get("activation_energy_kj",
                                                DEFAULT_ACTIVATION_ENERGY_KJ)),
        )
    except KeyError as missing:
        raise ProfileError(f"{where}: {missing.args[0]} is required") from None
    except (TypeError, ValueError) as error:
        if isinstance(error, ProfileError):
            raise
        raise ProfileError(f"{where}: {error}") from None
    if profile.min_c is None and profile.max_c is None:
        raise ProfileError(f"{where}: needs min_c, max_c or both")
    # Checked here, after the limits: a profile wrong in both is refused for its limits.
    gap_severity = _one_of(SEVERITIES, str(body.get("gap_severity", DEFAULT_GAP_SEVERITY)),
                           f"{where}: gap_severity")
    if profile.min_c is not None and profile.max_c is not None and profile.min_c > profile.max_c:
        raise ProfileError(f"{where}: min_c is above max_c")
    return replace(profile, gap_severity=gap_severity)


def _parse_rule(where: str, body: dict[str, Any]) -> Rule:
    try:
        name, kind, threshold_c = str(body["name"]), str(body["kind"]), float(body["threshold_c"])
        mode, minutes, severity = str(body["mode"]), float(body["minutes"]), str(body["severity"])
    except KeyError as missing:
        raise ProfileError(f"{where}: {missing.args[0]} is required") from None
    rule = Rule(name=name, kind=_one_of(KINDS, kind, f"{where}: kind"), threshold_c=threshold_c,
                mode=_one_of(MODES, mode, f"{where}: mode"), minutes=minutes,
                severity=_one_of(SEVERITIES, severity, f"{where}: severity"))
    if rule.minutes < 0:
        raise ProfileError(f"{where}: minutes must not be negative")
    return rule


def _one_of(allowed: tuple[_Word, ...], text: str, what: str) -> _Word:
    """The word of `allowed` that `text` is, else refused naming them all."""
    if text not in allowed:
        raise ProfileError(f"{what} must be one of {', '.join(allowed)}")
    return allowed[allowed.index(text)]


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
