"""Shapes of the dispatch gate: its reasons, its state and QA's override."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from logistics.schemas.base import Schema


class GateReasonPublic(Schema):
    code: str = Field(description="What the reason is about, e.g. permit_missing, no_logger, "
                      "calibration_overdue, storage_mixed, route_broken, hold_short, lot_expires")
    message: str = Field(description="The reason in English")
    subject: str | None = Field(description="What it is about when one thing: an item, a logger, a lot "
                                "(ITEM/LOT), a storage class")


class OverridePublic(Schema):
    by: str
    at: datetime
    why: str
    covers: list[str] = Field(description="The reasons it was given for, as they read then")


class DispatchGatePublic(Schema):
    reference: str
    status: str
    applies: bool = Field(description="Whether the gate is asked: only before the shipment leaves")
    ready: bool = Field(description="Whether it may be marked departed now")
    reasons: list[GateReasonPublic] = Field(description="Every reason found now")
    blocking: list[GateReasonPublic] = Field(description="The reasons no override covers")
    override: OverridePublic | None = Field(description="QA's newest override, if any")


class DispatchOverrideCreate(Schema):
    why: str = Field(min_length=1, max_length=1000,
                     description="Why the goods may leave despite the reasons (kept in the audit trail)")


class DispatchBlockedPublic(Schema):
    error: str
    fields: dict[str, str]
    reasons: list[GateReasonPublic]
