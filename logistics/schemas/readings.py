"""Shapes of stored readings as the API gives them: one reading, and a page of a shipment's readings."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from logistics.schemas.base import Schema


class ReadingPublic(Schema):
    """One stored reading; the fields are the columns of the CSV export, in the same order."""

    logger: str
    device_time: datetime = Field(description="When the logger took the reading (UTC)")
    received_at: datetime = Field(description="When the tracker received it (UTC)")
    temperature_c: float | None = Field(description="°C")
    shock_g: float | None = Field(description="Shock magnitude in g (9.80665 m/s²)")
    humidity: float | None = Field(description="Relative humidity, %")
    battery: float | None = Field(description="Battery charge, %")
    latitude: float | None = Field(description="WGS 84 degrees")
    longitude: float | None = Field(description="WGS 84 degrees")
    seq: int | None = Field(description="The logger's sequence number, if it sends one")
    source: str = Field(description="mqtt, http or file")
    time_flagged: bool = Field(description="The logger sent no time: the receive time stands in for it")
    light_lux: float | None = Field(default=None, description="Light on the logger's sensor, lux (null where "
                                                              "it does not measure light)")
    door_open: bool | None = Field(default=None, description="The logger's door or lid contact: true open, "
                                                             "false closed (null where it has none)")


class ReadingPage(Schema):
    shipment: str
    items: list[ReadingPublic] = Field(description="By logger id, then device time")
    limit: int
    next_cursor: str | None = Field(description="Send as ?cursor= (with the same filters) for the next "
                                                "page; null on the last page")
    next: str | None = Field(description="The address of the next page, filters and cursor included; null "
                                         "on the last page")
