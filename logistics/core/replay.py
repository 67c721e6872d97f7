"""What judging a shipment again would change: the excursions it has against those found anew.

Pure: the replay service gathers both sides (the records, and the engine's excursions under another
profile or version) and this module pairs them. The pairing follows the scan's own idea of "the same
excursion" (services/excursions.py): the same logger and rule, starting at the same moment, or else
overlapping in time (late readings, or another hold, can move a start).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

# What may differ between two judgements of the same excursion, in the order a person reads them.
COMPARED = ("severity", "start", "end", "duration_s", "peak")
_FLOAT_TOLERANCE = 1e-6  # the same reading judged twice gives the same float; stored ones may round


@dataclass(frozen=True)
class Judged:
    """One excursion as a judgement saw it: on which logger, by which rule, when and how far."""

    logger: str
    rule: str
    kind: str
    mode: str
    severity: str
    start: datetime
    end: datetime | None
    duration_s: float
    peak: float | None


@dataclass(frozen=True)
class Changed:
    """The same excursion, judged otherwise: `fields` names what differs, in COMPARED's order."""

    before: Judged
    after: Judged
    fields: tuple[str, ...]


@dataclass(frozen=True)
class ReplayDiff:
    added: tuple[Judged, ...]  # found anew, not recorded
    removed: tuple[Judged, ...]  # recorded, not found anew
    changed: tuple[Changed, ...]
    unchanged: tuple[Judged, ...]  # as recorded

    @property
    def differs(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def diff_excursions(recorded: Sequence[Judged], replayed: Sequence[Judged]) -> ReplayDiff:
    """Pair each replayed excursion with a recorded one, if any; what is left over was added or removed."""
    waiting = sorted(recorded, key=_order)
    added: list[Judged] = []
    changed: list[Changed] = []
    unchanged: list[Judged] = []
    for found in sorted(replayed, key=_order):
        match = _same_start(waiting, found) or _overlapping(waiting, found)
        if match is None:
            added.append(found)
            continue
        waiting.remove(match)
        differing = tuple(name for name in COMPARED if not _alike(getattr(match, name), getattr(found, name)))
        if differing:
            changed.append(Changed(before=match, after=found, fields=differing))
        else:
            unchanged.append(found)
    return ReplayDiff(added=tuple(added), removed=tuple(waiting), changed=tuple(changed),
                      unchanged=tuple(unchanged))


def _order(judged: Judged) -> tuple[str, datetime, str]:
    return judged.logger, judged.start, judged.rule


def _same_start(candidates: list[Judged], found: Judged) -> Judged | None:
    return next((judged for judged in candidates if (judged.logger, judged.rule, judged.start)
                 == (found.logger, found.rule, found.start)), None)


def _overlapping(candidates: list[Judged], found: Judged) -> Judged | None:
    """The earliest of the same logger and rule whose [start, end) meets `found`'s; no end: still running."""
    return next((judged for judged in candidates if (judged.logger, judged.rule) == (found.logger, found.rule)
                 and (found.end is None or judged.start < found.end)
                 and (judged.end is None or found.start < judged.end)), None)


def _alike(before: object, after: object) -> bool:
    if isinstance(before, float) and isinstance(after, float):
        return math.isclose(before, after, rel_tol=0, abs_tol=_FLOAT_TOLERANCE)
    return before == after
