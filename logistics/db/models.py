"""The tables. Times are aware UTC (`UTCDateTime`); quantities are floats in the item's unit.

Tables whose class sets `__audited__ = True` are GxP records: every insert, update and delete of
them is written to the append-only audit trail (see `logistics.db.audit`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import ClassVar

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from logistics.db.types import UTCDateTime


def utc_now() -> datetime:
    return datetime.now(UTC)


def _time(*, nullable: bool = True, index: bool = False) -> datetime | None:
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


class Audited:
    """Marks a table as a GxP record; `__audit_redact__` names columns never copied into the trail."""

    __audited__: ClassVar[bool] = True
    __audit_redact__: ClassVar[frozenset[str]] = frozenset()


class Site(Audited, SQLModel, table=True):
    __tablename__ = "sites"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=20)  # warehouse, airport, customs, hospital
    country: str = Field(max_length=2)  # ISO 3166-1 alpha-2
    timezone: str = Field(max_length=64)  # IANA zone name


class Item(Audited, SQLModel, table=True):
    __tablename__ = "items"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    category: str = Field(max_length=20)  # reagent, consumable
    storage_profile: str = Field(max_length=40)
    unit: str = Field(max_length=20)  # unit of issue, a pint unit
    pack_size: float = 1.0
    shelf_life_days: int | None = None
    shock_sensitive: bool = False
    stability_budget_s: float | None = None  # allowed lifetime above stability_limit_c
    stability_limit_c: float | None = None
    minimum_order: float = 0.0  # the supplier's, in the unit of issue
    overage: float = 1.0  # QC samples and overfill on top of the bill of materials (1.1: 10 % more)


class Lot(Audited, SQLModel, table=True):
    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("item_id", "lot_number"),)

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    lot_number: str = Field(max_length=60)
    expiry: date
    manufactured: date | None = None


class Shipment(Audited, SQLModel, table=True):
    __tablename__ = "shipments"

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=40, unique=True)
    air_waybill: str | None = Field(default=None, max_length=20)
    origin_id: int = Field(foreign_key="sites.id", index=True)
    destination_id: int = Field(foreign_key="sites.id", index=True)
    status: str = Field(default="planned", max_length=20, index=True)
    planned_departure: datetime | None = _time()
    planned_arrival: datetime | None = _time()
    actual_departure: datetime | None = _time()
    actual_arrival: datetime | None = _time()
    packaging: str | None = Field(default=None, max_length=200)
    packaging_validated_s: float | None = None  # qualified duration of the passive shipper
    import_permit: str | None = Field(default=None, max_length=60)
    notes: str | None = Field(default=None, max_length=4000)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)


class ShipmentLine(Audited, SQLModel, table=True):
    __tablename__ = "shipment_lines"

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", index=True)
    lot_id: int = Field(foreign_key="lots.id", index=True)
    quantity: float  # in `unit`, which is the item's unit of issue
    unit: str = Field(max_length=20)


class Leg(Audited, SQLModel, table=True):
    __tablename__ = "legs"
    __table_args__ = (UniqueConstraint("shipment_id", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", index=True)
    sequence: int
    mode: str = Field(max_length=20)  # truck, air, customs, courier, storage
    from_site_id: int = Field(foreign_key="sites.id")
    to_site_id: int = Field(foreign_key="sites.id")
    carrier: str | None = Field(default=None, max_length=100)
    transport_ref: str | None = Field(default=None, max_length=40)  # flight or truck number
    planned_start: datetime | None = _time()
    planned_end: datetime | None = _time()
    actual_start: datetime | None = _time()
    actual_end: datetime | None = _time()


class Milestone(Audited, SQLModel, table=True):
    __tablename__ = "milestones"

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", index=True)
    kind: str = Field(max_length=40)  # packed, picked_up, departed, landed, customs_cleared, ...
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    site_id: int | None = Field(default=None, foreign_key="sites.id")
    note: str | None = Field(default=None, max_length=1000)


class Logger(Audited, SQLModel, table=True):
    __tablename__ = "loggers"
    __audit_redact__ = frozenset({"credential_hash"})

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)  # the logger id on the wire (MQTT username)
    serial: str = Field(max_length=64)
    model: str | None = Field(default=None, max_length=100)
    calibration_due: date | None = None
    status: str = Field(default="active", max_length=20)  # active, maintenance, retired
    credential_hash: str | None = Field(default=None, max_length=255)
    # Reported by the logger itself (status topic, readings); written by ingest without audit events,
    # since they are observations rather than changes anyone made to the record.
    firmware: str | None = Field(default=None, max_length=40)
    battery: float | None = None
    online: bool | None = None
    last_seen_at: datetime | None = _time()


class LoggerAssignment(Audited, SQLModel, table=True):
    __tablename__ = "logger_assignments"

    id: int | None = Field(default=None, primary_key=True)
    logger_id: int = Field(foreign_key="loggers.id", index=True)
    shipment_id: int = Field(foreign_key="shipments.id", index=True)
    starts_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    ends_at: datetime | None = _time()
    position: str | None = Field(default=None, max_length=100)  # where in the shipper it sits


class Reading(SQLModel, table=True):
    """Raw telemetry (SPEC §3). Not audited row by row: it is append-only by construction."""

    __tablename__ = "readings"
    __table_args__ = (
        Index("ux_readings_logger_time", "logger_id", "device_time", unique=True),
        Index("ix_readings_received", "received_at"),
    )

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    logger_id: int = Field(sa_column=Column(Integer, ForeignKey("loggers.id"), nullable=False))
    device_time: datetime = Field(sa_type=UTCDateTime, nullable=False)
    received_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    temperature_c: float | None = None
    shock_g: float | None = None
    humidity: float | None = None
    battery: float | None = None
    latitude: float | None = None
    longitude: float | None = None
    # 64-bit (SPEC §3 allows any sequence number up to 2**63-1); SQLite's INTEGER is 64-bit already.
    seq: int | None = Field(default=None, sa_column=Column(BigInteger().with_variant(Integer, "sqlite")))
    source: str = Field(sa_column=Column(String(8), nullable=False))  # mqtt, http, file
    time_flagged: bool = False  # device sent no time (or no zone); receive time was used


class ExcursionRecord(Audited, SQLModel, table=True):
    """An excursion found in a shipment's telemetry, and its review.

    Identity: (shipment, logger, rule, start). Late readings that move the start (a hole at its beginning
    filled, or two joined into one) carry the record found first on, so it is announced once.
    """

    __tablename__ = "excursions"
    __table_args__ = (UniqueConstraint("shipment_id", "logger_id", "rule", "start"),)

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", index=True)
    logger_id: int = Field(foreign_key="loggers.id", index=True)
    rule: str = Field(max_length=64)
    kind: str = Field(max_length=10)  # above, below, shock, no_data
    mode: str = Field(max_length=12)  # single, cumulative, event, gap
    severity: str = Field(max_length=10)
    profile: str = Field(max_length=40)
    profile_version: int
    start: datetime = Field(sa_type=UTCDateTime, nullable=False)
    end: datetime | None = _time()
    duration_s: float
    peak: float | None = None
    status: str = Field(default="open", max_length=15, index=True)
    found_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    acknowledged_by: str | None = Field(default=None, max_length=64)
    acknowledged_at: datetime | None = _time()
    acknowledgement: str | None = Field(default=None, max_length=2000)
    resolved_by: str | None = Field(default=None, max_length=64)
    resolved_at: datetime | None = _time()
    assessment: str | None = Field(default=None, max_length=4000)
    disposition: str | None = Field(default=None, max_length=40)


class EvaluationMark(SQLModel, table=True):
    """How far each logger's readings have been evaluated: the newest reading id seen."""

    __tablename__ = "evaluation_marks"

    logger_id: int = Field(foreign_key="loggers.id", primary_key=True)
    last_reading_id: int = Field(sa_column=Column(BigInteger, nullable=False))
    evaluated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class EvaluationProgress(SQLModel, table=True):
    """How far one logger's window in a shipment has been evaluated under one storage profile.

    Derived data, rebuilt from the readings whenever it cannot be carried on (so not audited): the
    engine's `Progress` as JSON, and the window it was made for.
    """

    __tablename__ = "evaluation_progress"

    assignment_id: int = Field(foreign_key="logger_assignments.id", primary_key=True)
    profile: str = Field(primary_key=True, max_length=40)
    window_start: datetime = Field(sa_type=UTCDateTime, nullable=False)
    window_end: datetime | None = _time()
    state: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(sa_type=UTCDateTime, nullable=False)


