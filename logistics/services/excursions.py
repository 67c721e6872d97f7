"""Excursion records: evaluate loggers with new readings, keep records in step, review them.

A logger answers for a shipment or for a storage zone (a fridge at the hospital); both windows are judged
alike, a shipment's by every profile of its goods, a zone's by its own profile."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from operator import itemgetter

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from logistics.core.alerting import AlertFacts, Route
from logistics.core.clock import local_text
from logistics.core.excursion_progress import Progress
from logistics.core.excursion_review import ReviewError, ReviewStatus, acknowledge, resolve
from logistics.core.excursion_types import Evaluation, Excursion, LoggerSummary, Sample, Window
from logistics.core.excursions import evaluate_with_progress, resume
from logistics.core.lifecycle import ACTIVE, ShipmentStatus
from logistics.core.profiles import ExcursionKind, StorageProfile
from logistics.db.models import (
    EvaluationMark,
    EvaluationProgress,
    ExcursionRecord,
    Item,
    Logger,
    LoggerAssignment,
    Lot,
    Reading,
    Shipment,
    ShipmentLine,
    Site,
    StorageZone,
)
from logistics.db.reading_order import Position, ReadingFeed, newest, open_feed, past, position_of
from logistics.services.alerts import raise_alert, release_withheld, withhold_unsent
from logistics.services.errors import InputError, NotFound
from logistics.services.evidence import shipments_changed, zones_changed

log = logging.getLogger(__name__)
# Shipments whose telemetry is still judged: on their way, and just received (late backfills).
JUDGED = frozenset({*ACTIVE, ShipmentStatus.RECEIVED})


@dataclass
class ScanReport:
    loggers: int = 0
    shipments: set[int] = field(default_factory=set)  # whose windows were evaluated
    zones: set[int] = field(default_factory=set)  # storage zones whose windows were evaluated
    found: int = 0
    changed: int = 0
    withdrawn: int = 0
    failed: int = 0
    alerts: list[AlertFacts] = field(default_factory=list)
    evidence: dict[int, list[str]] = field(default_factory=dict)  # shipment → its records that changed
    zone_evidence: list[tuple[ExcursionRecord, str]] = field(default_factory=list)  # storage records changed

    def merge(self, other: ScanReport) -> None:
        self.found += other.found
        self.changed += other.changed
        self.withdrawn += other.withdrawn
        self.shipments |= other.shipments
        self.zones |= other.zones
        self.alerts += other.alerts
        for shipment_id, changes in other.evidence.items():
            self.evidence.setdefault(shipment_id, []).extend(changes)
        self.zone_evidence += other.zone_evidence

    def noted(self, record: ExcursionRecord, what: str) -> None:
        """A record added, changed or withdrawn: evidence for the goods it concerns."""
        if record.shipment_id is None:
            self.zone_evidence.append((record, what))
        else:
            self.evidence.setdefault(record.shipment_id, []).append(f"excursion {record.rule} {what}")


def scan(session: Session, profiles: dict[str, StorageProfile], routes: list[Route], *, now: datetime,
         public_url: str = "") -> ScanReport:
    """Evaluate every logger with readings newer than its mark, or with a window that closed since it
    was evaluated, in every shipment it is judged in."""
    report = ScanReport()
    feed = open_feed(session)  # first: the watermark is read before anything is written
    due: dict[int, tuple[Position | None, datetime | None]] = dict(_loggers_with_new_readings(session, feed))
    for logger_id in _loggers_with_windows_closed_since_evaluated(session):
        due.setdefault(logger_id, (None, None))
    for logger_id, (last, earliest) in due.items():
        report.loggers += 1
        this_logger = ScanReport()  # merged only if its savepoint commits
        try:
            with session.begin_nested():  # one logger's trouble must not stop the scan of the others
                for assignment, shipment in _judged_assignments(session, logger_id):
                    judged_by = [profiles[name] for name in profiles_in(session, shipment)]
                    _evaluate_window(session, assignment, shipment, judged_by, now, earliest, this_logger)
                    this_logger.shipments.add(shipment.id)
                for assignment, zone in _judged_zone_windows(session, logger_id, earliest):
                    _evaluate_zone_window(session, assignment, profiles[zone.storage_profile], now, earliest,
                                          this_logger)
                    this_logger.zones.add(zone.id)
                if last is not None:
                    _mark(session, logger_id, last, now)
        except Exception:  # logged loudly; its mark stays, so the next scan tries it again
            report.failed += 1
            log.exception("evaluating logger %s failed; it will be tried again", logger_id)
            continue
        report.merge(this_logger)
    for facts in report.alerts:
        raise_alert(session, routes, _with_link(facts, public_url))
    # Goods already decided on evidence that has just changed go on hold and back to QA.
    shipments_changed(session, report.evidence, now=now, routes=routes, public_url=public_url)
    zones_changed(session, report.zone_evidence, now=now, routes=routes, public_url=public_url)
    return report


def _loggers_with_new_readings(session: Session, feed: ReadingFeed) -> dict[int, tuple[Position, datetime]]:
    """Per logger with readings past its mark (and the watermark): the newest one's position, and the
    earliest device time among them (a backfill can reach back before what was evaluated)."""
    rows = session.exec(
        select(Reading.logger_id, newest(feed), func.min(Reading.device_time))
        .join(EvaluationMark, EvaluationMark.logger_id == Reading.logger_id, isouter=True)
        .where(past(feed, func.coalesce(EvaluationMark.last_xid, 0),
                    func.coalesce(EvaluationMark.last_reading_id, 0)))
        .group_by(Reading.logger_id)
    ).all()
    return {logger_id: (position_of(feed, last), _as_utc(earliest)) for logger_id, last, earliest in rows}


def _loggers_with_windows_closed_since_evaluated(session: Session) -> set[int]:
    """Loggers with a judged window that is closed but was not evaluated up to its end: the end decides
    the no data after the last reading (SPEC §2.1), whether new readings came or none ever did."""
    window_end = func.coalesce(LoggerAssignment.ends_at, Shipment.actual_arrival)
    evaluated_to_its_end = select(EvaluationProgress.assignment_id).where(
        EvaluationProgress.assignment_id == LoggerAssignment.id, EvaluationProgress.window_end == window_end)
    closed = or_(col(LoggerAssignment.ends_at).is_not(None),
                 (col(Shipment.status).not_in([status.value for status in ACTIVE]))
                 & (col(Shipment.actual_arrival) > LoggerAssignment.starts_at))
    has_goods = select(ShipmentLine.id).where(ShipmentLine.shipment_id == Shipment.id)  # none: no profile
    return set(session.exec(
        select(LoggerAssignment.logger_id).join(Shipment, Shipment.id == LoggerAssignment.shipment_id)
        .where(col(Shipment.status).in_([status.value for status in JUDGED]), closed, has_goods.exists(),
               ~evaluated_to_its_end.exists())).all())


def _as_utc(moment: datetime | str) -> datetime:
    """min() over a time column comes back untyped from SQLite: read it as the column would."""
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


def _judged_assignments(session: Session, logger_id: int) -> list[tuple[LoggerAssignment, Shipment]]:
    return list(session.exec(
        select(LoggerAssignment, Shipment).join(Shipment, Shipment.id == LoggerAssignment.shipment_id)
        .where(LoggerAssignment.logger_id == logger_id,
               col(Shipment.status).in_([status.value for status in JUDGED]))
    ).all())


def profiles_in(session: Session, shipment: Shipment) -> list[str]:
    """Each storage profile among the shipment's goods: the logger is judged by every one of them."""
    return sorted(set(session.exec(
        select(Item.storage_profile).join(Lot, Lot.item_id == Item.id)
        .join(ShipmentLine, ShipmentLine.lot_id == Lot.id).where(ShipmentLine.shipment_id == shipment.id)
    ).all()))


