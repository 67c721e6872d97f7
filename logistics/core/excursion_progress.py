"""An evaluation's progress (SPEC §2.1): the readings folded so far, kept between scans so that the next
one carries it on with only the new readings."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from logistics.core.excursion_rules import RangeState
from logistics.core.excursion_types import MICROSECOND, Cadence
from logistics.core.mkt import RunningMeans
from logistics.core.profiles import StorageProfile


class Intervals(NamedTuple):
    """How many differences between consecutive readings fall below, on and above Δ."""

    below: int
    equal: int
    above: int


@dataclass
class OpenRun:
    """Consecutive readings beyond a single-event rule's threshold, so far."""

    start: datetime
    end: datetime  # the end of its last reading's coverage
    covered_us: int
    peak: float


@dataclass
class Budget:
    """A cumulative rule's time beyond its threshold, so far."""

    total_us: int = 0
    reached: datetime | None = None
    peak: float | None = None


@dataclass
class Progress:
    """An evaluation folded up to (not including) the temperature reading at `resume_at`.

    That reading is left out because its coverage depends on the reading after it; the next evaluation
    starts by reading it again. Stored between scans as JSON (`to_json`, `from_json`).
    """

    profile_key: str
    interval_us: int
    hold_us: int
    intervals: Intervals
    resume_at: datetime | None = None
    window_start: datetime | None = None  # where the window began (None: a file's own span)
    first: datetime | None = None  # the first temperature reading
    readings: int = 0  # readings before resume_at, with or without a temperature
    covered_us: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RangeState, 0))
    # Time covered out of range per temperature (repr of the °C value), for the Arrhenius-equivalent time
    # (SPEC §2.3); None in progress stored before it was kept, which cannot be carried on.
    outside_us: dict[str, int] | None = field(default_factory=dict)
    no_data_us: int = 0
    lowest: float | None = None
    highest: float | None = None
    weighted: RunningMeans | None = None
    counted: RunningMeans | None = None  # the same, every reading weighing one (when none covers time)
    runs: dict[str, OpenRun] = field(default_factory=dict)
    budgets: dict[str, Budget] = field(default_factory=dict)

    @property
    def cadence(self) -> Cadence:
        return Cadence(self.interval_us * MICROSECOND, self.hold_us * MICROSECOND)

    def to_json(self) -> str:
        return json.dumps(asdict(self), default=_json_default)

    @classmethod
    def from_json(cls, text: str) -> Progress:
        data = json.loads(text)
        times = {name: _time(data.get(name)) for name in ("resume_at", "window_start", "first")}
        return cls(**{**data, **times, "intervals": Intervals(*data["intervals"]),
                      "outside_us": data.get("outside_us"),
                      "weighted": _means(data["weighted"]), "counted": _means(data["counted"]),
                      "runs": {name: OpenRun(_time(run["start"]), _time(run["end"]), run["covered_us"],
                                             run["peak"]) for name, run in data["runs"].items()},
                      "budgets": {name: Budget(budget["total_us"], _time(budget["reached"]), budget["peak"])
                                  for name, budget in data["budgets"].items()}})


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {value!r}")


def _time(text: str | None) -> Any:
    return datetime.fromisoformat(text) if text is not None else None


def _means(data: dict[str, float] | None) -> RunningMeans | None:
    return RunningMeans(**data) if data is not None else None


def profile_key(profile: StorageProfile) -> str:
    """Identifies a profile's rules exactly: progress made under other rules cannot be carried on."""
    return f"{profile.name}:{profile.version}:" + hashlib.sha256(repr(profile).encode()).hexdigest()[:16]
