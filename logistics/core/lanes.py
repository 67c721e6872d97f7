"""Lanes: route templates from an origin to a destination, and the shipment plan one makes from a departure.

A lane's legs must join up: the first leaves from the lane's origin, each next one starts where the one
before ended, the last arrives at the destination. Each leg takes some time (its planned duration), and the
goods may wait at a leg's start before it leaves (cargo acceptance before a flight, a courier's pickup
slot); waiting is never negative. A truck, flight or courier leg goes somewhere else.

The packaging's qualified hold time is how long the shipper keeps its range without being opened; a lane
planned to take longer than that is allowed (the hold time may be unknown, or the shipper re-iced on the
way) but warned about, since a delay on top of the plan would run the coolant out (WHO TRS 961 Annex 9,
supplement 14: the route profile is compared with the packaging's qualification).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from logistics.core.legs import MOVING, LegMode
from logistics.core.refusals import N_, Refusal


class Coolant(StrEnum):
    NONE = "none"  # ambient shippers that only insulate
    GEL_PACKS = "gel_packs"  # conditioned gel packs or PCM panels
    DRY_ICE = "dry_ice"  # UN 1845: its net kg goes on the box and the air waybill
    LN2_DRY_SHIPPER = "ln2_dry_shipper"  # liquid nitrogen held in an absorbent: no free liquid


COOLANTS = tuple(Coolant)
LANE_LEG_MODES = tuple(LegMode)
HOUR_S = 3600.0


@dataclass(frozen=True)
class LaneLeg:
    """One leg of a lane: how the goods travel, between which sites (codes), and for how long."""

    mode: str
    origin: str
    destination: str
    duration_s: float
    wait_s: float = 0.0  # before the leg starts, at its origin
    carrier: str | None = None


@dataclass(frozen=True)
class LanePlan:
    """What the lane rules look at."""

    origin: str
    destination: str
    legs: Sequence[LaneLeg]
    hold_s: float | None = None  # the packaging's qualified hold time
    coolant: str = Coolant.NONE
    coolant_kg: float | None = None


@dataclass(frozen=True)
class LaneCheck:
    """Refusals by field (any one refuses the lane; a leg's field is `legs.INDEX.NAME`, from 0) and
    warnings."""

    refusals: dict[str, Refusal] = field(default_factory=dict)
    warnings: list[Refusal] = field(default_factory=list)


@dataclass(frozen=True)
class PlannedLeg:
    """A lane's leg placed in time from a departure."""

    sequence: int
    leg: LaneLeg
    planned_start: datetime
    planned_end: datetime


def check_lane(plan: LanePlan) -> LaneCheck:
    """Whether `plan` makes a lane: its legs join up from origin to destination, each takes some time, the
    coolant is described; and whether the packaging holds for the planned transit."""
    refusals: dict[str, Refusal] = {}
    if plan.origin == plan.destination:
        refusals["destination"] = Refusal(N_("must differ from the origin"))
    if not plan.legs:
        refusals["legs"] = Refusal(N_("a lane needs at least one leg"))
    for index, leg in enumerate(plan.legs):
        for name, refusal in _leg_refusals(leg, plan.legs[index - 1] if index else None, plan).items():
            refusals.setdefault(f"legs.{index}.{name}", refusal)
    if plan.legs and plan.legs[-1].destination != plan.destination:
        refusals.setdefault(f"legs.{len(plan.legs) - 1}.destination", Refusal(
            N_("the last leg must arrive at the lane's destination, %(site)s"), site=plan.destination))
    refusals.update(_coolant_refusals(plan))
    return LaneCheck(refusals, hold_warnings(plan) if not refusals else [])


def transit_s(legs: Sequence[LaneLeg]) -> float:
    """The lane's planned time from departure to the end of its last leg, waits included."""
    return sum(leg.wait_s + leg.duration_s for leg in legs)


def hold_warnings(plan: LanePlan) -> list[Refusal]:
    """A warning when the packaging's qualified hold time is shorter than the lane's planned transit."""
    if plan.hold_s is None or not plan.legs:
        return []
    transit = transit_s(plan.legs)
    if plan.hold_s >= transit:
        return []
    return [Refusal(N_("The packaging is qualified for %(hold)s h, but the lane is planned to take "
                       "%(transit)s h from departure to arrival: a delay would leave the goods without their "
                       "range."),
                    hold=_hours(plan.hold_s), transit=_hours(transit))]


def plan_legs(legs: Sequence[LaneLeg], departure: datetime) -> list[PlannedLeg]:
    """The legs placed in time: each starts after the one before ends plus its own wait, and lasts its
    duration; the first leaves at `departure` plus its wait."""
    placed, moment = [], departure
    for sequence, leg in enumerate(legs, start=1):
        start = moment + timedelta(seconds=leg.wait_s)
        moment = start + timedelta(seconds=leg.duration_s)
        placed.append(PlannedLeg(sequence, leg, start, moment))
    return placed


def _leg_refusals(leg: LaneLeg, previous: LaneLeg | None, plan: LanePlan) -> dict[str, Refusal]:
    refusals: dict[str, Refusal] = {}
    if leg.mode not in LANE_LEG_MODES:
        refusals["mode"] = Refusal(N_("choose one of %(modes)s"), modes=", ".join(LANE_LEG_MODES))
    expected = previous.destination if previous else plan.origin
    if leg.origin != expected:
        refusals["origin"] = (Refusal(N_("must be %(site)s, where the leg before arrives"), site=expected)
                              if previous else
                              Refusal(N_("must be %(site)s, the lane's origin"), site=expected))
    if leg.mode in MOVING and leg.origin == leg.destination:
        refusals["destination"] = Refusal(N_("must differ from the origin: a %(mode)s leg takes the goods "
                                             "somewhere else"), mode=leg.mode)
    if not leg.duration_s > 0:
        refusals["duration_hours"] = Refusal(N_("must be more than 0: a leg takes some time"))
    if not leg.wait_s >= 0:
        refusals["wait_hours"] = Refusal(N_("must not be negative"))
    return refusals


def _coolant_refusals(plan: LanePlan) -> dict[str, Refusal]:
    if plan.coolant not in COOLANTS:
        return {"coolant": Refusal(N_("choose one of %(coolants)s"), coolants=", ".join(COOLANTS))}
    if plan.coolant == Coolant.DRY_ICE and not (plan.coolant_kg or 0) > 0:
        return {"coolant_kg": Refusal(N_("give the net kg of dry ice (it goes on the box and the air "
                                         "waybill)"))}
    if plan.coolant_kg is not None and plan.coolant_kg < 0:
        return {"coolant_kg": Refusal(N_("must not be negative"))}
    return {}


def _hours(seconds: float) -> str:
    return f"{seconds / HOUR_S:g}"
