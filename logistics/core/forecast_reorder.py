"""The forecast's reorder arithmetic (SPEC §8): from each run's cumulative demand and lead time to a
periodic-review policy's reorder point, order-up-to level, order quantity and last day to order.

The position counts the lots on hand and on their way that the expiry cut-offs leave in, less what is
expected to be left of them unused at their last usable day within the window; the stock-out probability
and the fan follow each run's stock as forecast_stock.py simulates it (lots usable from their arrival and
release, first expiry first out, demand waiting for stock).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from logistics.core.forecast_demand import Matrix, quantile
from logistics.core.forecast_inputs import ItemSupply, Policy
from logistics.core.forecast_stock import ExcludedLot, Stock, sort_lots

FAN_QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
FAN_POINTS = 400  # the most days a fan keeps


@dataclass(frozen=True)
class Fan:
    """Projected usable stock (no new order) per day, at each of FAN_QUANTILES."""

    days: tuple[date, ...]
    bands: tuple[tuple[float, ...], ...]  # one row per quantile


@dataclass(frozen=True)
class ItemForecast:
    code: str
    unit: str
    lead_time_days: int  # the median over runs
    window_days: int  # lead time + review period
    demand_mean: float  # over the window
    demand_p50: float
    demand_p90: float
    demand_p95: float
    on_hand: float
    in_transit: float
    expected_waste: float  # stock expected to expire unused within the window
    position: float  # usable on hand + in transit, less the expected waste
    reorder_point: float
    order_up_to: float
    order_quantity: float
    order_by: date | None
    stockout_probability: float  # that demand waits for stock on some day within the window
    fan: Fan = field(repr=False)
    excluded: tuple[ExcludedLot, ...] = ()  # lots the expiry cut-offs leave out


def item_forecast(as_of: date, item: ItemSupply, stock: Stock, leads: NDArray[np.int64],
                  policy: Policy) -> ItemForecast:
    """What to order, given each run's stock and demand (`stock`) and lead time (`leads`)."""
    cumulative = stock.cumulative
    runs = np.arange(cumulative.shape[0])
    window = leads + policy.horizon_days
    over_lead, over_window = cumulative[runs, leads], cumulative[runs, window]
    waste = stock.waste_by(window)
    position = float(stock.quantities.sum() - waste.mean())
    level = policy.service_level
    order_up_to = quantile(over_window, level)
    return ItemForecast(
        code=item.code, unit=item.unit, lead_time_days=int(np.median(leads)),
        window_days=int(np.median(window)), demand_mean=float(over_window.mean()),
        demand_p50=quantile(over_window, 0.5), demand_p90=quantile(over_window, 0.9),
        demand_p95=quantile(over_window, 0.95),
        on_hand=sum(lot.quantity for lot in item.on_hand),
        in_transit=sum(lot.quantity for lot in item.in_transit),
        expected_waste=float(waste.mean()), position=position,
        reorder_point=quantile(over_lead, level), order_up_to=order_up_to,
        order_quantity=order_quantity(order_up_to - position, item.pack_size, item.minimum_order),
        order_by=_order_by(as_of, position, cumulative, leads, level, policy.horizon_days),
        stockout_probability=_stockout_probability(stock, window),
        fan=_fan(as_of, stock.path(policy.horizon_days)), excluded=sort_lots(as_of, item)[1])


def _stockout_probability(stock: Stock, window: NDArray[np.int64]) -> float:
    """The share of runs in which demand waits on some day within their window."""
    path = stock.path_at_end[:, :int(window.max())]
    # With every lot usable from day 0 the path only falls: its last day is its lowest.
    lowest = np.minimum.accumulate(path, axis=1) if stock.timed else path
    return float((lowest[np.arange(len(window)), window - 1] < -1e-9).mean())


def _order_by(as_of: date, position: float, cumulative: Matrix, leads: NDArray[np.int64], level: float,
              horizon: int) -> date | None:
    """The last day an order can be placed while the expected position still covers the demand over a
    lead time from then at the service level; None when it does throughout the horizon.

    The position falls short of that quantile exactly when fewer than level × runs runs need no more
    than it, so runs are counted, not sorted; a block of days at a time, runs grouped by lead time."""
    runs = cumulative.shape[0]
    needed = math.ceil(runs * level)  # the rank of the inverted-cdf quantile, as `quantile` takes it
    lead_times = np.unique(leads)
    by_lead = [(int(lead), np.flatnonzero(leads == lead) if len(lead_times) > 1 else slice(None))
               for lead in lead_times]
    step = max(_DAYS_AT_ONCE // runs, 1)
    for first in range(0, horizon + 1, step):
        days = slice(first, min(first + step, horizon + 1))
        expected = position - cumulative[:, days].mean(axis=0) + 1e-9
        covered = np.zeros(days.stop - first, dtype=np.int64)
        for lead, rows in by_lead:
            later = slice(first + lead, days.stop + lead)
            covered += (cumulative[rows, later] - cumulative[rows, days] <= expected).sum(axis=0)
        short = np.flatnonzero(covered < needed)
        if short.size:
            return as_of + timedelta(days=max(first + int(short[0]) - 1, 0))
    return None


_DAYS_AT_ONCE = 1_000_000  # runs × days looked at at a time in _order_by


def _fan(as_of: date, path: Matrix) -> Fan:
    """The fan at every day, or over a long horizon at most FAN_POINTS days spread evenly over it (the
    last one kept): a ten-year fan need not hold 3,651 days for each item."""
    days = path.shape[1]
    shown = np.arange(days) if days <= FAN_POINTS else np.unique(
        np.append(np.arange(0, days - 1, math.ceil((days - 1) / (FAN_POINTS - 1))), days - 1))
    step = max(_DAYS_AT_ONCE // path.shape[0], 1)
    # A few days at a time, each day's runs side by side: a small copy, partitioned in place.
    bands = np.concatenate([np.quantile(path.T[shown[first:first + step]], FAN_QUANTILES, axis=1,
                                        method="inverted_cdf", overwrite_input=True)
                            for first in range(0, len(shown), step)], axis=1)
    return Fan(tuple(as_of + timedelta(days=int(day)) for day in shown),
               tuple(tuple(float(value) for value in row) for row in bands))


def order_quantity(shortfall: float, pack_size: float, minimum_order: float) -> float:
    """`shortfall` rounded up to whole packs and to the minimum order; nothing when nothing is short."""
    if shortfall <= 1e-9:
        return 0.0
    packs = math.ceil(shortfall / pack_size - 1e-9)
    least = math.ceil(minimum_order / pack_size - 1e-9)
    return max(packs, least) * pack_size
