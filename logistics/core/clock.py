"""Showing UTC times in a site's own zone, with the offset, the way every page and alert does."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local_text(moment: datetime | None, zone: str) -> str:
    """"2026-11-24 19:30 +07:00" for `moment` in the IANA `zone`; "—" for no time."""
    if moment is None:
        return "—"
    local = moment.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"
