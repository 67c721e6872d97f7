"""Reads the storage profiles from config/ (the operator's copy if there is one)."""

from __future__ import annotations

import tomllib

from logistics import paths
from logistics.core.profiles import ProfileError, StorageProfile, parse_profiles


def load_profiles() -> dict[str, StorageProfile]:
    """All storage profiles, keyed by name."""
    path = paths.config_file("profiles.toml")
    try:
        with path.open("rb") as handle:
            return parse_profiles(tomllib.load(handle))
    except tomllib.TOMLDecodeError as error:
        raise ProfileError(f"{path}: {error}") from None
