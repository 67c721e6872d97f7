"""Thai import papers: the import permit a shipment travels under, the licence-per-invoice data the customs
broker files before the goods land, and the coolant line the packing list carries.

Thailand's FDA lets investigational goods in under an import permit (its number, holder, validity and the
items it covers, for one trial's protocol), and asks, per invoice and before arrival, for each line's HS code,
lot, manufacture and expiry date and net weight, with the air waybill and the invoice number.

The rules here, in the order a person meets them:
- a shipment needs a permit only when its destination is in a country that asks for one (`PERMIT_COUNTRIES`);
- the permit is named on the shipment and found in the register; it must be valid on the day of planned
  arrival at the destination (issued on or before it, expiring on or after it: both dates count) and cover
  every item carried;
- an HS code is 6 to 10 digits (the 6 of the Harmonized System, then national ones), dots allowed between
  them ("3002.12", "3822.19.00");
- dry ice (UN 1845, class 9) is declared with its net kg on the packing list (IATA DGR packing instruction
  954); an LN2 dry shipper is "not restricted" only when it holds no free liquid (IATA DGR special provision
  A152), which the lane says: without that word it is not marked so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from logistics.core.lanes import Coolant
from logistics.core.refusals import N_, Refusal

PERMIT_COUNTRIES = frozenset({"TH"})  # where the destination's country asks for an import permit
PERMIT_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,59}$"  # one path segment of its page's address
MAX_PERMIT_YEARS = 10  # validity longer than this is a typo
EARLIEST_PERMIT_DAY = date(2000, 1, 1)
LATEST_PERMIT_DAY = date(2099, 12, 31)
MAX_NET_WEIGHT_KG = 1000.0  # one line of an air shipment of reagents
INVOICE_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$"
_HS_CODE = re.compile(r"^[0-9]+(?:\.[0-9]+)*$")


class PermitProblemCode(StrEnum):
    MISSING = "permit_missing"  # the shipment names no permit
    UNKNOWN = "permit_unknown"  # it names one the register does not hold
    ARRIVAL_UNKNOWN = "arrival_unknown"  # no planned arrival to check the validity against
    NOT_YET_VALID = "permit_not_yet_valid"  # issued after the planned arrival
    EXPIRED = "permit_expired"  # expires before the planned arrival
    NOT_COVERED = "item_not_covered"  # an item carried that the permit does not list


@dataclass(frozen=True)
class PermitProblem:
    """Why a shipment may not leave under its permit: a code the dispatch gate can act on, the refusal
    people read, and the item it is about (for NOT_COVERED)."""

    code: PermitProblemCode
    refusal: Refusal
    item: str | None = None


@dataclass(frozen=True)
class PermitFacts:
    """What the rules read of a permit in the register."""

    number: str
    issued: date
    expires: date
    items: frozenset[str]  # item codes


def permit_needed(destination_country: str) -> bool:
    return destination_country.upper() in PERMIT_COUNTRIES


def permit_problems(named: str | None, permit: PermitFacts | None, *, arrival_day: date | None,
                    item_codes: Sequence[str]) -> list[PermitProblem]:
    """What stands between the shipment and its permit: `named` is the number the shipment gives, `permit`
    the register's entry of that number, `arrival_day` the planned arrival's date at the destination."""
    if not (named or "").strip():
        return [PermitProblem(PermitProblemCode.MISSING,
                              Refusal(N_("no import permit is named: give the permit's number")))]
    if permit is None:
        return [PermitProblem(PermitProblemCode.UNKNOWN, Refusal(
            N_("import permit %(number)s is not in the register"), number=named))]
    problems = []
    if arrival_day is None:
        problems.append(PermitProblem(PermitProblemCode.ARRIVAL_UNKNOWN, Refusal(
            N_("give the planned arrival: the permit's validity is checked against it"))))
    elif arrival_day < permit.issued:
        problems.append(PermitProblem(PermitProblemCode.NOT_YET_VALID, Refusal(
            N_("import permit %(number)s is valid from %(issued)s, after the planned arrival on %(arrival)s"),
            number=permit.number, issued=permit.issued.isoformat(), arrival=arrival_day.isoformat())))
    elif arrival_day > permit.expires:
        problems.append(PermitProblem(PermitProblemCode.EXPIRED, Refusal(
            N_("import permit %(number)s expires on %(expires)s, before the planned arrival on %(arrival)s"),
            number=permit.number, expires=permit.expires.isoformat(), arrival=arrival_day.isoformat())))
    for code in dict.fromkeys(item_codes):
        if code not in permit.items:
            problems.append(PermitProblem(PermitProblemCode.NOT_COVERED, Refusal(
                N_("import permit %(number)s does not cover %(item)s"), number=permit.number, item=code),
                item=code))
    return problems


def permit_dates_problems(issued: date, expires: date) -> dict[str, Refusal]:
    """Refusals by field of a permit's validity: plausible days, expiry after issue, not decades long."""
    problems: dict[str, Refusal] = {}
    for field, day in (("issued", issued), ("expires", expires)):
        if not EARLIEST_PERMIT_DAY <= day <= LATEST_PERMIT_DAY:
            problems[field] = Refusal(N_("must be from %(earliest)s to %(latest)s"),
                                      earliest=EARLIEST_PERMIT_DAY.isoformat(),
                                      latest=LATEST_PERMIT_DAY.isoformat())
    if problems:
        return problems
    if expires <= issued:
        problems["expires"] = Refusal(N_("must be after the day the permit was issued"))
    elif (expires - issued).days > MAX_PERMIT_YEARS * 366:
        problems["expires"] = Refusal(N_("a permit valid for more than %(years)d years is a typo"),
                                      years=MAX_PERMIT_YEARS)
    return problems


