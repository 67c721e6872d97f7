"""API shapes of a shipment's chain of custody: its hand-overs, the receipt last."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from logistics.schemas.base import Schema


class HandoverPublic(Schema):
    """One change of hands. The pharmacy's receipt is the last one (`kind` receipt): its fields are read
    from the receipt, whose whole record is at /shipments/{reference}/receipt."""

    kind: Literal["handover", "receipt"]
    id: int | None = Field(description="The hand-over's id (None for the receipt)")
    at: datetime
    from_party: str | None = Field(description="shipper, carrier, customs_broker or courier (None for the "
                                               "receipt: whoever delivered it)")
    to_party: str = Field(description="carrier, customs_broker, courier, shipper, or pharmacy for the "
                                      "receipt")
    name: str = Field(description="Who recorded it: the name written on the link's form, or the user "
                                  "who recorded the receipt")
    site: str | None = Field(description="The site's code, when it happened at one")
    place: str | None = Field(description="Where, in words, when not at a site")
    leg: int | None = Field(description="The sequence of the leg the box went onto")
    seals_intact: bool
    packaging_intact: bool
    coolant_state: str = Field(description="frozen, cold, partly_thawed, thawed, dry_ice_present, "
                                           "dry_ice_gone or not_used")
    note: str | None
    recorded_via: str = Field(description="link (a one-shipment link) or receiving (the receipt)")


class HandoverList(Schema):
    shipment: str
    items: list[HandoverPublic] = Field(description="Oldest first; the receipt, once recorded, last")
