"""Reads the alert routes from config/alerts.toml (the operator's copy if there is one)."""

from __future__ import annotations

import tomllib

from logistics import paths
from logistics.core.alerting import AlertConfigError, Route, parse_routes


def load_alert_routes() -> list[Route]:
    path = paths.config_file("alerts.toml")
    try:
        with path.open("rb") as handle:
            return parse_routes(tomllib.load(handle))
    except tomllib.TOMLDecodeError as error:
        raise AlertConfigError(f"{path}: {error}") from None
    except AlertConfigError as error:
        raise AlertConfigError(f"{path}: {error}") from None
