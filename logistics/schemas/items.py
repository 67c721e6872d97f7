"""Shapes of an item's expiry cut-offs as the API reads and sets them (core.expiry_cut_offs)."""

from __future__ import annotations

from pydantic import Field

from logistics.core.expiry_cut_offs import MAX_CUT_OFF_DAYS
from logistics.schemas.base import Schema

DAYS = f"whole days before expiry, 0 to {MAX_CUT_OFF_DAYS:,}; 0: none"


class CutOffsFields(Schema):
    """An item's three expiry cut-offs as they should be (a PUT sends all of them)."""

    do_not_ship_days: int = Field(description=f"A lot arriving with less shelf life is not shipped: {DAYS}")
    do_not_count_days: int = Field(description=f"Stock this close to expiry is not counted as usable: {DAYS}")
    do_not_dispense_days: int = Field(description=f"A lot is not dispensed this close to expiry: {DAYS}")
    reason: str | None = Field(default=None, max_length=1000, description="Why, for the audit trail")


class CutOffsPublic(Schema):
    item: str
    do_not_ship_days: int
    do_not_count_days: int
    do_not_dispense_days: int
