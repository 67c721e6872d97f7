"""The forecast's stock simulation: which lots count, when each becomes usable, and how each run's demand
uses them up.

A lot left out by the expiry cut-offs (expired, do-not-ship, do-not-count) does not count at all. A lot on
hand is usable from day 0; a lot on its way from its arrival plus the site's QC release time, drawn per
run. Every lot is usable through its last usable day (expiry less the do-not-dispense days), and what is
left of it then is waste. Each day's demand is met from the lots usable that day, first expiry first out;
demand that finds no stock waits for the next lot (a backlog). So a run's path, usable stock less the
demand waiting, is each lot's quantity from its first usable day, less the demand so far, less each lot's
waste from the day after its last usable day; it is negative exactly while someone waits.

Days are counted from `as_of` (day 0); `cumulative[:, d]` is the demand in days [0, d).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from logistics.core.expiry_cut_offs import Exclusion, exclusion, last_usable_day
from logistics.core.forecast_inputs import ItemSupply, StockLot

Matrix = NDArray[np.float64]
Days = NDArray[np.int64]

NEVER = 2**40  # a day beyond any simulation: the lot outlasts it
RELEASE_STREAM = 10  # the random stream of QC release times (forecast_demand's are 1 to 3)


@dataclass(frozen=True)
class ExcludedLot:
    quantity: float
    expiry: date | None
    reason: Exclusion


@dataclass(frozen=True)
class CountedLot:
    lot: StockLot
    on_its_way: bool


def held_longer(as_of: date, item: ItemSupply, days: int) -> ItemSupply:
    """The item with its lots on their way arriving `days` later: a longer hold at customs holds what is
    travelling now as well as the orders yet to be placed."""
    if days == 0 or not item.in_transit:
        return item
    later = tuple(replace(lot, arrives=max(lot.arrives or as_of, as_of) + timedelta(days=days))
                  for lot in item.in_transit)
    return replace(item, in_transit=later)


def sort_lots(as_of: date, item: ItemSupply) -> tuple[list[CountedLot], tuple[ExcludedLot, ...]]:
    """The lots that count, soonest expiry first, and those the cut-offs leave out, with the reason."""
    counted, excluded = [], []
    listed = [*((lot, False) for lot in item.on_hand), *((lot, True) for lot in item.in_transit)]
    for lot, on_its_way in listed:
        # A lot on its way arrives today at the earliest: the do-not-ship rule is about its arrival.
        arrives = max(lot.arrives or as_of, as_of) if on_its_way else None
        reason = exclusion(lot.expiry, as_of, item.cut_offs, arrives)
        if reason is None:
            counted.append(CountedLot(lot, on_its_way))
        else:
            excluded.append(ExcludedLot(lot.quantity, lot.expiry, reason))
    counted.sort(key=lambda counted_lot: counted_lot.lot.expiry or date.max)
    return counted, tuple(excluded)


@dataclass(frozen=True)
class Stock:
    """One item's counted lots through the simulated days, per run (columns: lots, soonest expiry first)."""

    cumulative: Matrix  # runs × (days + 1): demand in days [0, d)
    quantities: NDArray[np.float64]  # per lot
    first: Days  # runs × lots: the first day each lot is usable (its last day + 1 when it never is)
    gone: Days  # per lot: the first day it may no longer be used (NEVER: not within the simulation)
    left: Matrix  # runs × lots: what is left of each lot on its `gone` day: waste

    def waste_by(self, days: Days) -> NDArray[np.float64]:
        """Per run, the waste of the lots gone by `days[run]`."""
        return np.asarray((self.left * (self.gone[None, :] <= days[:, None])).sum(axis=1), dtype=np.float64)

    @property
    def timed(self) -> bool:
        """Some lot becomes usable after day 0 (else the path only falls)."""
        return bool(self.first.any())

    def path(self, days: int) -> Matrix:
        """Usable stock less the demand waiting, at the start of each day 0…days, with no new order."""
        cumulative = self.cumulative
        return self.path_at_end[:, :days + 1] + (cumulative[:, 1:days + 2] - cumulative[:, :days + 1])

    @cached_property
    def path_at_end(self) -> Matrix:
        """The same at the end of each simulated day: below zero where demand up to that day waits."""
        runs, span = self.cumulative.shape[0], self.cumulative.shape[1] - 1
        starts = np.arange(runs)[:, None] * span
        gone = np.broadcast_to(self.gone, self.left.shape)
        arrived, expired = self.first < span, gone < span
        # each lot's quantity from its first usable day, less its waste from its `gone` day
        steps = (np.bincount((starts + self.first)[arrived],
                             np.broadcast_to(self.quantities, self.first.shape)[arrived], runs * span)
                 - np.bincount((starts + gone)[expired], self.left[expired], runs * span))
        path = np.cumsum(steps.reshape(runs, span), axis=1, dtype=np.float64)
        path -= self.cumulative[:, 1:]
        return path


