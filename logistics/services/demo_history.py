"""The demo's past, recorded as it happened, so that every page tells one story from the first look.

`logistics init --demo` plays the months before the demo began in time order, through the same services
people and the scheduler use: each shipment is booked when it is packed; its loggers' readings (along its
legs, demo_journeys) reach the database as a logger would send them (in flight mode, on landing), through
the telemetry store; the scan judges them as they come, so excursions are found when they happened; the
pharmacy receives each box (a line goes to quarantine when an excursion is open, or when the scenario
holds the shipment for QA), QA assesses each excursion and signs the release, the shipment is closed;
each patient's batch takes its goods from stock. The storage zones' loggers record all along. What is
still under way is recorded up to now; `logistics demo` goes on from there (demo_journeys.live_journeys).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session, select

from logistics.core.alerting import Route
from logistics.core.excursion_assessment import AssessmentDraft, Outcome
from logistics.core.handovers import LEG_PARTY, HandoverDraft, Party
from logistics.core.lifecycle import ShipmentStatus
from logistics.core.profiles import StorageProfile
from logistics.core.receiving import CoolantState
from logistics.core.signatures import Meaning
from logistics.core.stock import StockStatus
from logistics.db.engine import unit_of_work
from logistics.db.models import ExcursionRecord, Leg, ReceiptLine
from logistics.services import demo, geofence, handovers, quality, receiving, shipments, stock
from logistics.services.assessments import assess_excursion, current_assessments, lot_evidence, shipped_lot
from logistics.services.demo_journeys import LoggerJourney, shipment_journeys, zone_journeys
from logistics.services.demo_story import COOLANT, HANDLERS, Plan, batches, plans
from logistics.services.excursions import scan
from logistics.services.series import roll_up
from logistics.services.stability import check_budgets
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from sensors.itinerary import shipper_profile
from sensors.journey import SimReading
from sensors.simulator import MAX_BATCH_READINGS, native_reading, upload_times

SILENT = {"flight"}
# How much of a logger's past one stored message holds: an hour of a shipment's, six of a fridge's.
MESSAGE_SPAN = {True: timedelta(hours=6), False: timedelta(hours=1)}


@dataclass
class HistoryLoad:
    """What `record_history` recorded."""

    counts: dict[str, int]
    readings: int = 0
    receipts: int = 0
    decisions: int = 0


@dataclass
class _Uploads:
    """Readings of one logger not stored yet, each with the time it reaches the database."""

    logger: str
    mains_powered: bool
    pending: list[tuple[datetime, SimReading]] = field(default_factory=list)


def record_history(sessions: sessionmaker[Session], engine: Engine, profiles: dict[str, StorageProfile],
                   routes: list[Route], *, scenario: dict[str, Any], now: datetime) -> HistoryLoad:
    """Load the demo scenario with its past up to `now`; DemoAlreadyLoaded if it is there already."""
    now = now.replace(microsecond=0)  # loggers stamp whole seconds: each window starts on a reading
    history = scenario.get("history", {})
    story = list(_events(plans(scenario, now), batches(scenario, now), now))
    opening = story[0][0] if story else now  # the catalogue was there before anything happened
    with unit_of_work(sessions, actor="demo", reason="demo data", at=opening) as session:
        demo.load_catalogue(session, profiles, now=now, scenario=scenario, lots=history.get("lots", []))
        zones = zone_journeys(session, now=now)
    player = _Player(sessions, TelemetryStore(engine), profiles, routes, scenario)
    for journey in zones:
        player.follow(journey)
    for moment, action in story:
        player.play_until(moment)
        action(player)
    player.play_until(now, budgets=True)
    _roll_up(sessions)
    _detect_milestones(sessions, routes, now)
    counts = demo.counts_of(scenario) | {"past shipments": len(history.get("shipments", []))}
    return HistoryLoad(counts=counts, readings=player.stored, receipts=player.receipts,
                       decisions=player.decisions)


Action = Callable[["_Player"], None]


def _events(planned: list[Plan], used: list[tuple[datetime, str, list[dict[str, Any]]]],
            now: datetime) -> Iterator[tuple[datetime, Action]]:
    """What happens, in time order (up to `now`): shipments booked, checked, received, released, closed;
    patients' batches made."""
    events: list[tuple[datetime, int, Action]] = []
    for order, plan in enumerate(planned):
        events.append((min(plan.enters, now), order, lambda player, plan=plan: player.book(plan)))
        for moment in plan.checks:
            events.append((moment, order, lambda player: None))  # a scan right after a mishap
        for moment, sequence in plan.handovers:
            events.append((moment, order, lambda player, plan=plan, sequence=sequence:
                           player.hand_over(plan, sequence)))
        for moment, step in ((plan.received, _Player.receive), (plan.released, _Player.release),
                             (plan.closed, _Player.close)):
            if moment is not None:
                events.append((moment, order, lambda player, plan=plan, step=step: step(player, plan)))
    for moment, patient, lines in used:
        events.append((moment, len(planned),
                       lambda player, patient=patient, lines=lines: player.consume(patient, lines)))
    for moment, _order, action in sorted(events, key=lambda event: (event[0], event[1])):
        if moment <= now:
            yield moment, action


