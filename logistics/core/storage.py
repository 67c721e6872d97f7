"""Storage periods: when a lot was held at a site, and which storage zones' loggers watched it there.

The rule, kept simple on purpose:
- A lot's stock at a site is what it holds there that may still be used: available and quarantined
  (rejected goods wait to be destroyed and no longer count). A **storage period** runs from the moment
  that stock rises above zero (a receipt, an opening balance) until it is back at zero (used up, rejected),
  or is still running.
- The lot is kept in the site's storage zones of its item's storage profile (a refrigerated reagent in
  the site's fridges). Where a site has several such zones the tracker does not know which one holds the
  lot, so each of their loggers is a candidate and the worst-placed one counts, as in a shipment.
- A period is cut where a logger starts or stops watching a candidate zone: each piece is counted by the
  worst of the loggers watching all of it. A piece no logger watched is reported as not monitored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby, pairwise

from logistics.core.stock import StockStatus

# Stock still at the site, in its zone: usable, or waiting for QA (quarantined, or held again on new evidence)
HELD = frozenset({StockStatus.AVAILABLE, StockStatus.QUARANTINED, StockStatus.ON_HOLD})
_NOTHING = 1e-9  # a balance this close to zero is zero (sums of float quantities)


@dataclass(frozen=True)
class Span:
    """From `start` until `end` (None: still running)."""

    start: datetime
    end: datetime | None

    def overlaps(self, start: datetime, end: datetime | None) -> bool:
        return (end is None or self.start < end) and (self.end is None or start < self.end)


@dataclass(frozen=True)
class Watch:
    """A logger assigned to a storage zone from `start` until `end` (None: still assigned)."""

    logger: str
    zone: str
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class Segment:
    """A piece of a storage period, and the loggers that watched all of it (none: not monitored)."""

    start: datetime
    end: datetime | None
    watches: tuple[Watch, ...]


def held(status: str) -> bool:
    return status in HELD


def holding_spans(changes: Iterable[tuple[datetime, float]]) -> list[Span]:
    """The spans during which the balance of (time, quantity) changes was above zero. Changes at the same
    moment are netted first: a release moves stock from quarantine to available at once."""
    spans, balance, start = [], 0.0, None
    for moment, same_time in groupby(sorted(changes, key=lambda change: change[0]), key=lambda c: c[0]):
        balance += sum(quantity for _, quantity in same_time)
        if start is None and balance > _NOTHING:
            start = moment
        elif start is not None and balance <= _NOTHING:
            spans.append(Span(start, moment))
            start = None
    if start is not None:
        spans.append(Span(start, None))
    return spans


def watched_segments(span: Span, watches: Sequence[Watch]) -> list[Segment]:
    """`span` cut where a watch starts or ends inside it; each piece with the watches covering all of it
    (neighbours watched by the same loggers are joined)."""
    relevant = [watch for watch in watches if span.overlaps(watch.start, watch.end)]
    cuts = sorted({moment for watch in relevant for moment in (watch.start, watch.end)
                   if moment is not None and span.overlaps(moment, moment)})
    bounds: list[datetime | None] = [span.start, *cuts, span.end]
    segments: list[Segment] = []
    for start, end in pairwise(bounds):
        assert start is not None  # only the last bound may be open
        covering = tuple(watch for watch in relevant if covers(watch, start, end))
        if segments and segments[-1].watches == covering:
            segments[-1] = Segment(segments[-1].start, end, covering)
        else:
            segments.append(Segment(start, end, covering))
    return segments


def covers(watch: Watch, start: datetime, end: datetime | None) -> bool:
    """Whether the watch lasts over all of [start, end)."""
    if watch.start > start:
        return False
    if watch.end is None:
        return True
    return end is not None and watch.end >= end