def _evaluate_window(session: Session, assignment: LoggerAssignment, shipment: Shipment,
                     judged_by: list[StorageProfile], now: datetime, earliest_new: datetime,
                     report: ScanReport) -> None:
    """Judge the window by every profile of the goods; an excursion that several profiles find alike
    (a shock, a data gap: same rule name, same start) is kept once, from the first profile."""
    found: dict[tuple[str, datetime], tuple[StorageProfile, Excursion]] = {}
    since: dict[str, datetime | None] = {}
    for profile in judged_by:
        evaluation = window_evaluation(session, assignment, shipment, profile, now, earliest_new, keep=True)
        since[profile.name] = evaluation.since
        for excursion in evaluation.excursions:
            found.setdefault((excursion.rule, excursion.start), (profile, excursion))
    versions = {profile.name: profile.version for profile in judged_by}
    _reconcile(session, assignment, found, since, now, report, versions)


def _judged_zone_windows(session: Session, logger_id: int,
                         earliest_new: datetime | None) -> list[tuple[LoggerAssignment, StorageZone]]:
    """The logger's storage-zone windows that its new readings can touch (open, or ended after them)."""
    if earliest_new is None:  # no new readings: only a shipment window that closed brought it here
        return []
    return list(session.exec(
        select(LoggerAssignment, StorageZone)
        .join(StorageZone, StorageZone.id == LoggerAssignment.storage_zone_id)
        .where(LoggerAssignment.logger_id == logger_id,
               or_(col(LoggerAssignment.ends_at).is_(None), col(LoggerAssignment.ends_at) > earliest_new))
    ).all())