class _Player:
    """Plays the story forward: stores readings as they arrive and scans them as the scheduler would."""

    def __init__(self, sessions: sessionmaker[Session], store: TelemetryStore,
                 profiles: dict[str, StorageProfile], routes: list[Route], scenario: dict[str, Any]) -> None:
        self.sessions, self.store, self.profiles, self.routes = sessions, store, profiles, routes
        self.password = {user["username"]: user["password"] for user in scenario["users"]}
        self.uploads: list[_Uploads] = []
        self.moment: datetime | None = None
        self.stored = self.receipts = self.decisions = 0

    def follow(self, journey: LoggerJourney) -> None:
        readings = journey.readings()
        self.uploads.append(_Uploads(journey.logger, journey.mains_powered,
                                     sorted(zip(upload_times(readings, SILENT), readings, strict=True),
                                            key=lambda pair: pair[0])))

    def play_until(self, moment: datetime, *, budgets: bool = False) -> None:
        """Store what the loggers sent up to `moment`, then scan as the scheduler would at `moment` (and
        check the stability budgets: only at the end, as none runs low before)."""
        if self.moment is not None and moment <= self.moment:
            return
        self.moment = moment
        for uploads in self.uploads:
            self.stored += self._store_until(uploads, moment)
        with unit_of_work(self.sessions, actor="scheduler", reason="excursion scan", at=moment) as session:
            report = scan(session, self.profiles, self.routes, now=moment)
            if budgets:
                check_budgets(session, report.shipments, self.profiles, self.routes,
                              now=moment, zone_ids=report.zones)

    def book(self, plan: Plan) -> None:
        with unit_of_work(self.sessions, actor="logistics", reason="shipment booked",
                          at=self.moment) as session:
            shipment = demo.add_shipment(session, plan.spec, plan.now, status=plan.status)
            journeys = shipment_journeys(session, shipment, until=plan.received, mishaps=plan.mishaps)
        for journey in journeys:
            self.follow(journey)

    def hand_over(self, plan: Plan, sequence: int) -> None:
        """The box onto leg `sequence`, recorded through the shipment's link by whoever takes it."""
        assert self.moment is not None
        legs = plan.spec["legs"]
        leg, before = legs[sequence - 1], legs[sequence - 2] if sequence > 1 else None
        reason = "hand-over recorded through the shipment's link"
        with unit_of_work(self.sessions, actor="demo", reason=reason, at=self.moment) as session:
            lines = shipments.describe_shipment(session, plan.reference).lines
            coolant = COOLANT.get(shipper_profile([line.storage_profile for line in lines]),
                                  CoolantState.NOT_USED)
            draft = HandoverDraft(
                from_party=LEG_PARTY[before["mode"]] if before else Party.SHIPPER,
                to_party=LEG_PARTY[leg["mode"]], name=HANDLERS.get(leg.get("carrier", ""), "Li Wei"),
                place=leg["from"], at=self.moment, seals_intact=True, packaging_intact=True,
                coolant_state=coolant.value, leg=sequence)
            handovers.demo_handover(session, plan.reference, draft, now=self.moment)

    def receive(self, plan: Plan) -> None:
        assert plan.received is not None
        with unit_of_work(self.sessions, actor="pharmacy", reason="received", at=plan.received) as session:
            described = shipments.describe_shipment(session, plan.reference)
            requested = receiving.Disposition.QUARANTINE if plan.qa_release else receiving.Disposition.ACCEPT
            counts = [receiving.LineCount(line.id, line.lot_number, line.expiry, line.quantity, 0.0, 0.0,
                                          requested) for line in described.lines]
            notes = "New lots: held for QA release." if plan.qa_release else None
            draft = receiving.ReceiptDraft(plan.checklist(described.lines), counts, notes=notes)
            receiving.receive(session, plan.reference, draft, self.profiles, by="pharmacy", now=plan.received)
        self.receipts += 1

    def release(self, plan: Plan) -> None:
        """QA assesses each excursion the lines' lots met (as the mishap's story says) and releases them."""
        assert plan.released is not None
        with unit_of_work(self.sessions, actor="qa", reason="QA release", at=plan.released) as session:
            for line_id in _waiting_lines(session, plan.reference):
                for record, code in _unassessed(session, line_id):
                    _assess(session, line_id, record, code, plan, self.profiles, plan.released)
                quality.sign_decision(
                    session, line_id, quality.Decision(Meaning.RELEASED, None, plan.release_comment),
                    signer="qa", password=self.password["qa"], now=plan.released)
                self.decisions += 1

    def close(self, plan: Plan) -> None:
        assert plan.closed is not None
        with unit_of_work(self.sessions, actor="logistics", reason="closed", at=plan.closed) as session:
            shipment = shipments.get_shipment(session, plan.reference)
            shipments.change_status(session, shipment, ShipmentStatus.CLOSED, now=plan.closed)

    def consume(self, patient: str, lines: list[dict[str, Any]]) -> None:
        """A patient's batch takes its goods from available stock, wherever at the hospital it is held."""
        assert self.moment is not None
        use = stock.read_use("patient", patient)
        with unit_of_work(self.sessions, actor="pharmacy", reason=f"batch for {patient}",
                          at=self.moment) as session:
            for line in lines:
                site = _holding(session, line["item"], line["amount"], self.moment)
                stock.consume(session, site=site, item=line["item"], quantity=line["quantity"], use=use,
                              by="pharmacy", now=self.moment)

    def _store_until(self, uploads: _Uploads, moment: datetime) -> int:
        due = [pair for pair in uploads.pending if pair[0] <= moment]
        if not due:
            return 0
        del uploads.pending[:len(due)]
        messages = [IncomingMessage(source="file", logger_code=uploads.logger, received_at=sent,
                                    payload=json.dumps({"readings": [native_reading(reading, unix_time=True)
                                                                     for reading in chunk]}).encode())
                    for sent, chunk in _messages(due, MESSAGE_SPAN[uploads.mains_powered])]
        results = self.store.store(messages)
        problems = [problem for result in results for problem in result.problems]
        if problems:
            raise RuntimeError(f"the demo's readings of {uploads.logger} were refused: {problems[:3]}")
        return sum(result.accepted for result in results)


