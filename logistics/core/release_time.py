"""Release time: from the goods' arrival (the receipt) to QA's signed decision on them, per receipt, and
its median per month.

A receipt's release time runs until the last of its quarantined lines got its first signed decision: the
goods are not all usable (or known unusable) before. A receipt with a line still waiting has none yet.
Decisions signed again after evidence changed do not move it: they measure the evidence, not the flow.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class ReceiptRelease:
    reference: str  # the shipment's
    received_at: datetime
    decided_at: datetime
    month: str  # "2026-11": the month of the arrival, in the receiving site's time zone

    @property
    def seconds(self) -> float:
        return (self.decided_at - self.received_at).total_seconds()


def decided_at(first_decisions: Sequence[datetime | None]) -> datetime | None:
    """When the last quarantined line was first decided; None while one waits (or there is none)."""
    if not first_decisions or any(moment is None for moment in first_decisions):
        return None
    return max(moment for moment in first_decisions if moment is not None)


@dataclass(frozen=True)
class MonthlyMedian:
    month: str
    receipts: int
    median_s: float


def monthly_medians(releases: Sequence[ReceiptRelease]) -> list[MonthlyMedian]:
    """The median release time of the receipts that arrived in each month, oldest month first."""
    by_month: dict[str, list[float]] = defaultdict(list)
    for release in releases:
        by_month[release.month].append(release.seconds)
    return [MonthlyMedian(month, len(times), statistics.median(times))
            for month, times in sorted(by_month.items())]
