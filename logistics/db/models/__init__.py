"""The tables, one module per area. Times are aware UTC (`UTCDateTime`); quantities are floats in the
item's unit.

Tables whose class sets `__audited__ = True` are GxP records: every insert, update and delete of
them is written to the append-only audit trail (see `logistics.db.audit`). Importing this package
registers every table on `SQLModel.metadata`, as the migrations expect.
"""

from logistics.db.models.alerts import Alert, AlertDelivery
from logistics.db.models.base import Audited, utc_now
from logistics.db.models.catalogue import Item, Lot, Site
from logistics.db.models.excursions import EvaluationMark, EvaluationProgress, ExcursionRecord
from logistics.db.models.forecast import (
    BomLine,
    Enrolment,
    ForecastRun,
    RecruitmentPlan,
    RecruitmentPull,
    RecruitmentSite,
)
from logistics.db.models.lanes import Lane, LaneLeg
from logistics.db.models.loggers import Logger, LoggerAssignment
from logistics.db.models.permits import ImportPermit, ImportPermitItem
from logistics.db.models.profiles import ItemAllowanceVersion, StorageProfileVersion
from logistics.db.models.records import AuditEvent, Signature, SigningFailure
from logistics.db.models.scheduling import JobRun
from logistics.db.models.shipments import (
    DispatchOverride,
    Handover,
    Leg,
    Milestone,
    Shipment,
    ShipmentLine,
)
from logistics.db.models.stock import ExcursionAssessment, Receipt, ReceiptLine, StockMovement
from logistics.db.models.storage import StorageZone
from logistics.db.models.telemetry import (
    GeofenceCursor,
    GeofenceTrack,
    Reading,
    ReadingRollup,
    Rejection,
    RollupCursor,
)
from logistics.db.models.users import ApiToken, LoginAttempt, User

__all__ = [
    "Alert", "AlertDelivery", "ApiToken", "AuditEvent", "Audited", "BomLine", "DispatchOverride", "Enrolment",
    "EvaluationMark",
    "EvaluationProgress", "ExcursionAssessment", "ExcursionRecord", "ForecastRun", "GeofenceCursor",
    "GeofenceTrack", "Handover", "ImportPermit", "ImportPermitItem", "Item",
    "ItemAllowanceVersion", "JobRun", "Lane", "LaneLeg", "Leg", "Logger", "LoggerAssignment", "LoginAttempt",
    "Lot", "Milestone", "Reading", "ReadingRollup", "Receipt", "ReceiptLine", "RecruitmentPlan",
    "RecruitmentPull", "RecruitmentSite", "Rejection", "RollupCursor", "Shipment", "ShipmentLine",
    "Signature", "SigningFailure", "Site", "StockMovement", "StorageProfileVersion", "StorageZone", "User",
    "utc_now",
]