class ReadingRollup(SQLModel, table=True):
    """One logger's readings in one time bucket, summarised for charts (see logistics.core.series).

    Derived from `readings` by the rollup job, which folds each reading in exactly once (its cursor
    advances in the same transaction); not audited.
    """

    __tablename__ = "reading_rollups"

    logger_id: int = Field(foreign_key="loggers.id", primary_key=True)
    level_s: int = Field(primary_key=True)
    bucket: datetime = Field(sa_type=UTCDateTime, primary_key=True)
    count: int = 0
    first_at: datetime | None = _time()
    first_c: float | None = None
    last_at: datetime | None = _time()
    last_c: float | None = None
    min_at: datetime | None = _time()
    min_c: float | None = None
    max_at: datetime | None = _time()
    max_c: float | None = None
    max_shock_g: float | None = None


class RollupCursor(SQLModel, table=True):
    """How far the rollup job has read the readings table: the highest reading id folded in."""

    __tablename__ = "rollup_cursor"

    id: int = Field(default=1, primary_key=True)
    last_reading_id: int = Field(sa_column=Column(BigInteger, nullable=False))


class Rejection(SQLModel, table=True):
    """Telemetry that could not be stored (SPEC §5), kept with its raw bytes for investigation."""

    __tablename__ = "rejections"

    id: int | None = Field(
        default=None,
        sa_column=Column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    )
    received_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    source: str = Field(sa_column=Column(String(8), nullable=False))  # mqtt, http, file
    topic: str | None = Field(default=None, max_length=300)
    logger_code: str | None = Field(default=None, max_length=64, index=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    readings_rejected: int = 0  # readings lost from this message (an undecodable message counts 1)
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # first 64 KiB
    payload_size: int  # the whole message, in bytes


class Alert(SQLModel, table=True):
    """Something a person must hear about; `key` makes raising the same state change twice a no-op."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=40)
    severity: str = Field(max_length=20, index=True)
    site: str | None = Field(default=None, max_length=20)
    subject: str = Field(max_length=64)
    title: str = Field(max_length=300)
    body: str = Field(sa_column=Column(Text, nullable=False))
    link: str | None = Field(default=None, max_length=500)
    raised_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)


class AlertDelivery(SQLModel, table=True):
    """One alert to one target, with its attempts: the delivery log."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (UniqueConstraint("alert_id", "channel", "address"),
                      Index("ix_alert_deliveries_due", "status", "next_attempt_at"))

    id: int | None = Field(default=None, primary_key=True)
    alert_id: int = Field(foreign_key="alerts.id", index=True)
    channel: str = Field(max_length=20)
    address: str = Field(max_length=300)
    status: str = Field(default="pending", max_length=20)  # pending, sent, failed, withdrawn
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_error: str | None = Field(default=None, max_length=1000)
    sent_at: datetime | None = _time()


