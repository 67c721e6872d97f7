"""API shapes for the trial's recruitment and the reorder forecast (SPEC §8)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from logistics.schemas.base import Schema


class PlanPublic(Schema):
    trial: str
    target: int = Field(description="Patients in total")
    prior_strength: float = Field(description="Gamma shape α of each site's planned rate")
    fixed_rate: bool
    screen_failure_ratio: float
    batches_per_patient: float


class SitePublic(Schema):
    code: str
    name: str
    activated_on: date
    planned_rate: float = Field(description="Patients per 30 days")
    enrolled: int


class RecruitmentPublic(Schema):
    plan: PlanPublic | None
    sites: list[SitePublic]


class EnrolmentPublic(Schema):
    patient_code: str = Field(description="Pseudonymous code, never a name")
    site: str
    enrolled_on: date
    source: str = Field(description="page, api, csv or registry")
    recorded_by: str


class EnrolmentList(Schema):
    items: list[EnrolmentPublic]


class EnrolmentCreate(Schema):
    patient_code: str = Field(max_length=40, description="Upper-case letters, digits and dashes")
    site: str = Field(max_length=20, description="The trial site's code")
    enrolled_on: date


class BomLinePublic(Schema):
    id: int
    item: str
    basis: str = Field(description="patient, screened or batch")
    quantity: float
    unit: str
    offset_days: int = Field(description="Days after enrolment (negative: before it)")
    note: str | None


class BomList(Schema):
    items: list[BomLinePublic]


class FanPublic(Schema):
    days: list[date]
    bands: list[list[float]] = Field(description="Projected usable stock with no new order, per day, at "
                                                 "P5, P25, P50, P75 and P95")


class ExcludedLotPublic(Schema):
    quantity: float
    expiry: date | None
    reason: str = Field(description="Why it is left out: expired, do-not-ship or do-not-count")


class ItemForecastPublic(Schema):
    code: str
    unit: str
    window_days: int = Field(description="Lead time plus review period")
    lead_time_days: int
    demand_mean: float
    demand_p50: float
    demand_p90: float
    demand_p95: float
    on_hand: float = Field(description="Available, unexpired stock at the hospital")
    in_transit: float = Field(description="On shipments planned or under way to the hospital")
    expected_waste: float = Field(description="Stock expected to expire unused within the window")
    position: float
    reorder_point: float
    order_up_to: float
    order_quantity: float
    order_by: date | None
    stockout_probability: float
    fan: FanPublic
    excluded: list[ExcludedLotPublic] = Field(
        default_factory=list, description="Lots left out of the stock for their expiry cut-offs")


class OutlookPublic(Schema):
    rate_per_30d: float
    remaining: int
    enrolments_mean: float
    enrolments_p50: int
    enrolments_p90: int
    enrolments_p95: int


class SlotPublic(Schema):
    patient: str = Field(description='"P" and the enrolment number overall: P042')
    slot_date: date
    probability: float = Field(description="Share of futures in which every item is ready by the slot day")
    limiting_item: str | None
    enrolled: bool


class ForecastPublic(Schema):
    id: int
    run_at: datetime
    as_of: date
    trigger: str = Field(description="schedule, manual or cli")
    recruitment: OutlookPublic
    items: list[ItemForecastPublic]
    slots: list[SlotPublic] = Field(default_factory=list, description="The next manufacturing slots")


class ScenarioItemPublic(Schema):
    code: str
    unit: str
    order_quantity: float
    order_by: date | None
    stockout_probability: float
    expected_waste: float = Field(description="Units expected to expire unused")


class SlotRiskPublic(Schema):
    patient: str
    slot_date: date
    probability: float
    limiting_item: str | None


class ScenarioPublic(Schema):
    scenario: str = Field(description="planned, faster, slower or customs_hold")
    recruitment_factor: float
    extra_lead_days: int
    rate_per_30d: float
    slot_risk: SlotRiskPublic | None = Field(description="The least likely of the listed slots; null "
                                                         "when the forecast lists none")
    items: list[ScenarioItemPublic]


class ComparisonPublic(Schema):
    """The latest forecast's inputs computed in each scenario, side by side (not stored)."""

    run_id: int
    as_of: date
    seconds: float = Field(description="How long the four forecasts took")
    scenarios: list[ScenarioPublic]


class ForecastInputs(Schema):
    """A stored forecast's inputs: a scenario document for `logistics forecast --scenario FILE.json`."""

    model_config = {"extra": "allow"}
