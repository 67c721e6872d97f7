"""Quantities with units at the edges: "500 mL" or "12 kit" becomes a float in a known unit.

Countable units of issue (kit, bag, vial, ...) are handled here: they never convert into
anything else. Physical units (mL, L, mg, µg, ...) go through pint. Input is matched against a
strict pattern first, so pint never evaluates arbitrary expressions from a form. Numbers are written out
in full: "1e3 bag" is refused, since no one counts bags in scientific notation and a slip of the keyboard
("1e9") must not become a billion of anything.
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import TYPE_CHECKING

from logistics.core.refusals import N_, Refusal, Term

if TYPE_CHECKING:
    import pint

# Marked for the catalogs: pages and documents show them in the reader's language (`core.words`).
COUNT_UNITS = frozenset({N_("kit"), N_("set"), N_("bag"), N_("vial"), N_("bottle"), N_("box"), N_("pack"),
                         N_("tube"), N_("ampoule"), N_("test"), N_("each"), N_("unit")})
_QUANTITY = re.compile(
    r"^\s*(?P<number>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*"
    r"(?P<unit>[A-Za-zµμ][A-Za-z0-9µμ_/.]{0,19})?\s*$"
)
# A number in scientific notation, with or without a unit after it: "1e3", "2.5E-2 mL", "1e3bag".
_SCIENTIFIC = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)[eE][+-]?\d")


class QuantityError(ValueError):
    """A quantity or unit that cannot be read or does not fit the expected unit."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal)
        self.refusal = refusal  # what a page says in the reader's language


@cache
def registry() -> pint.UnitRegistry:  # type: ignore[type-arg]
    """pint's unit registry, built once on first use (importing pint, and numpy with it, takes a few
    hundred milliseconds that most commands never need)."""
    import pint

    return pint.UnitRegistry()


def count_unit(word: str) -> str | None:
    """The count unit `word` names (singular or plural), if any."""
    lowered = word.lower()
    for candidate in (lowered, lowered.removesuffix("s"), lowered.removesuffix("es")):
        if candidate in COUNT_UNITS:
            return candidate
    return None


def is_count_unit(unit: str) -> bool:
    """True for a countable unit of issue (kit, vials, ...), which counts things rather than measures."""
    return count_unit(unit) is not None


def _physical_unit(word: str) -> pint.Unit:
    try:
        return registry().Unit(word)
    except Exception:  # pint raises several types (and asserts) on unreadable units
        raise QuantityError(Refusal(N_("unknown unit %(unit)s"), unit=repr(word))) from None


def check_unit(unit: str) -> str:
    """Return `unit` unchanged if it is a count unit or a unit pint knows, else raise."""
    if count_unit(unit) is None:
        _physical_unit(unit)
    return unit


def parse_quantity(text: str, unit: str) -> float:
    """Read a typed quantity such as "500 mL" or "12 kit" and express it in `unit`.

    A bare number is taken to be in `unit` already.
    """
    if not text.strip():
        raise QuantityError(Refusal(N_("a quantity is required")))
    problem = scientific_notation(text)
    if problem is not None:
        raise QuantityError(problem)
    match = _QUANTITY.match(text)
    if match is None:
        raise QuantityError(Refusal(N_("cannot read %(text)s as a quantity (try e.g. \"12 %(unit)s\")"),
                                    text=repr(text.strip()), unit=unit))
    value = float(match["number"])
    if not math.isfinite(value) or value < 0:
        raise QuantityError(Refusal(N_("%(text)s must be a finite, non-negative quantity"),
                                    text=repr(text.strip())))
    given = match["unit"]
    if given:
        value = _convert(value, given, unit, text.strip())
    return value


def scientific_notation(text: str) -> Refusal | None:
    """The refusal of a quantity written in scientific notation ("1e3", "2.5E-2 mL"), or None."""
    if _SCIENTIFIC.match(text):
        return Refusal(N_("write the number out in full, not in scientific notation (%(text)s)"),
                       text=repr(text.strip()))
    return None


def _convert(value: float, given: str, target: str, text: str) -> float:
    given_count, target_count = count_unit(given), count_unit(target)
    if given_count or target_count:
        if given_count != target_count:
            raise QuantityError(_not_in(text, target))
        return value
    from pint.errors import DimensionalityError

    try:
        return float(registry().Quantity(value, _physical_unit(given)).to(target).magnitude)
    except DimensionalityError:
        raise QuantityError(_not_in(text, target)) from None


def _not_in(text: str, target: str) -> Refusal:
    return Refusal(N_("%(text)s cannot be expressed in %(unit)s"), text=repr(text), unit=Term(target))