class User(Audited, SQLModel, table=True):
    __tablename__ = "users"
    __audit_redact__ = frozenset({"password_hash"})

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    full_name: str = Field(default="", max_length=200)
    role: str = Field(max_length=20)
    password_hash: str = Field(max_length=255)
    active: bool = True
    language: str = Field(default="en", max_length=10)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    # Copied into the session cookie at sign-in; raising it ends every session signed in before.
    session_version: int = 0


class ApiToken(Audited, SQLModel, table=True):
    __tablename__ = "api_tokens"
    __audit_redact__ = frozenset({"token_hash"})

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)  # SHA-256 of a 256-bit random token
    label: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    revoked_at: datetime | None = _time()


class AuditEvent(SQLModel, table=True):
    """Append-only; ids are assigned in order by the writer and hashed into the chain."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)

    id: int = Field(sa_column=Column(BigInteger().with_variant(Integer, "sqlite"),
                                     primary_key=True, autoincrement=False))
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    actor: str = Field(max_length=64)
    action: str = Field(max_length=10)  # create, update, delete
    entity: str = Field(max_length=40)
    entity_id: str = Field(max_length=40)
    field: str | None = Field(default=None, max_length=64)
    old_value: str | None = None
    new_value: str | None = None
    reason: str | None = Field(default=None, max_length=1000)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)


# --- Receiving at the hospital, QA release and stock ------------------------------------------------

class Receipt(Audited, SQLModel, table=True):
    """A shipment received at its destination: the inspection of the box (see core.receiving)."""

    __tablename__ = "receipts"

    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", unique=True)
    site_id: int = Field(foreign_key="sites.id")
    received_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    received_by: str = Field(max_length=64)
    packaging_intact: bool
    seals_intact: bool
    coolant_present: bool
    coolant_state: str = Field(max_length=20)
    logger_present: bool
    logger_alarm: bool
    documents_complete: bool
    import_permit_present: bool
    findings: str = Field(default="", max_length=500)  # checklist findings, comma-separated codes
    open_excursions: int = 0  # when it was received
    notes: str | None = Field(default=None, max_length=4000)


class ReceiptLine(Audited, SQLModel, table=True):
    """One shipped line as found in the box, where it went, and QA's decision when it was quarantined."""

    __tablename__ = "receipt_lines"

    id: int | None = Field(default=None, primary_key=True)
    receipt_id: int = Field(foreign_key="receipts.id", index=True)
    shipment_line_id: int = Field(foreign_key="shipment_lines.id", unique=True)
    lot_number_seen: str = Field(max_length=60)
    expiry_seen: date | None = None
    received: float  # intact units, in the line's unit
    damaged: float = 0.0
    missing: float = 0.0
    requested: str = Field(max_length=12)  # what the pharmacist asked for
    disposition: str = Field(max_length=12)  # accept, quarantine, reject: what the rules allowed
    reasons: str = Field(default="", max_length=500)  # why it may not be accepted, comma-separated codes
    discrepancies: str = Field(default="", max_length=300)
    qa_status: str | None = Field(default=None, max_length=20, index=True)  # pending, released, ...
    released: float | None = None
    rejected: float | None = None
    decided_at: datetime | None = _time()
    signature_id: int | None = Field(default=None, foreign_key="signatures.id")


