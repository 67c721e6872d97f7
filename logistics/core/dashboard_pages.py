"""A page of the dashboard: the rows a reader chose, in the order given, a page at a time, and the counts
over every active shipment beside it, so that nothing needing attention hides on a later page."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from logistics.core.attention import Attention
from logistics.core.lifecycle import ACTIVE

LEVELS = tuple(level.word for level in Attention)
STATUSES = tuple(sorted(status.value for status in ACTIVE))


class Ranked(Protocol):
    """A shipment as the dashboard files it: its attention level's word and its status."""

    @property
    def level(self) -> str: ...

    @property
    def status(self) -> str: ...


Row = TypeVar("Row", bound=Ranked)


@dataclass(frozen=True)
class DashboardPage(Generic[Row]):
    """One page of rows, and the counts over every row, whatever the filter."""

    rows: tuple[Row, ...]
    page: int
    pages: int
    matching: int  # the rows the filter lets through, over all pages
    active: int
    by_level: dict[str, int]  # per attention level, every level
    by_status: dict[str, int]  # per status, those with any

    @property
    def attention(self) -> int:
        """How many need attention (any level but none)."""
        return self.active - self.by_level[Attention.NONE.word]


def paged(rows: Sequence[Row], *, page: int, per_page: int, level: str | None = None,
          status: str | None = None) -> DashboardPage[Row]:
    """The `page`th of the rows (in their order) at `level` and in `status` (None: any); past the end, the
    last page."""
    chosen = [row for row in rows
              if (level is None or row.level == level) and (status is None or row.status == status)]
    pages = max(math.ceil(len(chosen) / per_page), 1)
    page = min(max(page, 1), pages)
    levels, statuses = Counter(row.level for row in rows), Counter(row.status for row in rows)
    return DashboardPage(
        rows=tuple(chosen[(page - 1) * per_page:page * per_page]), page=page, pages=pages,
        matching=len(chosen), active=len(rows), by_level={word: levels[word] for word in LEVELS},
        by_status={name: statuses[name] for name in STATUSES if statuses[name]})
