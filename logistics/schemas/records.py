"""Shapes of the GxP records read through the API: excursions, alerts, audit events, lot stability."""

from __future__ import annotations

from datetime import datetime

from pydantic import (
    Field,
)

from logistics.schemas.base import Schema


class ExcursionPublic(Schema):
    id: int
    logger: str
    rule: str
    kind: str = Field(description="above, below, shock or no_data")
    mode: str = Field(description="single, cumulative, event or gap")
    severity: str
    profile: str
    profile_version: int
    start: datetime
    end: datetime | None = Field(description="None while it is still running")
    duration_s: float
    peak: float | None
    status: str = Field(description="open, acknowledged, resolved or withdrawn")
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    acknowledgement: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    assessment: str | None
    disposition: str | None


class ExcursionList(Schema):
    items: list[ExcursionPublic]


class Acknowledgement(Schema):
    comment: str = Field(description="What is being done about it")


class Resolution(Schema):
    assessment: str
    disposition: str = Field(description="no_impact, use_within_stability_budget, quarantine or reject")


class DeliveryPublic(Schema):
    channel: str
    address: str
    status: str = Field(description="pending, sent, failed, or withdrawn (what it announced was withdrawn "
                                    "before it went out)")
    attempts: int
    last_error: str | None


class AlertPublic(Schema):
    key: str
    kind: str
    severity: str
    site: str | None
    subject: str
    title: str
    body: str
    link: str | None
    raised_at: datetime
    deliveries: list[DeliveryPublic]


class AlertPage(Schema):
    items: list[AlertPublic]
    page: int
    per_page: int
    total: int


class AuditEventPublic(Schema):
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str
    field: str | None
    old_value: str | None
    new_value: str | None
    reason: str | None
    hash: str


class AuditPage(Schema):
    items: list[AuditEventPublic]
    page: int
    per_page: int
    total: int


class LotStabilityPublic(Schema):
    item: str
    lot: str
    shipments: int = Field(description="Shipments of its life counted")
    storage_periods: int = Field(description="Storage pieces of its life counted (a logger's watch of a "
                                             "storage zone while the lot was held there)")
    out_of_range_s: float
    equivalent_s: float | None = Field(description="Its time out of range as the time at limit_c that "
                                                   "degrades as much (Arrhenius, SPEC §2.3); None without "
                                                   "a limit")
    min_c: float | None
    max_c: float | None
    mkt_c: float | None
    budget_s: float | None
    remaining_s: float | None
    limit_c: float | None
    limit_exceeded: bool
    state: str = Field(description="none, ok, low or exhausted")


class LotStabilityList(Schema):
    items: list[LotStabilityPublic]