def _evaluate_zone_window(session: Session, assignment: LoggerAssignment, profile: StorageProfile,
                          now: datetime, earliest_new: datetime, report: ScanReport) -> None:
    """Judge a storage zone's window by the zone's profile, live while the logger is still assigned."""
    window = Window(assignment.starts_at, assignment.ends_at)
    evaluation = assignment_evaluation(session, assignment, window, profile, now, earliest_new, keep=True)
    found = {(excursion.rule, excursion.start): (profile, excursion) for excursion in evaluation.excursions}
    _reconcile(session, assignment, found, {profile.name: evaluation.since}, now, report,
               {profile.name: profile.version})


def logger_window(assignment: LoggerAssignment, shipment: Shipment) -> Window:
    """What the logger answers for in the shipment (SPEC §2.1): its assignment's [start, end). One that
    nobody stopped ends when the shipment arrived, once it travels no more; until then it is open."""
    return logger_window_from(assignment.starts_at, assignment.ends_at, shipment)


def logger_window_from(starts_at: datetime, ends_at: datetime | None, shipment: Shipment) -> Window:
    """`logger_window` from the assignment's times alone, for a page that reads them as plain columns."""
    end = ends_at
    arrived = shipment.actual_arrival
    if end is None and shipment.status not in ACTIVE and arrived is not None and arrived > starts_at:
        end = arrived
    return Window(starts_at, end)


def window_evaluation(session: Session, assignment: LoggerAssignment, shipment: Shipment,
                      profile: StorageProfile, now: datetime, earliest_new: datetime | None, *,
                      keep: bool) -> Evaluation:
    """The logger's readings over its window in the shipment, judged by `profile` (live while it is open).

    Carried on from the stored progress when the new readings all lie after where it stopped (their
    earliest time is `earliest_new`); otherwise the whole window again. `keep` stores the new progress.
    """
    return assignment_evaluation(session, assignment, logger_window(assignment, shipment), profile, now,
                                 earliest_new, keep=keep)


def assignment_evaluation(session: Session, assignment: LoggerAssignment, window: Window,
                          profile: StorageProfile, now: datetime, earliest_new: datetime | None, *,
                          keep: bool) -> Evaluation:
    """The logger's readings in its window (a shipment's or a storage zone's), judged by `profile`,
    carried on from the stored progress where it can be (see `window_evaluation`); live while open."""
    live_until = now if window.end is None else None
    stored = session.get(EvaluationProgress, (assignment.id, profile.name))
    result = None
    if stored is not None and (stored.window_start, stored.window_end) == (window.start, window.end):
        progress = Progress.from_json(stored.state)
        if progress.resume_at is None or earliest_new is None or earliest_new >= progress.resume_at:
            result = resume(progress, _samples(session, assignment.logger_id, window, progress.resume_at),
                            profile, window=window, live_until=live_until)
    if result is None:
        result = evaluate_with_progress(_samples(session, assignment.logger_id, window, None), profile,
                                        window=window, live_until=live_until)
    if keep:
        _keep(session, stored, assignment, window, profile, result[1], now)
    return result[0]