class Signature(Audited, SQLModel, table=True):
    """An electronic signature (21 CFR 11.50, 11.70); append-only, bound to its record by a digest."""

    __tablename__ = "signatures"

    id: int | None = Field(default=None, primary_key=True)
    record_type: str = Field(max_length=40)
    record_id: int
    meaning: str = Field(max_length=30)
    signer: str = Field(max_length=64)
    signer_name: str = Field(max_length=200)
    signed_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    record_digest: str = Field(max_length=64)
    digest: str = Field(max_length=64)
    comment: str | None = Field(default=None, max_length=2000)


class SigningFailure(Audited, SQLModel, table=True):
    """A signature refused (wrong password): kept, and so audited, though nothing was signed."""

    __tablename__ = "signing_failures"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    username: str = Field(max_length=64, index=True)
    record_type: str = Field(max_length=40)
    record_id: int
    reason: str = Field(max_length=200)


class StockMovement(Audited, SQLModel, table=True):
    """One change of stock at a site: +quantity into a status or −quantity out of it. Append-only: a
    lot's stock in a status is the sum of its movements."""

    __tablename__ = "stock_movements"
    __table_args__ = (Index("ix_stock_movements_lot_status", "site_id", "lot_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    site_id: int = Field(foreign_key="sites.id")
    lot_id: int = Field(foreign_key="lots.id")
    status: str = Field(max_length=12)  # available, quarantined, rejected
    quantity: float  # in the item's unit of issue; negative when leaving the status
    kind: str = Field(max_length=12)  # receipt, release, reject, consume, dispose
    receipt_line_id: int | None = Field(default=None, foreign_key="receipt_lines.id")
    signature_id: int | None = Field(default=None, foreign_key="signatures.id")
    used_for: str | None = Field(default=None, max_length=60)  # manufacturing run or patient code
    actor: str = Field(max_length=64)
    note: str | None = Field(default=None, max_length=1000)


class RecruitmentPlan(Audited, SQLModel, table=True):
    """The trial's recruitment plan, the forecast's prior (one trial per tracker)."""

    __tablename__ = "recruitment_plans"

    id: int | None = Field(default=None, primary_key=True)
    trial: str = Field(max_length=60)
    target: int  # patients in total
    prior_strength: float = 2.0  # gamma shape α: how many patients' worth of belief the plan carries
    fixed_rate: bool = False  # the planned rates are known, not to be learned from enrolments
    screen_failure_ratio: float = 0.0
    batches_per_patient: float = 1.0


class RecruitmentSite(Audited, SQLModel, table=True):
    """A clinical site of the trial: when it opened and how fast it plans to enrol."""

    __tablename__ = "recruitment_sites"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=20, unique=True)
    name: str = Field(max_length=200)
    activated_on: date
    planned_rate: float  # patients per 30 days


class Enrolment(Audited, SQLModel, table=True):
    """A patient enrolled, by pseudonymous code only (never a name)."""

    __tablename__ = "enrolments"

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="recruitment_sites.id", index=True)
    patient_code: str = Field(max_length=40, unique=True)
    enrolled_on: date
    source: str = Field(max_length=12)  # page, api, csv, registry
    recorded_by: str = Field(max_length=64)


