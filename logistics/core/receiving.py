"""Receiving goods at the pharmacy: what the checklist and the count found, and where each line goes.

A line may be accepted only when nothing speaks against the goods: an excursion still open, a shipment
that was not monitored (or whose logger is missing), a failed check of the box, or a line whose lot,
expiry or count differs from the shipping record sends it to quarantine for QA to decide (EU GDP
guidelines 2013/C 343/01, §5.2 and §9.2). Rejecting is always allowed. Damaged units are never usable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from logistics.core.quantities import QuantityRule, quantity_problem
from logistics.core.refusals import Refusal

# Counts are floats in the item's unit of issue; this much difference is rounding, not a discrepancy.
COUNT_TOLERANCE = 1e-9


class Disposition(StrEnum):
    ACCEPT = "accept"
    QUARANTINE = "quarantine"
    REJECT = "reject"


class CoolantState(StrEnum):
    FROZEN = "frozen"  # gel packs or PCM still frozen
    COLD = "cold"  # conditioned packs still cold
    PARTLY_THAWED = "partly_thawed"
    THAWED = "thawed"
    DRY_ICE_PRESENT = "dry_ice_present"
    DRY_ICE_GONE = "dry_ice_gone"
    NOT_USED = "not_used"  # an active container, or goods shipped without coolant


SPENT_COOLANT = frozenset({CoolantState.THAWED, CoolantState.DRY_ICE_GONE})


class Finding(StrEnum):
    """What the inspection of the box found wrong."""

    PACKAGING_DAMAGED = "packaging_damaged"
    SEAL_BROKEN = "seal_broken"
    COOLANT_MISSING = "coolant_missing"
    COOLANT_SPENT = "coolant_spent"
    LOGGER_MISSING = "logger_missing"
    LOGGER_ALARM = "logger_alarm"
    DOCUMENTS_MISSING = "documents_missing"
    IMPORT_PERMIT_MISSING = "import_permit_missing"


class Discrepancy(StrEnum):
    """How a line in the box differs from the shipping record."""

    LOT_MISMATCH = "lot_mismatch"
    EXPIRY_MISMATCH = "expiry_mismatch"
    COUNT_MISMATCH = "count_mismatch"
    DAMAGED = "damaged"
    MISSING = "missing"


class QuarantineReason(StrEnum):
    """Why a line may not be accepted as it is; each checklist finding but a missing logger is one too."""

    OPEN_EXCURSION = "open_excursion"
    NO_MONITOR = "no_monitor"  # also when the logger is missing
    DISCREPANCY = "discrepancy"


@dataclass(frozen=True)
class Checklist:
    """The pharmacist's inspection of the box before it is opened."""

    packaging_intact: bool
    seals_intact: bool
    coolant_present: bool
    coolant_state: CoolantState
    logger_present: bool
    logger_alarm: bool  # the logger's own alarm indicator shows an alarm
    documents_complete: bool
    import_permit_present: bool


# The checklist's yes/no questions, in the order they are asked (the coolant's state is a choice).
YES_NO_CHECKS = ("packaging_intact", "seals_intact", "coolant_present", "logger_present", "logger_alarm",
                 "documents_complete", "import_permit_present")


def stored_codes(text: str) -> list[str]:
    """Codes as they are kept, comma-separated (findings, reasons, discrepancies), as a list."""
    return [code for code in text.split(",") if code]


def checklist_findings(checklist: Checklist) -> list[Finding]:
    """What the inspection found wrong, as stable codes (shown translated, kept on the receipt)."""
    no_coolant = not checklist.coolant_present and checklist.coolant_state != CoolantState.NOT_USED
    failed = [
        (not checklist.packaging_intact, Finding.PACKAGING_DAMAGED),
        (not checklist.seals_intact, Finding.SEAL_BROKEN),
        (no_coolant, Finding.COOLANT_MISSING),
        (checklist.coolant_state in SPENT_COOLANT, Finding.COOLANT_SPENT),
        (not checklist.logger_present, Finding.LOGGER_MISSING),
        (checklist.logger_alarm, Finding.LOGGER_ALARM),
        (not checklist.documents_complete, Finding.DOCUMENTS_MISSING),
        (not checklist.import_permit_present, Finding.IMPORT_PERMIT_MISSING),
    ]
    return [code for wrong, code in failed if wrong]


