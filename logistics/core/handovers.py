"""Hand-overs along a shipment's route (chain of custody): at each change of hands the party handing the
box over and the party taking it record when, where, in what condition (seals, packaging, coolant) and
who. The receiving pharmacy's hand-over is its receipt (core.receiving), never a hand-over of its own.

A carrier, customs broker or courier records theirs on a phone through a one-shipment link: signed, it
names the shipment and when it stops working. These rules say how long a link lasts, which hand-overs
are plausible, and how often one link may be used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from logistics.core.receiving import CoolantState
from logistics.core.refusals import N_, Refusal


class Party(StrEnum):
    """Who holds the box: the shipper's warehouse, a carrier (truck, airline, its handling agent), the
    customs broker, the courier, and at the end the pharmacy."""

    SHIPPER = "shipper"
    CARRIER = "carrier"
    CUSTOMS_BROKER = "customs_broker"
    COURIER = "courier"
    PHARMACY = "pharmacy"


# The pharmacy takes the box by its receipt (the receiving page), so a link offers the others only.
LINK_PARTIES = (Party.SHIPPER, Party.CARRIER, Party.CUSTOMS_BROKER, Party.COURIER)
# Who holds the box on a leg of each mode.
LEG_PARTY = {"truck": Party.CARRIER, "air": Party.CARRIER, "customs": Party.CUSTOMS_BROKER,
             "courier": Party.COURIER, "storage": Party.CARRIER}

# A link works until the planned arrival and a margin for delays (customs holds add days), and never for
# less than a day or more than a month from when it was made; without a planned arrival, two weeks.
LINK_MARGIN = timedelta(days=3)
LINK_SHORTEST = timedelta(days=1)
LINK_LONGEST = timedelta(days=30)
LINK_WITHOUT_ARRIVAL = timedelta(days=14)

# A hand-over is recorded as it happens or soon after: up to a week back, and a phone's clock may run a
# few minutes ahead.
EARLIEST_BEFORE = timedelta(days=7)
LATEST_AHEAD = timedelta(minutes=10)
NAME_CHARACTERS = 50
PLACE_CHARACTERS = 200
NOTE_CHARACTERS = 1000

# One link records at most this many hand-overs in this window: a route has a handful of them, so more
# means a link passed around or a script, which the window slows down.
LINK_USES = 20
LINK_USE_WINDOW = timedelta(hours=1)


def link_expiry(planned_arrival: datetime | None, now: datetime) -> datetime:
    """When a link made at `now` stops working."""
    if planned_arrival is None:
        return now + LINK_WITHOUT_ARRIVAL
    latest = now + LINK_LONGEST
    if planned_arrival >= latest - LINK_MARGIN:  # compared, not added to: a stored time may be year 9999
        return latest
    return max(planned_arrival + LINK_MARGIN, now + LINK_SHORTEST)


@dataclass(frozen=True)
class HandoverDraft:
    """A hand-over as recorded: `place` is a site's code or a place in words; `leg` the sequence of the
    leg the box goes onto, if one is named."""

    from_party: str
    to_party: str
    name: str
    place: str
    at: datetime
    seals_intact: bool | None
    packaging_intact: bool | None
    coolant_state: str
    note: str = ""
    leg: int | None = None


def handover_problems(draft: HandoverDraft, *, legs: frozenset[int], now: datetime,
                      parties: tuple[Party, ...] = LINK_PARTIES) -> dict[str, Refusal]:
    """What is wrong with the draft, by field (empty when it may be recorded); `legs` are the sequences of
    the shipment's legs, `parties` those who may hand over here."""
    problems: dict[str, Refusal] = {}
    allowed = {party.value for party in parties}
    for field in ("from_party", "to_party"):
        if getattr(draft, field) not in allowed:
            problems[field] = Refusal(N_("choose who hands over and who takes the box"))
    if not problems and draft.from_party == draft.to_party and draft.from_party == Party.SHIPPER:
        problems["to_party"] = Refusal(N_("the shipper cannot hand the box to itself"))
    if not draft.name.strip():
        problems["name"] = Refusal(N_("write your name"))
    elif len(draft.name.strip()) > NAME_CHARACTERS:
        problems["name"] = Refusal(N_("at most %(count)d characters"), count=NAME_CHARACTERS)
    if not draft.place.strip():
        problems["place"] = Refusal(N_("say where the box changes hands"))
    elif len(draft.place.strip()) > PLACE_CHARACTERS:
        problems["place"] = Refusal(N_("at most %(count)d characters"), count=PLACE_CHARACTERS)
    if len(draft.note) > NOTE_CHARACTERS:
        problems["note"] = Refusal(N_("at most %(count)d characters"), count=NOTE_CHARACTERS)
    if draft.at > now + LATEST_AHEAD:
        problems["at"] = Refusal(N_("a hand-over cannot be recorded before it happens"))
    elif draft.at < now - EARLIEST_BEFORE:
        problems["at"] = Refusal(N_("record a hand-over within a week of it"))
    for field in ("seals_intact", "packaging_intact"):
        if getattr(draft, field) is None:
            problems[field] = Refusal(N_("answer yes or no"))
    if draft.coolant_state not in {state.value for state in CoolantState}:
        problems["coolant_state"] = Refusal(N_("choose the state of the coolant"))
    if draft.leg is not None and draft.leg not in legs:
        problems["leg"] = Refusal(N_("choose one of the shipment's legs"))
    return problems


def link_actor(name: str) -> str:
    """Who the audit trail says made a change through a link: the name given, marked as not a user."""
    suffix = " (hand-over link)"
    return name.strip()[:64 - len(suffix)] + suffix


def uses_left(recent_uses: int) -> bool:
    """Whether a link that recorded `recent_uses` hand-overs within LINK_USE_WINDOW may record another."""
    return recent_uses < LINK_USES