def hs_code_problem(code: str) -> Refusal | None:
    """Why `code` (trimmed) is no HS code, or None."""
    if _HS_CODE.fullmatch(code) and 6 <= len(code.replace(".", "")) <= 10:
        return None
    return Refusal(N_("an HS code is 6 to 10 digits, dots allowed between them (e.g. %(example)s)"),
                   example="3002.12")


@dataclass(frozen=True)
class PaperLine:
    """One line of the licence per invoice."""

    item_code: str
    hs_code: str | None
    lot_number: str
    manufactured: date | None
    expiry: date
    net_weight_kg: float | None


def paper_gaps(lines: Sequence[PaperLine], *, air_waybill: str | None, invoice_number: str | None
               ) -> list[Refusal]:
    """What the licence per invoice still lacks before the broker can file it."""
    gaps = []
    if not air_waybill:
        gaps.append(Refusal(N_("the air waybill is not known yet")))
    if not invoice_number:
        gaps.append(Refusal(N_("the invoice number is not given")))
    for line in lines:
        for missing, template in ((line.hs_code is None, N_("%(item)s has no HS code")),
                                  (line.manufactured is None, N_("lot %(lot)s of %(item)s has no manufacture "
                                                                 "date")),
                                  (line.net_weight_kg is None, N_("the line of %(item)s, lot %(lot)s, has no "
                                                                  "net weight"))):
            if missing:
                gaps.append(Refusal(template, item=line.item_code, lot=line.lot_number))
    return gaps


def coolant_marking(coolant: str | None, coolant_kg: float | None, *, no_free_liquid: bool) -> str | None:
    """The line the packing list carries for the coolant, or None when it needs none."""
    if coolant == Coolant.DRY_ICE:
        return f"UN 1845, Dry ice, 9, {_kg(coolant_kg)} kg net"
    if coolant == Coolant.LN2_DRY_SHIPPER:
        if no_free_liquid:
            return "Not restricted, as per IATA special provision A152 (dry shipper, no free liquid)"
        return ("LN2 dry shipper: NOT marked as not restricted; the lane does not confirm that the shipper "
                "holds no free liquid (IATA special provision A152)")
    return None


def _kg(value: float | None) -> str:
    return "?" if value is None else f"{value:,.3f}".rstrip("0").rstrip(".")
