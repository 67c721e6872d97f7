"""The trial's recruitment and bill of materials, and the reorder forecasts made from them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from logistics.db.models.base import Audited
from logistics.db.types import UTCDateTime


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
