"""QA's structured assessment of an excursion for a lot, the review step it takes, and what blocks a
release."""

from __future__ import annotations

import pytest

from logistics.core.excursion_assessment import (
    AssessmentDraft,
    Blocker,
    Evidence,
    Outcome,
    ProductImpact,
    assessment_problems,
    release_blockers,
    summary,
)
from logistics.core.excursion_review import ReviewError, ReviewStatus, assess

HOUR = 3600.0
WITHIN = ProductImpact(kind="above", peak=9.5, used_s=0.7 * HOUR, budget_s=72 * HOUR, limit_c=25.0)
LEGS = {11, 12}


def draft(**changes):
    values = {"root_cause": "packaging", "leg_id": None, "comment": "Gel packs conditioned too warm",
              "outcome": "no_impact"}
    return AssessmentDraft(**{**values, **changes})


def test_a_complete_assessment_has_no_problems_and_reads_as_one_line():
    assert assessment_problems(draft(), LEGS, WITHIN) == {}
    assert WITHIN.left_s == pytest.approx(71.3 * HOUR) and WITHIN.covered
    handled = draft(root_cause="handling", leg_id=12)
    assert assessment_problems(handled, LEGS, WITHIN) == {}
    assert summary("SEL-CD34 SK2609-031", handled, "2. air HKG → BKK", WITHIN) == (
        "SEL-CD34 SK2609-031: no impact; cause handling at 2. air HKG → BKK; allowance used 0.7 h of 72.0 h. "
        "Gel packs conditioned too warm")


def test_each_missing_or_wrong_field_is_named():
    assert set(assessment_problems(draft(root_cause="weather"), LEGS, WITHIN)) == {"root_cause"}
    assert set(assessment_problems(draft(root_cause="handling"), LEGS, WITHIN)) == {"leg"}
    assert set(assessment_problems(draft(root_cause="handling", leg_id=99), LEGS, WITHIN)) == {"leg"}
    assert set(assessment_problems(draft(comment="  "), LEGS, WITHIN)) == {"assessment_comment"}
    assert set(assessment_problems(draft(comment="x" * 2001), LEGS, WITHIN)) == {"assessment_comment"}
    assert set(assessment_problems(draft(outcome="fine"), LEGS, WITHIN)) == {"outcome"}


def test_no_impact_cannot_be_claimed_beyond_the_stability_data():
    too_hot = ProductImpact(kind="above", peak=27.0, used_s=HOUR, budget_s=72 * HOUR, limit_c=25.0)
    spent = ProductImpact(kind="below", peak=1.0, used_s=73 * HOUR, budget_s=72 * HOUR, limit_c=25.0)
    shock = ProductImpact(kind="shock", peak=30.0, used_s=0.0, budget_s=None, limit_c=25.0)  # 30 g, not °C
    assert too_hot.limit_exceeded and spent.allowance_exceeded and shock.covered
    for impact in (too_hot, spent):
        assert "stability data do not cover" in assessment_problems(draft(), LEGS, impact)["outcome"]
        assert assessment_problems(draft(outcome="reject"), LEGS, impact) == {}


def test_assessing_resolves_an_excursion_that_has_ended():
    for status in ("open", "acknowledged", "resolved"):
        assert assess(status, running=False) == ReviewStatus.RESOLVED
    with pytest.raises(ReviewError, match="still running"):
        assess("open", running=True)
    with pytest.raises(ReviewError, match="withdrawn") as withdrawn:
        assess("withdrawn", running=False)
    assert withdrawn.value.field == "status"


def test_a_release_waits_for_every_excursion_to_end_and_be_assessed_without_impact():
    evidence = [Evidence("LG-24003 above_8c_30min", running=False, outcome=Outcome.NO_IMPACT),
                Evidence("LG-24003 shock_10g", running=False, outcome=None),
                Evidence("LG-24005 above_minus60c_15min", running=True, outcome=None),
                Evidence("LG-24007 above_minus60c_15min", running=False, outcome=Outcome.REJECT)]
    assert release_blockers(evidence) == [(Blocker.UNASSESSED, "LG-24003 shock_10g"),
                                          (Blocker.RUNNING, "LG-24005 above_minus60c_15min"),
                                          (Blocker.IMPACT, "LG-24007 above_minus60c_15min")]
    assert release_blockers(evidence[:1]) == [] and release_blockers([]) == []
