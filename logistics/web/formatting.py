"""Template filters: times shown in a site's own zone with its UTC offset."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask

from logistics.core.clock import local_text
from logistics.web import db


def local_time(value: datetime | None, zone: str | None = None) -> str:
    """"2026-11-24 19:30 +07:00" in `zone` (default: the display zone); "—" for no time."""
    return local_text(value, zone or db.runtime().settings.display_timezone)


def input_time(value: datetime | None, zone: str) -> str:
    """A time as a datetime-local form value in `zone`."""
    return "" if value is None else value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M")


def quantity(value: float) -> str:
    return f"{value:g}"


def install_filters(app: Flask) -> None:
    app.add_template_filter(local_time, "localtime")
    app.add_template_filter(input_time, "inputtime")
    app.add_template_filter(quantity, "qty")
