"""Showing UTC times in a site's own zone, with the offset, the way every page and alert does."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def in_zone(moment: datetime, zone: str) -> datetime:
    """`moment` in the IANA `zone`; left in UTC when it is so near year 1 or 9999 that the zone's offset would
    leave the calendar (such a time is refused as input, but one stored before must still print)."""
    try:
        return moment.astimezone(ZoneInfo(zone))
    except OverflowError:
        return moment  # as stored: in UTC


def local_text(moment: datetime | None, zone: str) -> str:
    """"2026-11-24 19:30 +07:00" for `moment` in the IANA `zone`; "—" for no time."""
    if moment is None:
        return "—"
    local = in_zone(moment, zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"