@dataclass(frozen=True)
class ShippedLine:
    """A line as the shipping record has it."""

    lot_number: str
    expiry: date
    quantity: float


@dataclass(frozen=True)
class CountedLine:
    """The same line as found in the box."""

    lot_number: str
    expiry: date | None
    received: float  # intact units
    damaged: float
    missing: float
    requested: Disposition


def count_problems(counted: CountedLine, rule: QuantityRule) -> dict[str, Refusal]:
    """Field → problem for counts that cannot be right whatever was shipped: each is zero or more, whole
    for an item that is counted, and within the item's bound (`quantities.quantity_problem`)."""
    problems = {}
    for field in ("received", "damaged", "missing"):
        problem = quantity_problem(getattr(counted, field), rule, zero_allowed=True)
        if problem is not None:
            problems[field] = problem
    return problems


def line_discrepancies(shipped: ShippedLine, counted: CountedLine) -> list[Discrepancy]:
    """How the line in the box differs from the shipping record."""
    found = []
    if counted.lot_number.strip() != shipped.lot_number:
        found.append(Discrepancy.LOT_MISMATCH)
    if counted.expiry is not None and counted.expiry != shipped.expiry:
        found.append(Discrepancy.EXPIRY_MISMATCH)
    if abs(counted.received + counted.damaged + counted.missing - shipped.quantity) > COUNT_TOLERANCE:
        found.append(Discrepancy.COUNT_MISMATCH)
    if counted.damaged > 0:
        found.append(Discrepancy.DAMAGED)
    if counted.missing > 0:
        found.append(Discrepancy.MISSING)
    return found


def count_difference(shipped_quantity: float, counted: CountedLine) -> float:
    """Units found in the box (intact and damaged) less the units shipped: negative when some are short."""
    difference = counted.received + counted.damaged - shipped_quantity
    return 0.0 if abs(difference) <= COUNT_TOLERANCE else difference


@dataclass(frozen=True)
class ExpectedLine:
    """A shipped line as a scanned pack is matched against it."""

    line_id: int
    gtin: str | None  # the item's GTIN-14, if it has one
    lot_number: str


def line_for_pack(lines: Sequence[ExpectedLine], gtin: str, lot_number: str | None) -> int | None:
    """The line a scanned pack belongs to: the one of its GTIN, or where two lots of the item travel
    together, the one of its lot (else the first of them). None when no line carries the GTIN."""
    candidates = [line for line in lines if line.gtin == gtin]
    same_lot = [line for line in candidates if line.lot_number == (lot_number or "").strip()]
    chosen = (same_lot or candidates)[:1]
    return chosen[0].line_id if chosen else None


@dataclass(frozen=True)
class Conditions:
    """What is known about the shipment as a whole when its lines are decided."""

    open_excursions: int
    monitored: bool  # at least one logger recorded the journey
    findings: tuple[str, ...]  # Finding codes, from the checklist


def quarantine_reasons(conditions: Conditions, discrepancies: Sequence[str]) -> list[str]:
    """Why a line may not be accepted as it is; empty when nothing speaks against it."""
    reasons: list[str] = []
    if conditions.open_excursions:
        reasons.append(QuarantineReason.OPEN_EXCURSION)
    if not conditions.monitored or Finding.LOGGER_MISSING in conditions.findings:
        reasons.append(QuarantineReason.NO_MONITOR)
    reasons += [finding for finding in conditions.findings if finding != Finding.LOGGER_MISSING]
    if discrepancies:
        reasons.append(QuarantineReason.DISCREPANCY)
    return reasons


def decide(requested: Disposition, reasons: list[str]) -> Disposition:
    """Where the line goes: a requested acceptance becomes quarantine when there is any reason."""
    if requested == Disposition.ACCEPT and reasons:
        return Disposition.QUARANTINE
    return requested


@dataclass(frozen=True)
class Placement:
    """Units of a received line by the stock status they enter."""

    available: float
    quarantined: float
    rejected: float


def place(counted: CountedLine, disposition: Disposition) -> Placement:
    """Intact units go where the line's disposition says; damaged units are rejected; missing ones are not
    stock at all."""
    intact = counted.received
    return Placement(
        available=intact if disposition == Disposition.ACCEPT else 0.0,
        quarantined=intact if disposition == Disposition.QUARANTINE else 0.0,
        rejected=(intact if disposition == Disposition.REJECT else 0.0) + counted.damaged,
    )
