"""Geofences: when a logger's GPS fixes say it arrived at a site or left it, and how long it stayed.

A site's fence is a circle: its centre and radius. For each fence, a logger is either at the site or
away from it, and a crossing needs `CONFIRM_FIXES` fixes in a row on the other side:

- arriving: fixes within the radius;
- leaving: fixes beyond the radius plus a margin (the larger of `MIN_MARGIN_M` and `MARGIN_FRACTION` of
  the radius): a fix in the band between the two counts for neither side (hysteresis).

So GPS jitter about the edge, or one stray fix far away, changes nothing. A crossing happened at the first
fix of the run that confirmed it. The first fix of a track only says where the logger starts: no crossing
(a logger packed at the warehouse has not "arrived" there). Fixes are taken in time order; one not later
than the last fix followed is skipped (a decision once made stands).

Fences may overlap (two buildings of one hospital at one address): each is followed on its own.

Pure: no I/O, no clock. Times are passed in with the fixes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from logistics.core.refusals import N_, Refusal

EARTH_RADIUS_M = 6_371_008.8  # the mean radius of the WGS 84 ellipsoid (IUGG)
MIN_RADIUS_M = 50.0  # smaller than a GPS fix's usual error
MAX_RADIUS_M = 50_000.0  # larger than any airport or city site
CONFIRM_FIXES = 2
MIN_MARGIN_M = 100.0
MARGIN_FRACTION = 0.2


class Crossing(StrEnum):
    ENTERED = "entered"
    LEFT = "left"


@dataclass(frozen=True)
class Fence:
    """A site's geofence: a circle of `radius_m` metres about (latitude, longitude), WGS 84 degrees."""

    site: str
    latitude: float
    longitude: float
    radius_m: float

    @property
    def margin_m(self) -> float:
        """How far beyond the radius a fix must lie to count as away (hysteresis)."""
        return max(MIN_MARGIN_M, MARGIN_FRACTION * self.radius_m)


@dataclass(frozen=True)
class Fix:
    """One GPS position of a logger at a moment."""

    at: datetime
    latitude: float
    longitude: float


@dataclass(frozen=True)
class FenceEvent:
    """A logger arrived at a site or left it, at the fix `at` (latitude, longitude); on leaving, the stay
    it ends (`since`, and the last fix that kept it there)."""

    site: str
    crossing: Crossing
    at: datetime
    latitude: float
    longitude: float
    since: datetime | None = None
    last_inside: datetime | None = None

    @property
    def stay(self) -> FenceTrack:
        """The stay a departure ended, as the track stood before it (for its dwell)."""
        return FenceTrack(True, self.since, self.last_inside)


@dataclass(frozen=True)
class FenceTrack:
    """One fence followed for one logger: at the site or not, and the run of fixes pointing the other way."""

    inside: bool
    since: datetime | None = None  # at the site: since when (the first fix, if it started there)
    last_inside: datetime | None = None  # the newest fix that kept it at the site
    run: int = 0  # fixes in a row on the other side
    run_start: Fix | None = None  # the first of them


@dataclass(frozen=True)
class Tracks:
    """Every fence followed for one logger, and the time of the last fix taken."""

    fences: Mapping[str, FenceTrack] = field(default_factory=dict)
    last_fix: datetime | None = None