def _messages(due: list[tuple[datetime, SimReading]],
              span: timedelta) -> Iterator[tuple[datetime, list[SimReading]]]:
    """Readings grouped as they were sent: a flight's together on landing, the others in messages of at
    most `span` each; a message arrives with its last reading."""
    chunk: list[SimReading] = []
    chunk_sent: datetime | None = None
    for sent, reading in due:
        backfill = sent != reading.time
        if chunk and (len(chunk) >= MAX_BATCH_READINGS or backfill != (chunk_sent != chunk[-1].time)
                      or (sent != chunk_sent if backfill else reading.time - chunk[0].time >= span)):
            assert chunk_sent is not None
            yield chunk_sent, chunk
            chunk = []
        chunk.append(reading)
        chunk_sent = sent
    if chunk and chunk_sent is not None:
        yield chunk_sent, chunk


def _waiting_lines(session: Session, reference: str) -> list[int]:
    """The receipt lines of the shipment waiting for QA."""
    receipt = receiving.find_receipt(session, shipments.get_shipment(session, reference))
    if receipt is None:
        return []
    return sorted(line.id for line in receiving.receipt_lines(session, receipt).values()
                  if line.qa_status == "pending" and line.id is not None)


def _unassessed(session: Session, line_id: int) -> list[tuple[ExcursionRecord, str]]:
    """The excursions (with their logger) the line's lot met that QA has not assessed for it."""
    line = session.get(ReceiptLine, line_id)
    assert line is not None
    lot, shipment_id = shipped_lot(session, line)
    assert lot.id is not None
    found = lot_evidence(session, lot.id, shipment_id)
    assessed = current_assessments(session, lot.id, [record for record, _code, _where in found])
    return [(record, code) for record, code, _where in found if record.id not in assessed]


def _assess(session: Session, line_id: int, record: ExcursionRecord, logger: str, plan: Plan,
            profiles: dict[str, StorageProfile], now: datetime) -> None:
    """QA's assessment of one excursion, in the words the scenario gives its mishap: no impact."""
    told = plan.assessments.get(logger)
    if told is None:
        raise RuntimeError(f"{plan.reference}: {logger} {record.rule} has no assessment in the scenario")
    leg = session.exec(select(Leg.id).where(Leg.shipment_id == record.shipment_id,
                                            Leg.mode == told.get("leg"))).first()
    draft = AssessmentDraft(root_cause=told["cause"], leg_id=leg, comment=told["comment"],
                            outcome=Outcome.NO_IMPACT.value)
    assess_excursion(session, line_id, record.id or 0, draft, profiles, by="qa", now=now)


def _holding(session: Session, item: str, amount: float, moment: datetime) -> str:
    """The hospital site holding enough of the item, available and unexpired, the manufacturing side first."""
    for site in ("SIRIRAJ-CM", "SIRIRAJ-PH"):
        held = sum(balance.holding.quantity for balance in stock.balances(session, site=site, item=item)
                   if balance.holding.status == StockStatus.AVAILABLE
                   and balance.holding.expiry >= moment.date())
        if held >= amount:
            return site
    raise RuntimeError(f"the demo's stock has too little {item} on {moment.date()}: the scenario needs "
                       "another shipment before that batch")


def _detect_milestones(sessions: sessionmaker[Session], routes: list[Route], now: datetime) -> None:
    """What the loggers' GPS and light say of the shipments under way (as the scheduler's job would)."""
    while True:
        with unit_of_work(sessions, actor="system", reason="milestones from telemetry", at=now) as session:
            if geofence.detect(session, routes, now=now).readings < geofence.BATCH:
                return


def _roll_up(sessions: sessionmaker[Session]) -> None:
    """The chart rollups of everything recorded, so the scheduler starts with no backlog."""
    while True:
        with unit_of_work(sessions, actor="scheduler", reason="chart rollups") as session:
            if roll_up(session) == 0:
                return
