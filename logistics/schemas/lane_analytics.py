"""The shape of a lane's analytics in the API: times in hours, rates per 100 shipments."""

from __future__ import annotations

from pydantic import Field

from logistics.schemas.base import Schema


class SpreadPublic(Schema):
    count: int = Field(description="How many shipments have the figure")
    p50_hours: float | None
    p90_hours: float | None = Field(description="90th percentile, interpolated between ranks")


class ExposurePublic(Schema):
    shipments: int
    excursions: int = Field(description="Excursions that began here; one per event, data gaps left out")
    excursions_per_100_shipments: float | None
    out_of_range_hours: float = Field(description="Summed over the shipments, the worst logger of each")
    out_of_range_per_shipment_hours: float | None


class LegAnalytics(Schema):
    sequence: int
    mode: str
    origin: str
    destination: str
    carriers: list[str]
    planned: SpreadPublic
    actual: SpreadPublic
    late: int = Field(description="Shipments whose leg took longer than planned")
    exposure: ExposurePublic


class StopAnalytics(Schema):
    after_leg: int
    site: str
    planned: SpreadPublic = Field(description="Planned dwell between the legs")
    actual: SpreadPublic
    exposure: ExposurePublic


class CarrierAnalytics(Schema):
    carrier: str
    legs: int
    exposure: ExposurePublic


class PeriodAnalytics(Schema):
    period: str = Field(description="A month of departure (2026-04, the origin's calendar) or a season")
    season: str = Field(description="Bangkok's season: hot_season, rainy_season or cool_season")
    transit: SpreadPublic
    exposure: ExposurePublic
    out_of_range_per_shipment_hours_by_leg: list[float | None] = Field(description="In the order of `legs`")


class LaneAnalyticsPublic(Schema):
    lane: str
    zone: str = Field(description="The time zone months are counted in (the origin's)")
    shipments: list[str] = Field(description="The arrived shipments counted, newest first")
    planned_transit: SpreadPublic
    actual_transit: SpreadPublic
    on_time: int = Field(description="Shipments that arrived no later than planned")
    exposure: ExposurePublic
    legs: list[LegAnalytics]
    stops: list[StopAnalytics]
    carriers: list[CarrierAnalytics]
    months: list[PeriodAnalytics]
    seasons: list[PeriodAnalytics]
