"""Expiry cut-offs per item, as clinical supply systems name them: do not ship (DNS), do not count (DNC) and
do not dispense (DND), in whole days before a lot's expiry.

One rule for the dispatch gate, the stock page and the reorder forecast: a lot that arrives with less
shelf life than DNS is not shipped; stock within DNC days of expiry is not counted as usable; and a lot is
not used within DND days of its expiry, so its last usable day is expiry - DND.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

MAX_CUT_OFF_DAYS = 3650


@dataclass(frozen=True)
class CutOffs:
    do_not_ship_days: int = 0
    do_not_count_days: int = 0
    do_not_dispense_days: int = 0

    def problems(self) -> list[str]:
        return [f"{name}: between 0 and {MAX_CUT_OFF_DAYS:,} days"
                for name, days in (("do_not_ship_days", self.do_not_ship_days),
                                   ("do_not_count_days", self.do_not_count_days),
                                   ("do_not_dispense_days", self.do_not_dispense_days))
                if not 0 <= days <= MAX_CUT_OFF_DAYS]


NO_CUT_OFFS = CutOffs()


class Exclusion(StrEnum):
    """Why a lot is left out of the usable stock."""

    EXPIRED = "expired"
    DO_NOT_SHIP = "do-not-ship"  # on its way, but arriving too close to expiry to be shipped
    DO_NOT_COUNT = "do-not-count"  # within the do-not-count days of expiry today


def exclusion(expiry: date | None, as_of: date, cut_offs: CutOffs = NO_CUT_OFFS,
              arrives: date | None = None) -> Exclusion | None:
    """Why a lot expiring on `expiry` does not count as usable stock on `as_of` (None: it counts).
    `arrives` is the day a lot on its way is expected on site; None for stock already there."""
    if expiry is None:
        return None
    if expiry < as_of:
        return Exclusion.EXPIRED
    if arrives is not None and (expiry - arrives).days < cut_offs.do_not_ship_days:
        return Exclusion.DO_NOT_SHIP
    if (expiry - as_of).days < cut_offs.do_not_count_days:
        return Exclusion.DO_NOT_COUNT
    return None


def last_usable_day(expiry: date, cut_offs: CutOffs = NO_CUT_OFFS) -> date:
    """The last day a lot may be dispensed: its expiry less the do-not-dispense days."""
    return expiry - timedelta(days=cut_offs.do_not_dispense_days)
