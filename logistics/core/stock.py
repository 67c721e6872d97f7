"""Stock at the hospital: statuses, first-expiry-first-out picking, expiry warnings, QA's split and holds.

Only available stock that has not expired may be picked; picking takes the lots that expire first
(EU GDP guidelines §5.5: "first expiry, first out"), and a lot expiring on the day of use is still usable
that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from logistics.core.signatures import Meaning


class StockStatus(StrEnum):
    AVAILABLE = "available"
    QUARANTINED = "quarantined"
    REJECTED = "rejected"
    ON_HOLD = "on_hold"  # released once, held again: evidence changed after the decision, or a recall
    EXPIRED = "expired"  # never stored: available stock past its expiry date is shown as expired


@dataclass(frozen=True)
class Holding:
    """How much of one lot is in one status."""

    lot_id: int
    item_code: str
    lot_number: str
    expiry: date
    status: StockStatus
    quantity: float


def shown_status(holding: Holding, today: date) -> StockStatus:
    if holding.status == StockStatus.AVAILABLE and holding.expiry < today:
        return StockStatus.EXPIRED
    return holding.status


class InsufficientStock(ValueError):
    """Less usable stock than asked for; nothing is picked."""

    def __init__(self, wanted: float, usable: float) -> None:
        super().__init__(f"only {usable:g} usable (available and not expired), {wanted:g} asked for")
        self.wanted, self.usable = wanted, usable


def pick_fefo(holdings: list[Holding], quantity: float, today: date) -> list[tuple[Holding, float]]:
    """The lots and amounts to take for `quantity`, first expiry first out; all or nothing."""
    if not quantity > 0:
        raise ValueError(f"quantity must be more than zero, not {quantity}")
    usable = [h for h in holdings if h.quantity > 0 and shown_status(h, today) == StockStatus.AVAILABLE]
    usable.sort(key=lambda h: (h.expiry, h.lot_number))
    total = sum(h.quantity for h in usable)
    if total < quantity:
        raise InsufficientStock(quantity, total)
    picks, left = [], quantity
    for holding in usable:
        take = min(holding.quantity, left)
        picks.append((holding, take))
        left -= take
        if left <= 0:
            break
    return picks


def expiring(holdings: list[Holding], today: date, within_days: int) -> list[Holding]:
    """Available stock that expires within `within_days` (or already has), soonest first."""
    horizon = today + timedelta(days=within_days)
    return sorted((h for h in holdings if h.status == StockStatus.AVAILABLE and h.quantity > 0
                   and h.expiry <= horizon), key=lambda h: (h.expiry, h.lot_number))


def qa_split(quarantined: float, meaning: Meaning, released: float | None = None) -> tuple[float, float]:
    """(released, rejected) out of a quarantined quantity for QA's decision."""
    if meaning == Meaning.RELEASED:
        return quarantined, 0.0
    if meaning == Meaning.REJECTED:
        return 0.0, quarantined
    if released is None or not 0 < released < quarantined:
        raise ValueError(f"a partial release is more than 0 and less than {quarantined:g}")
    return released, quarantined - released


def allocate_hold(held: float, decisions: list[tuple[int, float]]) -> dict[int, float]:
    """Share `held` units of a lot at a site among the decisions that put them there, as (line id, how
    much it released) newest first: each takes up to what it released, and what no decision accounts for
    (an opening balance, units another line released) goes to the newest, so every held unit has a
    decision that can release or reject it again. Empty when there is no decision to reopen."""
    if not decisions:
        return {}
    shares, left = {}, held
    for line_id, released in decisions:
        shares[line_id] = min(max(released, 0.0), left)
        left -= shares[line_id]
    shares[decisions[0][0]] += left
    return {line_id: share for line_id, share in shares.items() if share > 0}
