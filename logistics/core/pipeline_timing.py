"""When a lot on its way is expected on site, and how long QC release takes there: what the reorder
forecast reads of the pipeline (a lot is usable from its arrival plus the site's release time).

The arrival is the best the records say: the shipment's planned arrival; else its departure (actual, else
planned) plus its lane's median door-to-door days; else the forecast's day plus the shared lead time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from logistics.core.clock import in_zone


def expected_arrival(as_of: date, *, arrived: bool, planned_arrival: datetime | None,
                     departure: datetime | None, lane_days: float | None, lead_time_days: int,
                     zone: str) -> date:
    """The day (in the destination's time zone `zone`) a lot on its way is expected on site; a shipment
    arrived but not yet received, or one running late, is expected on `as_of`."""
    if arrived:
        return as_of
    if planned_arrival is not None:
        expected = in_zone(planned_arrival, zone).date()
    elif departure is not None and lane_days is not None:
        expected = in_zone(departure + timedelta(days=lane_days), zone).date()
    else:
        return as_of + timedelta(days=lead_time_days)
    return max(expected, as_of)


def release_days(seconds: Iterable[float]) -> list[int]:
    """Receipt-to-release times as whole days, rounded up (a release after 2.1 days takes the third)."""
    return [max(math.ceil(each / 86400), 0) for each in seconds]