def _samples(session: Session, logger_id: int, window: Window, since: datetime | None) -> Sequence[Sample]:
    """The logger's readings in the window, from `since` on if given."""
    query = select(Reading.device_time, Reading.temperature_c, Reading.shock_g).where(
        Reading.logger_id == logger_id, Reading.device_time >= max(window.start, since or window.start))
    if window.end is not None:
        query = query.where(Reading.device_time < window.end)
    return session.exec(query).all()  # rows are (time, temperature, shock) tuples, as Sample is


def _keep(session: Session, stored: EvaluationProgress | None, assignment: LoggerAssignment, window: Window,
          profile: StorageProfile, progress: Progress, now: datetime) -> None:
    if stored is None:
        assert assignment.id is not None
        stored = EvaluationProgress(assignment_id=assignment.id, profile=profile.name,
                                    window_start=window.start, state="", updated_at=now)
        session.add(stored)
    stored.window_start, stored.window_end = window.start, window.end
    stored.state, stored.updated_at = progress.to_json(), now


def summaries(session: Session, shipment: Shipment, profiles: dict[str, StorageProfile],
              *, now: datetime) -> list[LoggerSummary]:
    """Per logger and storage profile of the goods: readings, min/max, mean, MKT and time out of range."""
    rows = session.exec(
        select(LoggerAssignment, Logger.code).join(Logger, Logger.id == LoggerAssignment.logger_id)
        .where(LoggerAssignment.shipment_id == shipment.id).order_by(col(Logger.code))).all()
    judged_by = [profiles[name] for name in profiles_in(session, shipment)]
    return [LoggerSummary(code, profile, window_evaluation(session, assignment, shipment, profile, now,
                                                           earliest_unscanned(session, assignment.logger_id),
                                                           keep=False), logger_window(assignment, shipment))
            for assignment, code in rows for profile in judged_by]


def earliest_unscanned(session: Session, logger_id: int) -> datetime | None:
    """The earliest device time among the logger's visible readings no scan has seen yet."""
    mark = session.get(EvaluationMark, logger_id)
    query = select(func.min(Reading.device_time))
    if mark is None:  # never scanned: all its readings are new
        query = query.where(Reading.logger_id == logger_id)
    else:  # "+ 0": find the new readings by position (few), not by logger (its whole history)
        query = query.where(past(open_feed(session, settled=False), mark.last_xid, mark.last_reading_id),
                            col(Reading.logger_id) + 0 == logger_id)
    earliest = session.exec(query).one()
    return _as_utc(earliest) if earliest is not None else None


def _reconcile(session: Session, assignment: LoggerAssignment,
               found: dict[tuple[str, datetime], tuple[StorageProfile, Excursion]],
               since: dict[str, datetime | None], now: datetime, report: ScanReport,
               versions: dict[str, int]) -> None:
    """Records follow what was found. Only what the evaluations looked at can be withdrawn: a record
    that began before where its profile's evaluation resumed was settled by an earlier one, and one
    found by an earlier version of its profile stays as that version judged it (`replay` shows what
    the current one would say)."""
    existing = {(record.rule, record.start): record for record in session.exec(
        select(ExcursionRecord).where(ExcursionRecord.shipment_id == assignment.shipment_id,
                                      ExcursionRecord.storage_zone_id == assignment.storage_zone_id,
                                      ExcursionRecord.logger_id == assignment.logger_id))}
    same_start = {key: existing.pop(key) for key in found if key in existing}
    for key, (profile, excursion) in found.items():
        record = same_start.get(key) or _found_before(existing, excursion)
        if record is None:
            record = _new_record(session, assignment, profile, excursion, now)
            report.found += 1
            report.noted(record, "added")
            report.alerts.append(_opened_alert(session, record, now))
            continue
        changed = _update(record, excursion)
        if record.status == ReviewStatus.WITHDRAWN.value:  # later readings brought it back
            record.status, changed = ReviewStatus.OPEN.value, True
            release_withheld(session, _opened_key(record))
        report.changed += changed
        if changed:
            report.noted(record, "changed")
    for stale in existing.values():  # late readings changed the picture: this one no longer stands
        resumed_at = since.get(stale.profile)
        if resumed_at is not None and stale.start < resumed_at:
            continue
        if stale.profile_version != versions.get(stale.profile, stale.profile_version):
            continue
        if stale.status != ReviewStatus.WITHDRAWN.value:  # a resolved one too: its assessment no longer holds
            stale.status = ReviewStatus.WITHDRAWN.value
            withhold_unsent(session, _opened_key(stale))
            report.withdrawn += 1
            report.noted(stale, "withdrawn")


