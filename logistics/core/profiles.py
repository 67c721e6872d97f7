"""Storage profiles: a temperature range, its excursion rules, a shock threshold. Versioned."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

KINDS = ("above", "below")
MODES = ("single", "cumulative")
SEVERITIES = ("minor", "major", "critical")
DEFAULT_SHOCK_G = 10.0
DEFAULT_ACTIVATION_ENERGY_KJ = 83.144  # USP <1079.2> default ΔH for mean kinetic temperature
DEFAULT_GAP_SEVERITY = "major"  # an unrecorded stretch cannot be shown to be in range (SPEC §2 data-gap rule)


class ProfileError(ValueError):
    """A storage profile definition that cannot be used."""


@dataclass(frozen=True)
class Rule:
    """One excursion rule: beyond `threshold_c` for `minutes` (single run or cumulative)."""

    name: str
    kind: str
    threshold_c: float
    mode: str
    minutes: float
    severity: str


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
    gap_severity: str = DEFAULT_GAP_SEVERITY


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
            gap_severity=str(body.get("gap_severity", DEFAULT_GAP_SEVERITY)),
        )
    except KeyError as missing:
        raise ProfileError(f"{where}: {missing.args[0]} is required") from None
    except (TypeError, ValueError) as error:
        if isinstance(error, ProfileError):
            raise
        raise ProfileError(f"{where}: {error}") from None
    if profile.min_c is None and profile.max_c is None:
        raise ProfileError(f"{where}: needs min_c, max_c or both")
    if profile.gap_severity not in SEVERITIES:
        raise ProfileError(f"{where}: gap_severity must be one of {', '.join(SEVERITIES)}")
    if profile.min_c is not None and profile.max_c is not None and profile.min_c > profile.max_c:
        raise ProfileError(f"{where}: min_c is above max_c")
    return profile


def _parse_rule(where: str, body: dict[str, Any]) -> Rule:
    try:
        rule = Rule(
            name=str(body["name"]),
            kind=str(body["kind"]),
            threshold_c=float(body["threshold_c"]),
            mode=str(body["mode"]),
            minutes=float(body["minutes"]),
            severity=str(body["severity"]),
        )
    except KeyError as missing:
        raise ProfileError(f"{where}: {missing.args[0]} is required") from None
    for attribute, allowed in (("kind", KINDS), ("mode", MODES), ("severity", SEVERITIES)):
        if getattr(rule, attribute) not in allowed:
            raise ProfileError(f"{where}: {attribute} must be one of {', '.join(allowed)}")
    if rule.minutes < 0:
        raise ProfileError(f"{where}: minutes must not be negative")
    return rule


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)
