"""The audit trail read as an inspector reads it, on each database: filters, a shipment's whole trail, the
names looked up in bulk, and removals that keep what is evidence."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import event
from sqlmodel import SQLModel, col, select

from logistics.core.audit_display import NAME_TEMPLATES, template_columns
from logistics.db.engine import unit_of_work
from logistics.db.models import AuditEvent, EvaluationProgress, Shipment
from logistics.readers.config_files import load_alert_routes
from logistics.services import audit, legs, loggers, shipments
from logistics.services.audit import AuditFilter
from logistics.services.audit_names import column_references, shown
from logistics.services.errors import InputError, NotFound
from logistics.services.excursions import scan
from tests.conftest import NOW
from tests.services.test_excursions import send, trace_with_a_40_minute_excursion

PLANNED = "HG-2026-0048"  # the demo's planned shipment: two lines, four legs not started, no logger


def change(runtime, reason, step, actor="logistics"):
    with unit_of_work(runtime.sessions, actor=actor, reason=reason) as session:
        return step(session)


def shipment_id(runtime, reference):
    with runtime.sessions() as session:
        return session.exec(select(Shipment.id).where(Shipment.reference == reference)).one()


def rework_the_planned_shipment(runtime):
    """A line removed, a leg removed, a logger assigned then taken back, a milestone: each with its reason."""
    with runtime.sessions() as session:
        line = shipments.describe_shipment(session, PLANNED).lines[0]
        free = loggers.free_codes(session)[0]
    change(runtime, "wrong lot packed", lambda s: shipments.remove_line(s, PLANNED, line.id))
    change(runtime, "courier leg no longer needed",
           lambda s: legs.delete_leg(s, PLANNED, 4, reason="courier leg no longer needed"))
    assigned = change(runtime, "logger packed", lambda s: loggers.assign(
        s, logger_code=free, reference=PLANNED, starts_at=NOW).id)
    change(runtime, "assigned by mistake", lambda s: loggers.remove_assignment(
        s, reference=PLANNED, assignment_id=assigned))
    return line, free


def test_a_shipments_trail_holds_the_changes_to_its_lines_legs_and_loggers_removed_ones_too(demo_runtime):
    line, logger = rework_the_planned_shipment(demo_runtime)
    with demo_runtime.sessions() as session:
        trail = audit.shipment_trail(session, shipment_id(demo_runtime, PLANNED))
    assert [row.id for row in trail] == sorted(row.id for row in trail)  # oldest first
    assert {row.kind for row in trail} == {"shipments", "shipment_lines", "legs", "logger_assignments"}
    assert all(row.record.startswith(PLANNED) or row.record.endswith(f" in {PLANNED}") for row in trail)
    removals = {(row.kind, row.record, row.reason) for row in trail if row.action == "delete"}
    assert removals == {
        ("shipment_lines", f"{PLANNED} line {line.item_code}/{line.lot_number}", "wrong lot packed"),
        ("legs", f"{PLANNED} leg 4", "courier leg no longer needed"),
        ("logger_assignments", f"{logger} in {PLANNED}", "assigned by mistake")}
    [assigned] = [row for row in trail if row.kind == "logger_assignments" and row.action == "create"]
    assert (assigned.actor_name, assigned.reason) == ("Li Wei (supply chain, Shenzhen)", "logger packed")
    assert f"shipment: {PLANNED}" in [change.text() for change in assigned.changes]


def test_the_trail_is_narrowed_by_record_person_action_and_time(demo_runtime):
    with demo_runtime.sessions() as session:
        demo_events = audit.search(session, AuditFilter(), per_page=1).total
        last_demo_at = session.exec(select(AuditEvent.at).order_by(col(AuditEvent.id).desc())).first()
    rework_the_planned_shipment(demo_runtime)

    def rows(**criteria):
        with demo_runtime.sessions() as session:
            return audit.selection(session, AuditFilter(**criteria), most=10_000)

    own = rows(kind="shipments", reference="HG-2026-0045")
    assert own and {(row.kind, row.record) for row in own} == {("shipments", "HG-2026-0045")}
    whole = rows(reference="HG-2026-0045")
    assert {"shipments", "shipment_lines", "legs", "logger_assignments"} <= {row.kind for row in whole}
    legs = {row.record for row in rows(kind="legs", reference=PLANNED)}
    assert legs == {f"{PLANNED} leg {number}" for number in (1, 2, 3, 4)}  # leg 4 removed, still in the trail
    lot = "SEL-CD34/SK2609-031"
    assert {row.record for row in rows(kind="lots", reference=lot)} == {lot}
    assert {row.record for row in rows(kind="loggers", reference="LG-24003")} == {"LG-24003"}
    removed = rows(actor="logistics", action="delete")
    assert [row.reason for row in removed] == ["wrong lot packed", "courier leg no longer needed",
                                               "assigned by mistake"]
    assert rows(actor="logistics", action="delete", kind="legs")[0].record == f"{PLANNED} leg 4"
    later = last_demo_at + timedelta(microseconds=1)
    assert {row.reason for row in rows(since=later)} == {"wrong lot packed", "courier leg no longer needed",
                                                         "logger packed", "assigned by mistake"}
    assert len(rows(until=later)) == demo_events
    with pytest.raises(audit.UnknownReference):
        rows(reference="HG-1999-0001")
    with pytest.raises(audit.UnknownReference):
        rows(kind="loggers", reference="LG-NONE")
    with pytest.raises(audit.TooMany):
        with demo_runtime.sessions() as session:
            audit.selection(session, AuditFilter(), most=10)


def test_names_are_looked_up_once_per_kind_of_record_however_many_events(demo_runtime):
    rework_the_planned_shipment(demo_runtime)
    with demo_runtime.sessions() as session:
        events = audit.search(session, AuditFilter(), per_page=500).events  # the whole trail
        statements: list[str] = []

        def count(_connection, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(demo_runtime.engine, "before_cursor_execute", count)
        try:
            rows = shown(session, events)
        finally:
            event.remove(demo_runtime.engine, "before_cursor_execute", count)
    read = Counter(statement.split("FROM", 1)[1].split()[0].strip('"') for statement in statements)
    assert len(rows) == len(events) > 150
    assert {"shipments", "shipment_lines", "lots", "items", "sites", "users"} <= read.keys()
    read["users"] -= 1  # the people's names, by user name: one query of their own
    assert max(read.values()) == 1, read  # each kind of record once, not once per row
    assert not any(row.record.startswith("#") for row in rows)


def test_every_name_is_made_of_columns_its_table_has():
    references = column_references()
    for kind in NAME_TEMPLATES:
        assert set(template_columns(kind)) <= set(SQLModel.metadata.tables[kind].c.keys()), kind
        targets = {references[(kind, column)] for column in template_columns(kind)
                   if (kind, column) in references}
        assert targets <= NAME_TEMPLATES.keys(), kind  # a record a name is made of has a name of its own


def test_a_started_leg_stays_on_the_route(demo_runtime):
    with pytest.raises(InputError) as refused:
        change(demo_runtime, "x", lambda s: legs.delete_leg(s, "HG-2026-0045", 1, reason="x"))
    assert "leg 1 started at" in refused.value.errors["leg"]
    with pytest.raises(NotFound):
        change(demo_runtime, "x", lambda s: legs.delete_leg(s, PLANNED, 9, reason="x"))


def test_a_logger_whose_readings_are_evidence_stays_in_its_shipment(demo_runtime):
    trace = trace_with_a_40_minute_excursion()
    send(demo_runtime, trace)  # LG-24003 in HG-2026-0045
    send(demo_runtime, [(time, 5.0) for time, _ in trace], "LG-24004")  # in range: no excursion
    change(demo_runtime, None, lambda s: scan(s, demo_runtime.profiles, load_alert_routes(), now=NOW),
           actor="scheduler")
    with demo_runtime.sessions() as session:
        carried = {row.logger: row.id for row in shipments.describe_shipment(session, "HG-2026-0045").loggers}
        received = shipments.describe_shipment(session, "HG-2026-0044").loggers[0].id
        evaluated = session.exec(select(EvaluationProgress).where(
            EvaluationProgress.assignment_id == carried["LG-24004"])).all()
    with pytest.raises(loggers.AssignmentIsEvidence) as excursions_found:
        change(demo_runtime, "x", lambda s: loggers.remove_assignment(
            s, reference="HG-2026-0045", assignment_id=carried["LG-24003"]))
    assert excursions_found.value.why == "excursions"
    with pytest.raises(loggers.AssignmentIsEvidence) as receipt:
        change(demo_runtime, "x", lambda s: loggers.remove_assignment(
            s, reference="HG-2026-0044", assignment_id=received))
    assert receipt.value.why == "received"
    assert evaluated  # the scheduler's bookkeeping of LG-24004 goes with it
    change(demo_runtime, "second logger not packed", lambda s: loggers.remove_assignment(
        s, reference="HG-2026-0045", assignment_id=carried["LG-24004"]))
    with demo_runtime.sessions() as session:
        assert [row.logger for row in shipments.describe_shipment(session, "HG-2026-0045").loggers] == [
            "LG-24003"]
