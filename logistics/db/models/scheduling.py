"""What the scheduler keeps about its jobs."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from logistics.db.models.base import time_field
from logistics.db.types import UTCDateTime


class JobRun(SQLModel, table=True):
    """The latest run of each scheduled job, for /api/v1/metrics and for seeing that the scheduler lives."""

    __tablename__ = "job_runs"

    job: str = Field(primary_key=True, max_length=40)
    started_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    seconds: float
    ok: bool
    error: str | None = Field(default=None, max_length=1000)
    last_success_at: datetime | None = time_field()
    runs: int = 0
    failures: int = 0
