"""IATA air waybill numbers: a 3-digit airline prefix and an 8-digit serial with a mod-7 check."""

from __future__ import annotations

import re

_AWB = re.compile(r"^\s*(\d{3})[\s-]?(\d{7})\s?(\d)\s*$")


def normalise_awb(text: str) -> str:
    """Return the waybill as "PPP-SSSSSSSC", or raise ValueError saying what is wrong."""
    match = _AWB.match(text)
    if not match:
        raise ValueError("an air waybill is 11 digits: airline prefix, 7-digit serial, check digit")
    prefix, serial, check = match.groups()
    if int(serial) % 7 != int(check):
        raise ValueError(f"check digit should be {int(serial) % 7}, not {check}")
    return f"{prefix}-{serial}{check}"
