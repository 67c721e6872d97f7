"""The review of an excursion record: open → acknowledged → resolved (or withdrawn by re-evaluation).

Acknowledging says someone acts on it (in transit: call the courier, re-ice). Resolving closes it with
an assessment: on the shipment page as free text, or on QA's decision page as the structured assessment
of its impact on one lot (`core.excursion_assessment`), which resolves it from open or acknowledged. Only
the structured assessment counts for releasing goods; once resolved, the record keeps its first
resolution and each lot's assessment is kept beside it.
"""

from __future__ import annotations

from enum import StrEnum


class ReviewStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"  # a later evaluation (late readings) no longer finds it


class GoodsDisposition(StrEnum):
    """What is decided about the goods once the excursion has been assessed."""

    NO_IMPACT = "no_impact"
    USE_WITHIN_STABILITY_BUDGET = "use_within_stability_budget"
    QUARANTINE = "quarantine"
    REJECT = "reject"


DISPOSITIONS = tuple(GoodsDisposition)
# As long as the record keeps them (db/models/excursions.py): a longer text is refused, not cut.
MAX_COMMENT = 2000
MAX_ASSESSMENT = 4000


class ReviewError(ValueError):
    """A review step that is not allowed, or lacks what it needs; `field` names what is missing."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def acknowledge(status: ReviewStatus | str, comment: str) -> ReviewStatus:
    """Someone has seen it and says what is being done; a comment is required."""
    if ReviewStatus(status) != ReviewStatus.OPEN:
        raise ReviewError("status", f"only an open excursion can be acknowledged (it is {status})")
    if not comment.strip():
        raise ReviewError("comment", "say what is being done about it")
    if len(comment.strip()) > MAX_COMMENT:
        raise ReviewError("comment", f"at most {MAX_COMMENT} characters")
    return ReviewStatus.ACKNOWLEDGED


def resolve(status: ReviewStatus | str, *, ended: bool, assessment: str, disposition: str) -> ReviewStatus:
    """Closed with an assessment of the impact and a disposition of the goods; only once it has ended."""
    if ReviewStatus(status) != ReviewStatus.ACKNOWLEDGED:
        raise ReviewError("status", f"acknowledge the excursion before resolving it (it is {status})")
    if not ended:
        raise ReviewError("status", "the excursion is still running; it can be resolved once it has ended")
    if not assessment.strip():
        raise ReviewError("assessment", "describe the impact on the goods")
    if len(assessment.strip()) > MAX_ASSESSMENT:
        raise ReviewError("assessment", f"at most {MAX_ASSESSMENT} characters")
    if disposition not in DISPOSITIONS:
        raise ReviewError("disposition", f"choose one of {', '.join(DISPOSITIONS)}")
    return ReviewStatus.RESOLVED


def assess(status: ReviewStatus | str, *, running: bool) -> ReviewStatus:
    """QA's structured assessment of the excursion for a lot: resolves it (acknowledging is not needed;
    a record resolved already stays so). Not while it still runs, and not once withdrawn."""
    if ReviewStatus(status) == ReviewStatus.WITHDRAWN:
        raise ReviewError("status", "the excursion was withdrawn: late readings no longer show it")
    if running:
        raise ReviewError("status", "the excursion is still running; it can be assessed once it has ended")
    return ReviewStatus.RESOLVED
