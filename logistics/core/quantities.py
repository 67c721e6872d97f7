"""Whether a quantity makes sense for an item: countable things come whole, and no entry holds more than
the item's plausible most.

Every path that takes a quantity of goods (a shipment line, a count at receipt, a stock movement, QA's
partial release; from a form, the API or a CSV file) asks `quantity_problem` or `read_quantity`, so the
rule is said once. A typed quantity is read by `units.parse_quantity`, which refuses scientific notation.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

from logistics.core.refusals import N_, Refusal, Term
from logistics.core.units import QuantityError, is_count_unit, parse_quantity

# The largest quantity one entry may hold, in the item's unit of issue, for an item that sets none of its
# own (the `max_quantity` setting says the same; this is its built-in value).
DEFAULT_MAX_QUANTITY = 10_000.0

# A plain decimal number as people type it: digits, one optional point, an optional sign; and the same
# in scientific notation, to say what is wrong with it.
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
_SCIENTIFIC_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d+$")


@dataclass(frozen=True)
class QuantityRule:
    """What one item accepts: its unit of issue and the most one entry may hold in it."""

    item: str  # the item's code, to name it in a refusal
    unit: str
    most: float


def quantity_problem(amount: float, rule: QuantityRule, *, zero_allowed: bool = False) -> Refusal | None:
    """Why `amount` (in the item's unit) is no quantity of the item, or None when it is one."""
    shown = plain_number(amount) if math.isfinite(amount) else str(amount)
    if not math.isfinite(amount) or amount < 0 or (amount == 0 and not zero_allowed):
        if zero_allowed:
            return Refusal(N_("must be zero or more, got %(amount)s"), amount=shown)
        return Refusal(N_("must be more than nothing"))
    if is_count_unit(rule.unit) and not float(amount).is_integer():
        return Refusal(N_("must be a whole number of %(unit)s (they are counted, not measured), got "
                          "%(amount)s"), unit=Term(rule.unit), amount=shown)
    if amount > rule.most:
        return Refusal(N_("must be at most %(most)s %(unit)s, the largest quantity of %(item)s one entry "
                          "may hold"), most=grouped(rule.most), unit=Term(rule.unit), item=rule.item)
    return None


def read_quantity(text: str, rule: QuantityRule, *, zero_allowed: bool = False) -> float:
    """A typed quantity ("12 kit", "500 mL", a bare number in the item's unit) as a number in the item's
    unit; a QuantityError saying why when it cannot be read or makes no sense for the item."""
    amount = parse_quantity(text, rule.unit)
    problem = quantity_problem(amount, rule, zero_allowed=zero_allowed)
    if problem is not None:
        raise QuantityError(problem)
    return amount


def read_plain_number(text: str) -> float:
    """A number typed in a form or a file, written out in full ("12", "0.5"); a QuantityError for anything
    else, scientific notation ("1e3"), "inf" and "nan" included."""
    cleaned = text.strip()
    if _SCIENTIFIC_NUMBER.match(cleaned):
        raise QuantityError(Refusal(N_("write the number out in full, not in scientific notation (%(text)s)"),
                                    text=repr(cleaned)))
    if not _PLAIN_NUMBER.match(cleaned):
        raise QuantityError(Refusal(N_("enter a number written out in full, e.g. 12 or 0.5")))
    return float(cleaned)


def grouped(value: float) -> str:
    """`value` with thousands separated, as a refusal states a bound: 10,000 or 2,500.5."""
    return format(Decimal(plain_number(value)), ",f")


def plain_number(value: float) -> str:
    """`value` written out in full for a form field or a message: 10000, 0.00001, 2.5; never 1e+04."""
    value = float(value)  # an int from a TOML file or a test says the same
    if value.is_integer():
        return str(int(value))
    return format(Decimal(repr(value)), "f")  # repr: the shortest digits that read back as `value`
