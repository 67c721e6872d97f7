"""Template filters: times shown in a site's own zone with its UTC offset, ages, quantities."""

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


def age(value: datetime | None, now: datetime) -> str:
    """How long ago, in the largest unit that says it: "40 s", "12 min", "3 h 5 min", "2 d 4 h"."""
    if value is None:
        return "never"
    seconds = max(int((now - value).total_seconds()), 0)
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours < 1:
        return f"{minutes} min"
    if days < 1:
        return f"{hours} h {minutes % 60} min" if minutes % 60 else f"{hours} h"
    return f"{days} d {hours % 24} h" if hours % 24 else f"{days} d"


def install_filters(app: Flask) -> None:
    app.add_template_filter(local_time, "localtime")
    app.add_template_filter(input_time, "inputtime")
    app.add_template_filter(quantity, "qty")
    app.add_template_filter(age, "age")
