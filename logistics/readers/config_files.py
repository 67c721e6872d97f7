"""The TOML files in config/ other than settings: storage profiles, alert routes, the demo scenario, lanes.

Each is the operator's copy when `LOGISTICS_CONFIG_DIR` holds one, else the built-in default; a
problem in one is reported with the file's path.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from logistics import paths
from logistics.core.alerting import Route, parse_routes
from logistics.core.profiles import StorageProfile, parse_profiles

Parsed = TypeVar("Parsed")


class ConfigFileError(ValueError):
    """A config file that cannot be read or used; the message starts with its path."""


def load(name: str, parse: Callable[[dict[str, Any]], Parsed]) -> Parsed:
    """Read config file `name` and build what it describes with `parse`."""
    path = paths.config_file(name)
    try:
        with path.open("rb") as handle:
            return parse(tomllib.load(handle))
    except (tomllib.TOMLDecodeError, ValueError) as error:
        raise ConfigFileError(f"{path}: {error}") from None


def load_profiles() -> dict[str, StorageProfile]:
    """All storage profiles, keyed by name."""
    return load("profiles.toml", parse_profiles)


def load_alert_routes() -> list[Route]:
    """Who hears about which alerts."""
    return load("alerts.toml", parse_routes)


def load_demo_scenario() -> dict[str, Any]:
    """The demo's users, sites, items, lots, loggers and shipments, as written."""
    return load("demo.toml", dict)


def load_lanes() -> list[dict[str, Any]]:
    """The lanes (route templates) the demo starts with: config/lanes.toml."""
    return load("lanes.toml", parse_lanes)


def read_lanes_file(path: Path) -> list[dict[str, Any]]:
    """The lanes of a seed file an operator hands in (`logistics lanes load FILE`), as written."""
    try:
        with path.open("rb") as handle:
            return parse_lanes(tomllib.load(handle))
    except (OSError, tomllib.TOMLDecodeError, ValueError) as error:
        raise ConfigFileError(f"{path}: {error}") from None


def parse_lanes(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The `[[lanes]]` tables of a seed file; their fields are checked where lanes are recorded."""
    lanes = data.get("lanes")
    if not isinstance(lanes, list) or not all(isinstance(lane, dict) for lane in lanes):
        raise ValueError("expected [[lanes]] tables, one per lane")
    return lanes
