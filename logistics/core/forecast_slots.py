"""Patient slots: each enrolment becomes a manufacturing slot (apheresis) `slot_offset_days` after it, and
a slot can go ahead when every item's demand up to and including its day is met.

The upcoming slots are those of the patients enrolled already whose slot is today or later (their days are
known), then the next predicted enrolments in order, whose days differ per run: the k-th future enrolment
is on the day a run's count of enrolments reaches k. For each slot: the share of runs in which every item
is ready (for a predicted patient, of the runs in which they enrol in time for their slot to fall within
the simulated days), the item least often ready, and the median slot date over those runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from numpy.typing import NDArray

from logistics.core.forecast_demand import Counts, quantile
from logistics.core.forecast_inputs import Policy, Recruitment
from logistics.core.forecast_stock import Days, Matrix

Flags = NDArray[np.bool_]


@dataclass(frozen=True)
class Slot:
    patient: str  # "P" and the enrolment number overall: "P042" is the 42nd patient enrolled
    slot_date: date
    probability: float  # that every item's demand up to and including the slot day is met
    limiting_item: str | None  # the item least often ready; None when every run has all of them
    enrolled: bool  # the patient is enrolled already (else predicted)


@dataclass(frozen=True)
class SlotDays:
    """The upcoming slots (columns) and their days per run."""

    patients: tuple[int, ...]  # enrolment numbers
    enrolled: tuple[bool, ...]
    days: Days  # runs × slots, from as_of; -1 where a run has no such slot within the simulated days

    def ready(self, path_at_end: Matrix) -> Flags:
        """Per run and slot: the item's demand up to and including the slot day is met (no one waits)."""
        rows = np.arange(self.days.shape[0])[:, None]
        return np.asarray(path_at_end[rows, np.maximum(self.days, 0)] >= -1e-9)


def upcoming_slots(as_of: date, recruitment: Recruitment, enrolled: Counts, policy: Policy) -> SlotDays:
    """The next `policy.slots` slots, from each run's future enrolments in days [0, d) (`enrolled`, runs ×
    days + 1)."""
    runs, span = enrolled.shape[0], enrolled.shape[1] - 1
    offset = policy.slot_offset_days
    enrolments = sorted(day for site in recruitment.sites for day in site.enrolled)
    known = [(number, (day - as_of).days + offset) for number, day in enumerate(enrolments, start=1)
             if (day - as_of).days + offset >= 0][:policy.slots]
    predicted = max(min(policy.slots - len(known), recruitment.remaining), 0)
    enrolled_on = _enrolment_days(enrolled, predicted)
    slot = enrolled_on + offset
    predicted_days = np.where((enrolled_on < span) & (slot >= 0) & (slot < span), slot, -1)
    known_days = np.array([day if day < span else -1 for _, day in known], dtype=np.int64)
    following = range(len(enrolments) + 1, len(enrolments) + 1 + predicted)
    return SlotDays(
        patients=(*(number for number, _ in known), *following),
        enrolled=(True,) * len(known) + (False,) * predicted,
        days=np.concatenate([np.broadcast_to(known_days, (runs, len(known))), predicted_days], axis=1))


def _enrolment_days(enrolled: Counts, count: int) -> Days:
    """The day of each run's 1st…count-th future enrolment (runs × count; the number of days if none)."""
    runs, span = enrolled.shape[0], enrolled.shape[1] - 1
    if count == 0 or span == 0:
        return np.full((runs, count), span, dtype=np.int64)
    # Enrolments on days 0…d, exact in 64 bits: the lift below exceeds what float32 counts hold exactly.
    reached = enrolled[:, 1:].astype(np.int64)
    # One sorted row after another, each lifted above the last, so one search finds every run's days.
    lift = np.arange(runs)[:, None] * (max(float(reached[:, -1].max()), count) + 1)
    found = np.searchsorted((reached + lift).ravel(), (lift + np.arange(1, count + 1)).ravel())
    return np.asarray(np.minimum(found.reshape(runs, count) - np.arange(runs)[:, None] * span, span),
                      dtype=np.int64)


@dataclass(frozen=True)
class Readiness:
    """What the items gathered so far say of the slots."""

    every: Flags  # runs × slots: every item so far is ready
    items: tuple[tuple[str, NDArray[np.float64]], ...] = ()  # per item, the share of runs ready per slot

    @classmethod
    def start(cls, upcoming: SlotDays) -> Readiness:
        return cls(np.ones(upcoming.days.shape, dtype=np.bool_))

    def add(self, code: str, upcoming: SlotDays, path_at_end: Matrix) -> Readiness:
        ready = upcoming.ready(path_at_end)
        counted = upcoming.days >= 0
        share = (ready & counted).sum(axis=0) / np.maximum(counted.sum(axis=0), 1)
        return Readiness(self.every & ready, (*self.items, (code, share)))


def slots(as_of: date, upcoming: SlotDays, readiness: Readiness) -> tuple[Slot, ...]:
    """Each upcoming slot that falls within the simulated days in some run."""
    found = []
    for column, (number, enrolled) in enumerate(zip(upcoming.patients, upcoming.enrolled, strict=True)):
        counted = upcoming.days[:, column] >= 0
        if not counted.any():
            continue
        probability = float(readiness.every[counted, column].mean())
        limiting = min(readiness.items, key=lambda item: item[1][column])[0] \
            if probability < 1 and readiness.items else None
        day = int(quantile(upcoming.days[counted, column].astype(np.float64), 0.5))
        found.append(Slot(f"P{number:03d}", as_of + timedelta(days=day), probability, limiting, enrolled))
    return tuple(found)
