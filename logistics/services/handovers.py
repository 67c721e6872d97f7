"""Hand-overs (chain of custody): one-shipment links for the parties on the way, the hand-overs recorded
through them, and a shipment's timeline of hand-overs ending with the pharmacy's receipt.

A link holds a token signed with the application's secret (itsdangerous): the shipment's id, the
generation of its links and when it stops working (core.handovers.link_expiry). Nothing is stored when
a link is made; raising the shipment's `handover_links` ends every link made before. A link that does
not hold (tampered, expired, ended) counts as a failed sign-in from its address, so guessing tokens is
throttled as guessing passwords is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func
from sqlmodel import Session, col, select

from logistics.core.handovers import (
    LEG_PARTY,
    LINK_USE_WINDOW,
    HandoverDraft,
    Party,
    handover_problems,
    link_actor,
    link_expiry,
    uses_left,
)
from logistics.core.lifecycle import ShipmentStatus
from logistics.core.refusals import N_, Refusal
from logistics.core.throttle import ThrottlePolicy, locked_until
from logistics.db.locks import Lock, hold
from logistics.db.models import Handover, Leg, LoginAttempt, Receipt, Shipment, Site, User
from logistics.documents.pdf import qr_symbol
from logistics.schemas.handovers import HandoverList, HandoverPublic
from logistics.schemas.shipments import LegPublic
from logistics.services import catalogue, users
from logistics.services.errors import InputError
from logistics.services.shipments import describe_shipment, get_shipment

SALT = "coldchain-handover-link"
# The shipments whose box is on its way or about to leave: a link is made for them, and works for them.
HANDING_OVER = frozenset({ShipmentStatus.PLANNED, ShipmentStatus.PACKED, ShipmentStatus.IN_TRANSIT,
                          ShipmentStatus.ARRIVED})
# A link that does not hold is recorded as a failed sign-in under this name (login_attempts).
LINK_ATTEMPT = "(hand-over link)"


class LinkRefused(Exception):
    """A link that does not let anyone record a hand-over; `reason`: tampered, expired, ended (its links
    were ended since) or closed (the shipment was received or cancelled)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the hand-over link is {reason}")
        self.reason = reason


class TooManyUses(Exception):
    """The link recorded as many hand-overs as one window allows (core.handovers.LINK_USES)."""


@dataclass(frozen=True)
class HandoverLink:
    token: str
    reference: str
    expires_at: datetime


@dataclass(frozen=True)
class LinkPage:
    """What a link's page shows: the shipment's reference and legs, the sites to choose a place from
    (code → time zone) and the zone a time is read in when the place is no site."""

    reference: str
    legs: list[LegPublic]
    zones: dict[str, str]
    destination_zone: str
    expires_at: datetime


@dataclass(frozen=True)
class TimelineEntry:
    """A hand-over as the shipment's page shows it, in the zone of where it happened."""

    entry: HandoverPublic
    zone: str


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=SALT)


def make_link(session: Session, reference: str, *, secret: str, now: datetime) -> HandoverLink:
    """A new link for the shipment; InputError once it is received or cancelled."""
    shipment = get_shipment(session, reference)
    if shipment.status not in HANDING_OVER:
        raise InputError({"shipment": Refusal(N_("%(reference)s is no longer on its way"),
                                              reference=reference)})
    expires = link_expiry(shipment.planned_arrival, now).replace(microsecond=0)
    token = _serializer(secret).dumps([shipment.id, shipment.handover_links, int(expires.timestamp())])
    return HandoverLink(token=str(token), reference=shipment.reference, expires_at=expires)


def end_links(session: Session, reference: str) -> None:
    """End every link made for the shipment so far."""
    shipment = get_shipment(session, reference)
    shipment.handover_links += 1


def linked_shipment(session: Session, token: str, *, secret: str,
                    now: datetime) -> tuple[Shipment, datetime]:
    """The shipment a link names and when the link stops working; LinkRefused when it does not hold."""
    try:
        payload = _serializer(secret).loads(token)
    except BadSignature:
        raise LinkRefused("tampered") from None
    if (not isinstance(payload, list) or len(payload) != 3
            or not all(isinstance(part, int) and not isinstance(part, bool) for part in payload)):
        raise LinkRefused("tampered")
    shipment_id, generation, expires = payload
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise LinkRefused("tampered")
    until = datetime.fromtimestamp(expires, UTC)
    if now >= until:
        raise LinkRefused("expired")
    if generation != shipment.handover_links:
        raise LinkRefused("ended")
    if shipment.status not in HANDING_OVER:
        raise LinkRefused("closed")
    return shipment, until


def link_locked_until(session: Session, address: str, policy: ThrottlePolicy,
                      now: datetime) -> datetime | None:
    """When links may be tried again from `address` (None: now): counted by address as sign-ins are (failed
    sign-ins and links alike), never by a name, so that nobody can lock the couriers out."""
    hold(session, Lock.SIGN_IN)
    failures = session.exec(select(LoginAttempt.at).where(
        LoginAttempt.address == address[:64], col(LoginAttempt.ok).is_(False),
        LoginAttempt.at > now - policy.window)).all()
    return locked_until([], failures, policy, now)


def record_refused_link(session: Session, address: str, now: datetime) -> None:
    users.record_sign_in(session, LINK_ATTEMPT, address, ok=False, now=now)


def link_qr(url: str) -> str:
    """The link's QR code, as an SVG data URI for a page to show."""
    return str(qr_symbol(url).svg_data_uri(scale=5, border=4))


def destination_zone(session: Session, reference: str) -> str:
    """The time zone of the shipment's destination (NotFound for an unknown reference)."""
    shipment = get_shipment(session, reference)
    site = session.get(Site, shipment.destination_id)
    assert site is not None
    return site.timezone


