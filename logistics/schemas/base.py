"""The base of every API and form shape, and the business-time type they share."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
)

from logistics.core.limits import business_time_problem


class Schema(BaseModel):
    """Unknown fields are refused, so a typo in a request is an error rather than ignored."""

    model_config = ConfigDict(extra="forbid")


def _business_time(value: datetime) -> datetime:
    problem = business_time_problem(value)
    if problem:
        raise ValueError(problem)
    return value


# A time people give for the shipment's business: with its offset, inside the window of core/limits.py.
BusinessTime = Annotated[AwareDatetime, AfterValidator(_business_time)]