def simulate_stock(as_of: date, item: ItemSupply, cumulative: Matrix, release_days: Sequence[int],
                   rng: np.random.Generator) -> Stock:
    """How each run's demand (`cumulative`) uses the item's counted lots; `rng` draws the release times."""
    runs, span = cumulative.shape[0], cumulative.shape[1] - 1
    lots = sort_lots(as_of, item)[0]
    quantities = np.array([counted.lot.quantity for counted in lots], dtype=np.float64)
    gone = np.array([_gone(as_of, item, counted.lot, span) for counted in lots], dtype=np.int64)
    first = np.zeros((runs, len(lots)), dtype=np.int64)
    for column, counted in enumerate(lots):
        first[:, column] = _first_usable(as_of, counted, release_days, runs, rng)
    left = _timed_left(quantities, first, gone, cumulative) if first.any() \
        else _untimed_left(quantities, gone, cumulative)
    # A lot usable only after its last usable day arrives and goes on the same day: all of it is waste.
    return Stock(cumulative, quantities, np.minimum(first, gone[None, :]), gone, left)


def _gone(as_of: date, item: ItemSupply, lot: StockLot, span: int) -> int:
    if lot.expiry is None:
        return NEVER
    gone = (last_usable_day(lot.expiry, item.cut_offs) - as_of).days + 1
    return max(gone, 0) if gone <= span else NEVER


def _first_usable(as_of: date, counted: CountedLot, release_days: Sequence[int], runs: int,
                  rng: np.random.Generator) -> Days:
    arrival = max((counted.lot.arrives - as_of).days, 0) if counted.lot.arrives else 0
    if not counted.on_its_way or not release_days:
        return np.full(runs, arrival, dtype=np.int64)  # stock on hand is released already
    return arrival + rng.choice(np.asarray(release_days, dtype=np.int64), runs)


def _untimed_left(quantities: NDArray[np.float64], gone: Days, cumulative: Matrix) -> Matrix:
    """What is left of each lot on its `gone` day when every lot is usable from day 0: the demand up to a
    lot's last day is met from it and the lots expiring before it, so no day-by-day loop is needed."""
    left = np.zeros((cumulative.shape[0], len(quantities)))
    used = np.zeros(cumulative.shape[0])
    for column, (quantity, day) in enumerate(zip(quantities, gone, strict=True)):
        if day == NEVER:
            break  # this and every later lot outlast the simulation
        served = np.clip(cumulative[:, day] - used, 0.0, quantity)
        used += served
        left[:, column] = quantity - served
    return left


def _timed_left(quantities: NDArray[np.float64], first: Days, gone: Days, cumulative: Matrix) -> Matrix:
    """The same when lots become usable on later days: from one day a lot arrives or goes to the next,
    the lots usable do not change, so the demand between them (and what waits) is met first expiry
    first out in one step."""
    runs, span = cumulative.shape[0], cumulative.shape[1] - 1
    events = np.unique(np.concatenate([[0], first[first <= span], gone[gone <= span]]))
    remaining, left, waiting = np.zeros(first.shape), np.zeros(first.shape), np.zeros(runs)
    for index, day in enumerate(events):
        end = int(events[index + 1]) if index + 1 < len(events) else span
        expiring = gone == day
        left[:, expiring] = remaining[:, expiring]
        remaining[:, expiring] = 0.0
        remaining = np.where((first == day) & (gone > day)[None, :], quantities[None, :], remaining)
        need = waiting + cumulative[:, end] - cumulative[:, day]
        before = np.cumsum(remaining, axis=1) - remaining  # what lots expiring sooner hold
        taken = np.clip(need[:, None] - before, 0.0, remaining)
        remaining -= taken
        waiting = np.maximum(need - taken.sum(axis=1), 0.0)
    return np.where(first >= gone[None, :], quantities[None, :], left)  # never usable: all waste
