"""Shapes of sites as the API reads and sets them: their name, time zone and geofence."""

from __future__ import annotations

from pydantic import Field

from logistics.core.geofence import MAX_RADIUS_M, MIN_RADIUS_M
from logistics.schemas.base import Schema


class SiteFields(Schema):
    """What may change of a site, as it should be (a PUT sends all of it): its code, kind and country stay.
    The geofence is the three of latitude, longitude and radius together, or none of them."""

    name: str = Field(min_length=1, max_length=200)
    timezone: str = Field(min_length=1, max_length=64, description="IANA time zone, e.g. Asia/Bangkok")
    latitude: float | None = Field(default=None, description="The geofence's centre, WGS 84 degrees (±90)")
    longitude: float | None = Field(default=None, description="The geofence's centre, WGS 84 degrees (±180)")
    radius_m: float | None = Field(default=None, description=(
        f"The geofence's radius in metres, {MIN_RADIUS_M:g} to {MAX_RADIUS_M:g}"))
    reason: str | None = Field(default=None, max_length=1000, description="Why, for the audit trail")


class SiteDetail(Schema):
    code: str
    name: str
    kind: str = Field(description="warehouse, airport, customs or hospital")
    country: str = Field(description="ISO 3166-1 alpha-2")
    timezone: str = Field(description="IANA time zone: the site's local times are read and shown in it")
    latitude: float | None = Field(description="The geofence's centre, WGS 84 degrees (null: no geofence)")
    longitude: float | None
    radius_m: float | None = Field(description="The geofence's radius, metres")


class SiteList(Schema):
    items: list[SiteDetail]
