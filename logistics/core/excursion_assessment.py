"""QA's structured assessment of an excursion for one lot, and what stands between a line and its release.

Before quarantined goods are released, every excursion of every shipment their lot travelled in is
assessed for that lot: its impact against the item's stability data (the allowance used and left, the
peak against the allowance's temperature limit), its root cause, a comment and an outcome (EU GDP
guidelines 2013/C 343/01 §9.2; WHO TRS 961 Annex 9, supplement 13). The assessment is kept with the
excursion's figures as they were assessed: when late readings change or withdraw the excursion, the
assessment no longer matches it and the excursion must be assessed again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class RootCause(StrEnum):
    PACKAGING = "packaging"
    HANDLING = "handling"  # at a named leg of the shipment
    CUSTOMS_DWELL = "customs_dwell"
    LOGGER_FAULT = "logger_fault"
    OTHER = "other"


class Outcome(StrEnum):
    NO_IMPACT = "no_impact"
    REJECT = "reject"  # an impact on the product: the goods are rejected


MAX_COMMENT = 2000  # as the assessment's column keeps it: a longer text is refused, not cut


@dataclass(frozen=True)
class ExcursionFigures:
    """What identifies an excursion's finding: an assessment holds while these are unchanged."""

    start: datetime
    end: datetime | None
    duration_s: float
    peak: float | None
    severity: str


@dataclass(frozen=True)
class ProductImpact:
    """The excursion against the lot's stability data when it is assessed."""

    kind: str  # the excursion's: above, below, shock, no_data
    peak: float | None  # the excursion's (°C, or g for a shock)
    used_s: float  # the lot's time outside its storage range over its life
    budget_s: float | None  # the item's allowance (None: it has none)
    limit_c: float | None  # the highest temperature the allowance covers

    @property
    def left_s(self) -> float | None:
        return None if self.budget_s is None else self.budget_s - self.used_s

    @property
    def allowance_exceeded(self) -> bool:
        return self.budget_s is not None and self.used_s > self.budget_s

    @property
    def limit_exceeded(self) -> bool:
        """A temperature above the limit the stability data cover."""
        return (self.kind == "above" and self.limit_c is not None and self.peak is not None
                and self.peak > self.limit_c)

    @property
    def covered(self) -> bool:
        """Whether the stability data cover what the goods went through."""
        return not (self.allowance_exceeded or self.limit_exceeded)


@dataclass(frozen=True)
class AssessmentDraft:
    root_cause: str
    leg_id: int | None  # the leg where the goods were handled, for a handling cause
    comment: str
    outcome: str


def assessment_problems(draft: AssessmentDraft, legs: Collection[int], impact: ProductImpact
                        ) -> dict[str, str]:
    """Field → problem; empty when the assessment can be recorded."""
    problems = {}
    if draft.root_cause not in tuple(RootCause):
        problems["root_cause"] = f"choose one of {', '.join(RootCause)}"
    elif draft.root_cause == RootCause.HANDLING and draft.leg_id not in legs:
        problems["leg"] = "name the leg where the goods were handled"
    comment = draft.comment.strip()
    if not comment:
        problems["assessment_comment"] = "say what the assessment rests on"
    elif len(comment) > MAX_COMMENT:
        problems["assessment_comment"] = f"at most {MAX_COMMENT} characters"
    if draft.outcome not in tuple(Outcome):
        problems["outcome"] = f"choose one of {', '.join(Outcome)}"
    elif draft.outcome == Outcome.NO_IMPACT and not impact.covered:
        problems["outcome"] = ("the item's stability data do not cover this lot any more (its allowance "
                               "or temperature limit is exceeded): the outcome is reject")
    return problems


def summary(item_lot: str, draft: AssessmentDraft, leg: str | None, impact: ProductImpact) -> str:
    """The assessment in one line of English, as the excursion record keeps its resolution."""
    cause = draft.root_cause.replace("_", " ") + (f" at {leg}" if leg else "")
    allowance = ("no allowance" if impact.budget_s is None
                 else f"allowance used {impact.used_s / 3600:.1f} h of {impact.budget_s / 3600:.1f} h")
    return (f"{item_lot}: {draft.outcome.replace('_', ' ')}; cause {cause}; {allowance}. "
            f"{draft.comment.strip()}")


class Blocker(StrEnum):
    """Why a line cannot be released (rejecting it stays possible)."""

    RUNNING = "running"  # the excursion has not ended
    UNASSESSED = "unassessed"  # no assessment for this lot, or the excursion changed since
    IMPACT = "impact"  # assessed with an impact on the product


@dataclass(frozen=True)
class Evidence:
    """An excursion as the decision on one lot sees it."""

    label: str  # which logger, rule and shipment, for people
    running: bool
    outcome: Outcome | None  # of its assessment for the lot that still matches it; None: none


def release_blockers(evidence: Sequence[Evidence]) -> list[tuple[Blocker, str]]:
    """What stands between the lot and a release, each with the excursion's label; empty: none."""
    found = []
    for excursion in evidence:
        if excursion.running:
            found.append((Blocker.RUNNING, excursion.label))
        elif excursion.outcome is None:
            found.append((Blocker.UNASSESSED, excursion.label))
        elif excursion.outcome == Outcome.REJECT:
            found.append((Blocker.IMPACT, excursion.label))
    return found