def distance_m(latitude1: float, longitude1: float, latitude2: float, longitude2: float) -> float:
    """Great-circle distance in metres (haversine, on a sphere of the Earth's mean radius)."""
    phi1, phi2 = math.radians(latitude1), math.radians(latitude2)
    dphi, dlambda = phi2 - phi1, math.radians(longitude2 - longitude1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def fence_problems(latitude: float | None, longitude: float | None,
                   radius_m: float | None) -> dict[str, Refusal]:
    """What is wrong with a fence as given (field → refusal); all three or none must be given."""
    given = {"latitude": latitude, "longitude": longitude, "radius_m": radius_m}
    if all(value is None for value in given.values()):
        return {}
    problems = {name: Refusal(N_("give the latitude, longitude and radius together"))
                for name, value in given.items() if value is None}
    limits = {"latitude": (-90.0, 90.0), "longitude": (-180.0, 180.0),
              "radius_m": (MIN_RADIUS_M, MAX_RADIUS_M)}
    for name, value in given.items():
        low, high = limits[name]
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            problems[name] = Refusal(N_("must be from %(low)s to %(high)s"), low=f"{low:g}", high=f"{high:g}")
    return problems


def follow(tracks: Tracks, fences: Sequence[Fence], fixes: Iterable[Fix]) -> tuple[Tracks, list[FenceEvent]]:
    """Carry the logger's tracks on over `fixes` (in any order; those not after the last one taken are
    skipped); the crossings found, in time order. A fence no longer given is forgotten."""
    state = {fence.site: track for fence in fences if (track := tracks.fences.get(fence.site)) is not None}
    last, events = tracks.last_fix, []
    for fix in sorted(fixes, key=lambda fix: fix.at):
        if last is not None and fix.at <= last:
            continue
        for fence in fences:
            track, event = step(state.get(fence.site), fence, fix)
            state[fence.site] = track
            if event is not None:
                events.append(event)
        last = fix.at
    return Tracks(state, last), events


def step(track: FenceTrack | None, fence: Fence, fix: Fix) -> tuple[FenceTrack, FenceEvent | None]:
    """One fix taken for one fence: the track after it, and the crossing it confirmed if any."""
    distance = distance_m(fence.latitude, fence.longitude, fix.latitude, fix.longitude)
    if track is None:  # the first fix: where the logger starts, not a crossing
        inside = distance <= fence.radius_m
        return FenceTrack(inside, fix.at if inside else None, fix.at if inside else None), None
    other_side = distance > fence.radius_m + fence.margin_m if track.inside else distance <= fence.radius_m
    if not other_side:
        last_inside = fix.at if track.inside else track.last_inside
        return replace(track, run=0, run_start=None, last_inside=last_inside), None
    start = track.run_start or fix
    if track.run + 1 < CONFIRM_FIXES:
        return replace(track, run=track.run + 1, run_start=start), None
    if track.inside:
        return FenceTrack(False), FenceEvent(fence.site, Crossing.LEFT, start.at, start.latitude,
                                             start.longitude, track.since, track.last_inside)
    event = FenceEvent(fence.site, Crossing.ENTERED, start.at, start.latitude, start.longitude)
    return FenceTrack(True, since=start.at, last_inside=fix.at), event


def dwell_s(track: FenceTrack) -> float:
    """How long the fixes have kept the logger at the site so far (0 when it is away)."""
    if not track.inside or track.since is None or track.last_inside is None:
        return 0.0
    return (track.last_inside - track.since).total_seconds()


# --- Stored as JSON ----------------------------------------------------------------------------------------

def tracks_to_json(tracks: Tracks) -> dict[str, Any]:
    """The tracks as plain JSON values (times as ISO 8601)."""
    return {"last_fix": _time_text(tracks.last_fix),
            "fences": {site: {"inside": track.inside, "since": _time_text(track.since),
                              "last_inside": _time_text(track.last_inside), "run": track.run,
                              "run_start": None if track.run_start is None else
                              [track.run_start.at.isoformat(), track.run_start.latitude,
                               track.run_start.longitude]}
                       for site, track in tracks.fences.items()}}


def tracks_from_json(data: Mapping[str, Any]) -> Tracks:
    """`tracks_to_json` read back."""
    fences = {}
    for site, track in data.get("fences", {}).items():
        start = track.get("run_start")
        fences[site] = FenceTrack(
            inside=bool(track["inside"]), since=_time(track.get("since")),
            last_inside=_time(track.get("last_inside")), run=int(track.get("run", 0)),
            run_start=None if start is None else Fix(datetime.fromisoformat(start[0]), start[1], start[2]))
    return Tracks(fences, _time(data.get("last_fix")))


def _time_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
