"""The dispatch gate on the demo database: the demo's planned shipment held and its packed one free to leave,
a departure refused naming every reason, QA's override (audited) covering only the reasons it was given
for, and goods seen leaving by GPS while held."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import col, select

from logistics.core.dispatch_gate import GateCode
from logistics.db.engine import unit_of_work
from logistics.db.models import Alert, AuditEvent, DispatchOverride, Milestone, Shipment
from logistics.schemas.shipments import ShipmentUpdate
from logistics.services import dispatch_gate, geofence, loggers, shipments
from logistics.services.dispatch_gate import DispatchBlocked
from logistics.services.errors import InputError
from tests.conftest import NOW
from tests.services.test_geofence import detect_all, travel

PACKED, PLANNED, UNDER_WAY = "HG-2026-0047", "HG-2026-0048", "HG-2026-0045"


def state_of(runtime, reference, *, now=NOW):
    with runtime.sessions() as session:
        return dispatch_gate.gate_state(session, shipments.get_shipment(session, reference), now=now,
                                        profiles=runtime.profiles)


def codes(reasons):
    return [(str(reason.code), reason.subject) for reason in reasons]


def change(runtime, reference, actor="li.wei", reason="test", **fields):
    with unit_of_work(runtime.sessions, actor=actor, reason=reason) as session:
        shipments.update_shipment(session, reference, ShipmentUpdate(**fields), now=NOW,
                                  profiles=runtime.profiles)


def override(runtime, reference, why="QA accepts: the permit's renewal is filed", by="napat.s"):
    with unit_of_work(runtime.sessions, actor=by, reason="dispatch gate overridden") as session:
        dispatch_gate.override_gate(session, shipments.get_shipment(session, reference), why=why, by=by,
                                    now=NOW, profiles=runtime.profiles)


def test_the_demo_holds_its_planned_shipment_and_lets_its_packed_one_leave(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    planned = state_of(runtime, PLANNED)
    assert planned.applies and not planned.ready
    assert codes(planned.blocking) == [("permit_missing", None), (GateCode.NO_LOGGER, None)]
    packed = state_of(runtime, PACKED)
    assert packed.applies and packed.ready and packed.reasons == ()
    under_way = state_of(runtime, UNDER_WAY)  # left already: not checked again
    assert not under_way.applies and under_way.reasons == ()


def test_a_departure_is_refused_with_every_reason_until_qa_overrides_them(demo_runtime):
    runtime = demo_runtime
    change(runtime, PACKED, import_permit=None, packaging_validated_hours=5.0)
    with pytest.raises(DispatchBlocked) as refused:
        change(runtime, PACKED, status="in_transit")
    assert codes(refused.value.reasons) == [("permit_missing", None), (GateCode.HOLD_SHORT, None)]
    assert "status" in refused.value.errors
    with runtime.sessions() as session:
        assert shipments.get_shipment(session, PACKED).status == "packed"
    override(runtime, PACKED)
    state = state_of(runtime, PACKED)
    assert state.ready and codes(state.overridden) == codes(refused.value.reasons)
    change(runtime, PACKED, status="in_transit", reason="left under QA's override")
    with runtime.sessions() as session:
        shipment = shipments.get_shipment(session, PACKED)
        assert shipment.status == "in_transit" and shipment.actual_departure == NOW
        record = session.exec(select(DispatchOverride)
                              .where(DispatchOverride.shipment_id == shipment.id)).one()
        assert record.by == "napat.s" and len(json.loads(record.reasons)) == 2
        audited = session.exec(select(AuditEvent.actor, AuditEvent.reason)
                               .where(AuditEvent.entity == "dispatch_overrides")).all()
        assert set(audited) == {("napat.s", "dispatch gate overridden")}


def test_an_override_does_not_cover_a_reason_found_later(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    change(runtime, PACKED, import_permit=None)
    override(runtime, PACKED)
    with unit_of_work(runtime.sessions, actor="li.wei", reason="logger taken out") as session:
        loggers.stop_recording(session, reference=PACKED, logger_code="LG-24006", at=NOW - timedelta(hours=1))
    with pytest.raises(DispatchBlocked) as refused:
        change(runtime, PACKED, status="in_transit")
    assert codes(refused.value.reasons) == [(GateCode.NO_LOGGER, None)]  # the permit stays overridden
    later = state_of(runtime, PACKED)
    assert codes(later.overridden) == [("permit_missing", None)] and later.override.by == "napat.s"


def test_an_override_needs_a_reason_and_something_to_override(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    with pytest.raises(InputError) as no_why:
        override(runtime, PLANNED, why="  ")
    assert list(no_why.value.errors) == ["why"]
    with pytest.raises(InputError, match="nothing to override"):
        override(runtime, PACKED)
    with pytest.raises(InputError, match="gate is asked only before it leaves"):
        override(runtime, UNDER_WAY)


def test_goods_seen_leaving_while_held_raise_an_alert_and_stay_packed(sqlite_demo_runtime):
    runtime = sqlite_demo_runtime
    change(runtime, PACKED, import_permit=None)
    travel(runtime)
    detect_all(runtime)
    with runtime.sessions() as session:
        shipment = session.exec(select(Shipment).where(Shipment.reference == PACKED)).one()
        assert shipment.status == "packed"  # a GPS fix does not pass the gate
        left = session.exec(select(Milestone.kind).where(Milestone.shipment_id == shipment.id,
                                                         Milestone.kind == geofence.LEFT)).all()
        assert left  # what the fixes show is recorded all the same
        [alert] = session.exec(select(Alert).where(col(Alert.kind) == geofence.DISPATCH_BLOCKED)).all()
    assert alert.severity == "critical" and alert.subject == PACKED
    assert "no import permit is named" in alert.body