def _found_before(stale: dict[tuple[str, datetime], ExcursionRecord],
                  excursion: Excursion) -> ExcursionRecord | None:
    """The earliest record of the same rule over the same time: this excursion, found before with another
    start (late readings filled a hole at its beginning, or joined it to another). It is kept, with the
    alert it raised, rather than announced again."""
    for key in sorted(stale, key=itemgetter(1)):
        if key[0] == excursion.rule and _overlaps(stale[key], excursion):
            return stale.pop(key)
    return None


def _overlaps(record: ExcursionRecord, excursion: Excursion) -> bool:
    """Whether [start, end) of both overlap; an excursion still running has no end."""
    return ((excursion.end is None or record.start < excursion.end)
            and (record.end is None or excursion.start < record.end))


def _new_record(session: Session, assignment: LoggerAssignment, profile: StorageProfile,
                excursion: Excursion, now: datetime) -> ExcursionRecord:
    record = ExcursionRecord(
        shipment_id=assignment.shipment_id, storage_zone_id=assignment.storage_zone_id,
        logger_id=assignment.logger_id, rule=excursion.rule, kind=excursion.kind,
        mode=excursion.mode, severity=excursion.severity, profile=profile.name,
        profile_version=profile.version, start=excursion.start, end=excursion.end,
        duration_s=excursion.duration_s, peak=excursion.peak, found_at=now)
    session.add(record)
    session.flush()
    return record


def _update(record: ExcursionRecord, excursion: Excursion) -> bool:
    changes = {"start": excursion.start, "end": excursion.end, "duration_s": excursion.duration_s,
               "peak": excursion.peak, "severity": excursion.severity}
    changed = {name: value for name, value in changes.items() if getattr(record, name) != value}
    for name, value in changed.items():
        setattr(record, name, value)
    return bool(changed)


def _opened_alert(session: Session, record: ExcursionRecord, now: datetime) -> AlertFacts:
    logger = session.get(Logger, record.logger_id)
    place = _place_of(session, record)
    site = place.site
    code, zone = (logger.code if logger else "?"), (site.timezone if site else "UTC")
    what = {ExcursionKind.ABOVE: "above its range", ExcursionKind.BELOW: "below its range",
            ExcursionKind.SHOCK: "a shock", ExcursionKind.NO_DATA: "no data"}.get(record.kind, record.kind)
    unit = "g" if record.kind == ExcursionKind.SHOCK else "°C"
    peak = f"; peak {record.peak:g} {unit}" if record.peak is not None else ""
    return AlertFacts(
        key=_opened_key(record), kind="excursion", severity=record.severity,
        site=site.code if site else None, subject=place.subject,
        title=f"{place.title}: {what} on {code} ({record.rule})",
        body=(f"Logger {code} in {place.body}: {record.rule} "
              f"({record.profile} v{record.profile_version}) from {local_text(record.start, zone)}{peak}. "
              "Acknowledge it in the tracker."),
        raised_at=now, link=place.link)


@dataclass(frozen=True)
class _Place:
    """Where an excursion was found, as its alert names it."""

    subject: str
    title: str
    body: str
    link: str
    site: Site | None