def link_page(session: Session, shipment: Shipment, expires_at: datetime) -> LinkPage:
    described = describe_shipment(session, shipment.reference)
    zones = catalogue.site_zones(session)
    return LinkPage(reference=shipment.reference, legs=described.legs, zones=zones,
                    destination_zone=zones[described.destination], expires_at=expires_at)


def record_by_link(session: Session, shipment: Shipment, draft: HandoverDraft, *,
                   now: datetime) -> Handover:
    """Record a hand-over sent through the shipment's link, audited as done by the name written on it;
    InputError naming each field refused, TooManyUses past the link's limit."""
    recent = session.exec(select(func.count()).select_from(Handover).where(
        Handover.shipment_id == shipment.id, Handover.recorded_via == "link",
        Handover.recorded_at > now - LINK_USE_WINDOW)).one()
    if not uses_left(recent):
        raise TooManyUses()
    session.info["actor"] = link_actor(draft.name)
    return record(session, shipment, draft, via="link", now=now)


def record(session: Session, shipment: Shipment, draft: HandoverDraft, *, via: str,
           now: datetime) -> Handover:
    """Record a hand-over of the shipment (the session's actor is who recorded it)."""
    legs = frozenset(session.exec(select(Leg.sequence).where(Leg.shipment_id == shipment.id)).all())
    problems = handover_problems(draft, legs=legs, now=now)
    if problems:
        raise InputError(dict(problems))
    site = _site(session, draft.place)
    handover = Handover(
        shipment_id=shipment.id, at=draft.at, from_party=draft.from_party, to_party=draft.to_party,
        name=draft.name.strip(), site_id=site.id if site else None,
        place=None if site else draft.place.strip(), leg_sequence=draft.leg,
        seals_intact=bool(draft.seals_intact), packaging_intact=bool(draft.packaging_intact),
        coolant_state=draft.coolant_state, note=draft.note.strip() or None, recorded_via=via, recorded_at=now)
    session.add(handover)
    session.flush()
    return handover


def _site(session: Session, place: str) -> Site | None:
    """The site `place` names by its code, in any letter case."""
    code = place.strip()
    return session.exec(select(Site).where(func.upper(Site.code) == code.upper())).first() if code else None


def place_zone(page: LinkPage, place: str, leg: int | None) -> str:
    """The zone a hand-over's local time is read in: its site's, else where the leg named starts, else the
    destination's."""
    by_code = {code.upper(): zone for code, zone in page.zones.items()}
    if place.strip().upper() in by_code:
        return by_code[place.strip().upper()]
    starting = next((found for found in page.legs if found.sequence == leg), None)
    if starting is not None:
        return page.zones[starting.origin]
    return page.destination_zone


def timeline(session: Session, shipment: Shipment) -> list[TimelineEntry]:
    """The shipment's hand-overs, oldest first, and its receipt last once recorded."""
    zones = {site.id: (site.code, site.timezone) for site in catalogue.sites(session)}
    destination_zone = zones[shipment.destination_id][1]
    rows = session.exec(select(Handover).where(Handover.shipment_id == shipment.id)
                        .order_by(col(Handover.at), col(Handover.id))).all()
    entries = [TimelineEntry(HandoverPublic(
        kind="handover", id=row.id, at=row.at, from_party=row.from_party, to_party=row.to_party,
        name=row.name,
        site=zones[row.site_id][0] if row.site_id else None, place=row.place, leg=row.leg_sequence,
        seals_intact=row.seals_intact, packaging_intact=row.packaging_intact, coolant_state=row.coolant_state,
        note=row.note, recorded_via=row.recorded_via),
        zones[row.site_id][1] if row.site_id else destination_zone) for row in rows]
    receipt = session.exec(select(Receipt).where(Receipt.shipment_id == shipment.id)).first()
    if receipt is not None:
        entries.append(TimelineEntry(_receipt_entry(session, shipment, receipt, zones[receipt.site_id][0]),
                                     zones[receipt.site_id][1]))
    return entries


def _receipt_entry(session: Session, shipment: Shipment, receipt: Receipt, site: str) -> HandoverPublic:
    """The receipt as the last hand-over: from whoever held the box on the last leg, to the pharmacy."""
    last_mode = session.exec(select(Leg.mode).where(Leg.shipment_id == shipment.id)
                             .order_by(col(Leg.sequence).desc())).first()
    full_name = session.exec(select(User.full_name).where(User.username == receipt.received_by)).first()
    party = LEG_PARTY.get(last_mode or "")
    return HandoverPublic(
        kind="receipt", id=None, at=receipt.received_at, from_party=party.value if party else None,
        to_party=Party.PHARMACY.value, name=full_name or receipt.received_by, site=site, place=None, leg=None,
        seals_intact=receipt.seals_intact, packaging_intact=receipt.packaging_intact,
        coolant_state=receipt.coolant_state, note=receipt.notes, recorded_via="receiving")


def handover_list(session: Session, reference: str) -> HandoverList:
    """The shipment's chain of custody as the API answers it; NotFound for an unknown reference."""
    shipment = get_shipment(session, reference)
    entries = timeline(session, shipment)
    return HandoverList(shipment=shipment.reference, items=[entry.entry for entry in entries])


def demo_handover(session: Session, reference: str, draft: HandoverDraft, *, now: datetime) -> Handover:
    """A hand-over of the demo's past, recorded through the shipment's link as it happened."""
    shipment = get_shipment(session, reference)
    session.info["actor"] = link_actor(draft.name)
    return record(session, shipment, draft, via="link", now=now)

