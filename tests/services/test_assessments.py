"""QA's structured assessments through the service: they resolve the excursion, are audited and
append-only, and stop counting when late readings change the excursion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError
from sqlmodel import select

from logistics.core.excursion_assessment import AssessmentDraft
from logistics.db.engine import unit_of_work
from logistics.db.models import AuditEvent, ExcursionAssessment, ExcursionRecord, Leg
from logistics.services import assessments, quality
from logistics.services.errors import InputError, NotFound
from tests.conftest import NOW
from tests.services.test_excursions import (
    START,
    run_scan,
    send,
    trace_with_a_40_minute_excursion,
    watched_until_receipt,
)
from tests.services.test_receiving import quarantined_line_id, receive


def assess(runtime, line_id, excursion_id, **changes):
    values = {"root_cause": "handling", "leg_id": None, "comment": "Left on the apron at BKK",
              "outcome": "no_impact"}
    with unit_of_work(runtime.sessions, actor="qa", reason="assessed") as session:
        return assessments.assess_excursion(session, line_id, excursion_id,
                                            AssessmentDraft(**{**values, **changes}), runtime.profiles,
                                            by="qa", now=NOW + timedelta(hours=1)).id


def received_with_an_excursion(runtime):
    watched_until_receipt(runtime, trace_with_a_40_minute_excursion())
    run_scan(runtime)
    receive(runtime)
    with runtime.sessions() as session:
        record = session.exec(select(ExcursionRecord).where(ExcursionRecord.rule == "above_8c_30min")).one()
        legs = session.exec(select(Leg).where(Leg.shipment_id == record.shipment_id)).all()
    return quarantined_line_id(runtime), record.id, [leg.id for leg in legs]


def test_assessing_an_excursion_for_a_lot_resolves_it_and_is_audited(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    line_id, excursion_id, legs = received_with_an_excursion(runtime)
    with pytest.raises(InputError) as unnamed:
        assess(runtime, line_id, excursion_id)
    assert set(unnamed.value.errors) == {"leg"}
    assessment_id = assess(runtime, line_id, excursion_id, leg_id=legs[-1])
    with runtime.sessions() as session:
        record = session.get(ExcursionRecord, excursion_id)
        assert (record.status, record.resolved_by, record.disposition) == ("resolved", "qa", "no_impact")
        assert record.assessment.startswith("SEL-CD34 SK2609-031: no impact; cause handling at ")
        (row,) = quality.line_decision(session, line_id, runtime.profiles, now=NOW).evidence
        assert row.assessment.id == assessment_id and row.impact.budget_s == 72 * 3600
        assert 0 < row.assessment.used_s == row.impact.used_s < 3600
        created = session.exec(select(AuditEvent).where(AuditEvent.entity == "excursion_assessments")).one()
    assert (created.action, created.actor, created.reason) == ("create", "qa", "assessed")
    with pytest.raises(DatabaseError, match="append-only"):
        with runtime.engine.begin() as connection:
            connection.execute(text("UPDATE excursion_assessments SET outcome = 'reject'"))


def test_an_assessment_stops_counting_when_late_readings_change_the_excursion(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    line_id, excursion_id, _legs = received_with_an_excursion(runtime)
    assess(runtime, line_id, excursion_id, root_cause="packaging")
    with runtime.sessions() as session:
        assert quality.line_decision(session, line_id, runtime.profiles, now=NOW).blockers == []
    send(runtime, [(START + timedelta(minutes=217), 9.6)])  # backfilled inside the run: a higher peak
    run_scan(runtime, now=NOW + timedelta(hours=2))
    with runtime.sessions() as session:
        record = session.get(ExcursionRecord, excursion_id)
        assessment = session.exec(select(ExcursionAssessment)).one()
        assert record.peak == 9.6 and not assessments.matches(assessment, record)
        blockers = quality.line_decision(session, line_id, runtime.profiles, now=NOW).blockers
    assert [kind.value for kind, _label in blockers] == ["unassessed"]


def test_only_the_lots_own_excursions_not_withdrawn_can_be_assessed(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    line_id, excursion_id, _legs = received_with_an_excursion(runtime)
    with pytest.raises(NotFound, match="not evidence"):
        assess(runtime, line_id, excursion_id + 99, root_cause="packaging")
    send(runtime, [(START + timedelta(minutes=5 * 40 + 2), 6.0)])  # backfilled: splits the run
    run_scan(runtime, now=NOW + timedelta(hours=2))
    with pytest.raises(NotFound, match="not evidence"):
        assess(runtime, line_id, excursion_id, root_cause="packaging")
    with runtime.sessions() as session:
        assert quality.line_decision(session, line_id, runtime.profiles, now=NOW).blockers == []