def _place_of(session: Session, record: ExcursionRecord) -> _Place:
    zone = session.get(StorageZone, record.storage_zone_id) if record.storage_zone_id is not None else None
    if zone is not None:
        site = session.get(Site, zone.site_id)
        at = site.code if site else "?"
        return _Place(subject=zone.code, title=f"{zone.code} at {at}",
                      body=f"storage zone {zone.code} ({zone.name}) at {at}", link=f"/storage/{zone.code}",
                      site=site)
    shipment = session.get(Shipment, record.shipment_id)
    reference = shipment.reference if shipment else "?"
    return _Place(subject=reference, title=reference, body=reference, link=f"/shipments/{reference}",
                  site=session.get(Site, shipment.destination_id) if shipment else None)


def _opened_key(record: ExcursionRecord) -> str:
    return f"excursion:{record.id}:opened"


def _with_link(facts: AlertFacts, public_url: str) -> AlertFacts:
    if facts.link and facts.link.startswith("/"):
        return replace(facts, link=public_url.rstrip("/") + facts.link)
    return facts


def _mark(session: Session, logger_id: int, last: Position, now: datetime) -> None:
    mark = session.get(EvaluationMark, logger_id)
    if mark is None:
        session.add(EvaluationMark(logger_id=logger_id, last_xid=last.xid, last_reading_id=last.reading_id,
                                   evaluated_at=now))
    else:
        mark.last_xid, mark.last_reading_id = max(Position(mark.last_xid, mark.last_reading_id), last)
        mark.evaluated_at = now


def get_record(session: Session, record_id: int) -> ExcursionRecord:
    record = session.get(ExcursionRecord, record_id)
    if record is None:
        raise NotFound(f"no excursion {record_id}")
    return record


def acknowledge_record(session: Session, record_id: int, *, by: str, comment: str, now: datetime) -> None:
    """Open → acknowledged, with what is being done (audited through the session's actor)."""
    record = get_record(session, record_id)
    record.status = _reviewed(lambda: acknowledge(record.status, comment))
    record.acknowledged_by, record.acknowledged_at, record.acknowledgement = by, now, comment.strip()


def resolve_record(session: Session, record_id: int, *, by: str, assessment: str, disposition: str,
                   now: datetime) -> None:
    """Acknowledged → resolved, with the assessment and the disposition of the goods."""
    record = get_record(session, record_id)
    record.status = _reviewed(lambda: resolve(record.status, ended=record.end is not None,
                                              assessment=assessment, disposition=disposition))
    record.resolved_by, record.resolved_at = by, now
    record.assessment, record.disposition = assessment.strip(), disposition


def _reviewed(step: Callable[[], ReviewStatus]) -> str:
    try:
        return str(step().value)
    except ReviewError as error:
        raise InputError({error.field: str(error).split(": ", 1)[1]}) from None


def open_excursions(session: Session, shipment_id: int) -> list[ExcursionRecord]:
    """The shipment's excursions that still need review, oldest first."""
    return list(session.exec(
        select(ExcursionRecord).where(
            ExcursionRecord.shipment_id == shipment_id,
            or_(ExcursionRecord.status == ReviewStatus.OPEN.value,
                ExcursionRecord.status == ReviewStatus.ACKNOWLEDGED.value))
        .order_by(col(ExcursionRecord.start))).all())


@dataclass(frozen=True)
class ExcursionRow:
    record: ExcursionRecord
    logger: str


def listing(session: Session, shipment_id: int | None) -> list[ExcursionRow]:
    """Every excursion of a shipment except withdrawn ones, newest first, with its logger's id."""
    rows = session.exec(
        select(ExcursionRecord, Logger.code).join(Logger, Logger.id == ExcursionRecord.logger_id)
        .where(ExcursionRecord.shipment_id == shipment_id,
               ExcursionRecord.status != ReviewStatus.WITHDRAWN.value)
        .order_by(col(ExcursionRecord.start).desc())).all()
    return [ExcursionRow(record, code) for record, code in rows]


def listed(session: Session, record_id: int) -> ExcursionRow:
    """One excursion with its logger's id, as the listing shows it; NotFound for an unknown one."""
    record = get_record(session, record_id)
    logger = session.get(Logger, record.logger_id)
    return ExcursionRow(record, logger.code if logger else "?")