class BomLine(Audited, SQLModel, table=True):
    """What making one patient's therapy takes of an item, and when (days from enrolment)."""

    __tablename__ = "bom_lines"

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="items.id", index=True)
    basis: str = Field(max_length=12)  # patient, screened, batch
    quantity: float  # in the item's unit of issue
    offset_days: int = 0
    note: str | None = Field(default=None, max_length=200)


class ForecastRun(SQLModel, table=True):
    """A forecast with the inputs it was computed from, so that its recommendation can be explained."""

    __tablename__ = "forecast_runs"

    id: int | None = Field(default=None, primary_key=True)
    run_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    as_of: date
    trigger: str = Field(max_length=20)  # schedule, manual, cli
    fingerprint: str = Field(max_length=64)  # SHA-256 of the inputs
    inputs: str = Field(sa_column=Column(Text, nullable=False))  # the scenario document, JSON
    result: str = Field(sa_column=Column(Text, nullable=False))  # JSON
    seconds: float


class RecruitmentPull(SQLModel, table=True):
    """One attempt to fetch enrolments from the trial's registry or CTMS."""

    __tablename__ = "recruitment_pulls"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
    url: str = Field(max_length=500)
    ok: bool
    added: int = 0
    message: str = Field(default="", max_length=1000)


class JobRun(SQLModel, table=True):
    """The latest run of each scheduled job, for /api/v1/metrics and for seeing that the scheduler lives."""

    __tablename__ = "job_runs"

    job: str = Field(primary_key=True, max_length=40)
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    seconds: float
    ok: bool
    error: str | None = Field(default=None, max_length=1000)
    last_success_at: datetime | None = _time()
    runs: int = 0
    failures: int = 0


class LoginAttempt(SQLModel, table=True):
    """A sign-in attempt, kept for throttling (see core.throttle) and for security review."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),
                      Index("ix_login_attempts_address_at", "address", "at"))

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    username: str = Field(max_length=64)
    address: str = Field(max_length=64)
    ok: bool
