"""How urgently a shipment on its way needs someone, and the order the dashboard lists shipments in.

Levels, most urgent first: an open critical excursion; an open major one; anything else that needs a
look (a minor excursion, a silent logger, a reading out of range, goods under way with no logger
recording them); nothing. Within a level the newest cause comes first: what has just gone wrong is what
nobody has looked at yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from logistics.core.excursion_types import Window
from logistics.core.lifecycle import UNDER_WAY
from logistics.core.profiles import Severity


class Attention(IntEnum):
    """A shipment's level, most urgent first (the value is its rank)."""

    CRITICAL = 0  # an open critical excursion
    MAJOR = 1  # an open major excursion
    OTHER = 2  # a minor excursion, a silent logger, a reading out of range, no logger recording
    NONE = 3  # nothing needs a look

    @property
    def word(self) -> str:
        """The level's name as pages and styles use it: critical, major, other, none."""
        return self.name.lower()


_BY_SEVERITY: dict[str, Attention] = {Severity.CRITICAL: Attention.CRITICAL, Severity.MAJOR: Attention.MAJOR}


@dataclass(frozen=True)
class Standing:
    """Where a shipment stands: its level, and when the newest cause at that level began (None: unknown)."""

    level: Attention
    since: datetime | None


def standing(excursions: Mapping[str, datetime | None], concerns: Iterable[datetime | None], *,
             departed: datetime | None) -> Standing:
    """The most urgent level among the open excursions (severity → start of its newest) and the other
    concerns (each: when it began); with nothing wrong, a shipment stands fine since it departed."""
    causes: dict[Attention, list[datetime | None]] = {}
    for severity, started in excursions.items():
        causes.setdefault(_BY_SEVERITY.get(severity, Attention.OTHER), []).append(started)
    for began in concerns:
        causes.setdefault(Attention.OTHER, []).append(began)
    if not causes:
        return Standing(Attention.NONE, departed)
    level = min(causes)
    return Standing(level, max((moment for moment in causes[level] if moment is not None), default=None))


def urgency(shipment: Standing) -> tuple[int, bool, float]:
    """Sort key: the more urgent level first; within it the newest cause first, an unknown time last. Fine
    shipments go in order of departure: the goods longest under way first, those not yet gone last."""
    since = shipment.since
    if since is None:
        return shipment.level, True, 0.0
    newest_first = shipment.level != Attention.NONE
    return shipment.level, False, -since.timestamp() if newest_first else since.timestamp()


@dataclass(frozen=True)
class Unwatched:
    """Goods under way that no logger is recording; `since` is the later of their departure and the end
    of their last logger's window (None when neither is known)."""

    since: datetime | None


def unwatched(status: str, windows: Iterable[Window], *, departed: datetime | None,
              now: datetime) -> Unwatched | None:
    """Whether goods that left the warehouse and are not received yet have no logger recording at `now`
    (its window holds `now`); None when one is, or when the goods are not under way."""
    if status not in UNDER_WAY:
        return None
    ended: list[datetime] = []
    for window in windows:
        if window.holds(now):
            return None
        if window.end is not None and window.end <= now:
            ended.append(window.end)
    known = [moment for moment in (departed, *ended) if moment is not None]
    return Unwatched(max(known, default=None))
