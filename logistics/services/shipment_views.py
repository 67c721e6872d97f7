"""What the shipment pages show, each read in one call: the shipments list, the create and edit form, a
shipment's own page and its receiving page. The views render these and query nothing themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session

from logistics.core.audit_display import AuditRow
from logistics.core.profiles import StorageProfile
from logistics.core.receiving import count_difference
from logistics.core.refusals import Refusal
from logistics.db.models import Receipt, ReceiptLine, Site
from logistics.schemas.shipments import ShipmentPage, ShipmentPublic
from logistics.services import (
    audit,
    catalogue,
    dispatch_gate,
    excursions,
    handovers,
    lanes,
    loggers,
    receiving,
    series,
    shipments,
    stability,
)
from logistics.services.dispatch_gate import GateState
from logistics.services.excursions import ExcursionRow, LoggerSummary
from logistics.services.handovers import TimelineEntry
from logistics.services.receiving import Journey
from logistics.services.series import Chart
from logistics.services.shipments import ShipmentFilter
from logistics.services.stability import LotRow


@dataclass(frozen=True, slots=True)
class SiteChoices:
    """The sites a form offers, by code, with the time zone each one's local times are read in."""

    sites: list[Site]

    @property
    def zones(self) -> dict[str, str]:
        return {site.code: site.timezone for site in self.sites}


@dataclass(frozen=True, slots=True)
class ShipmentListView:
    result: ShipmentPage
    choices: SiteChoices


@dataclass(frozen=True, slots=True)
class ShipmentFormView:
    shipment: ShipmentPublic | None  # None for a new shipment
    choices: SiteChoices
    # (code, "code — name") of the lanes between the shipment's ends, and the lane it names if not one
    lanes: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ShipmentView:
    """A shipment's page: the record, its history, what may be added to it, and what its loggers found."""

    shipment: ShipmentPublic
    choices: SiteChoices
    trail: list[AuditRow]  # the changes to the shipment and to its parts, oldest first
    route_warnings: list[Refusal]  # what does not add up in its route
    free_loggers: list[str]
    lot_choices: list[tuple[str, str]]
    excursions: list[ExcursionRow]
    summaries: list[LoggerSummary]
    lots: list[LotRow]
    charts: list[Chart]
    handovers: list[TimelineEntry]  # the chain of custody, the receipt last
    handing_over: bool  # hand-over links may be made for it
    gate: GateState  # whether it may be marked departed, and why not

    @property
    def contents_open(self) -> bool:
        return self.shipment.status.value in shipments.CONTENTS_OPEN

    @property
    def zone(self) -> str:
        """The destination's time zone: the charts' times are read there."""
        return self.choices.zones[self.shipment.destination]


@dataclass(frozen=True, slots=True)
class ReceiptView:
    """A shipment's receiving page: the box as shipped, its journey, and the receipt once recorded."""

    shipment: ShipmentPublic
    zone: str  # the destination's, where the goods are received
    receipt: Receipt | None
    received_lines: dict[int, ReceiptLine]  # by shipment line id
    journey: Journey
    excursions: list[ExcursionRow]
    charts: list[Chart]

    @property
    def recording(self) -> list[str]:
        """The loggers still recording for the shipment."""
        return [assignment.logger for assignment in self.shipment.loggers if assignment.ends_at is None]

    @property
    def count_differences(self) -> dict[int, float]:
        """Units found (intact and damaged) less units shipped, by shipment line id, for each line received
        whose count differs: what a blind count shows once it is recorded."""
        differences = {}
        for line in self.shipment.lines:
            found = self.received_lines.get(line.id)
            if found is not None:
                difference = count_difference(line.quantity, receiving.counted(found))
                if difference:
                    differences[line.id] = difference
        return differences


def site_choices(session: Session) -> SiteChoices:
    return SiteChoices(catalogue.sites(session))


def list_view(session: Session, filters: ShipmentFilter, *, page: int, per_page: int) -> ShipmentListView:
    return ShipmentListView(shipments.list_shipments(session, filters, page=page, per_page=per_page),
                            site_choices(session))


def form_view(session: Session, reference: str | None) -> ShipmentFormView:
    """The form for a new shipment (no reference) or for editing one; NotFound for an unknown one."""
    if reference is None:
        return ShipmentFormView(None, site_choices(session))
    shipment = shipments.describe_shipment(session, reference)
    choices = [(code, f"{code} — {name}")
               for code, name in lanes.lanes_between(session, shipment.origin, shipment.destination)]
    if shipment.lane is not None and shipment.lane not in {code for code, _ in choices}:
        choices.append((shipment.lane, shipment.lane))  # shown, so that saving says what is wrong with it
    return ShipmentFormView(shipment, site_choices(session), choices)


def shipment_view(session: Session, reference: str, profiles: dict[str, StorageProfile], *,
                  now: datetime) -> ShipmentView:
    """Everything the shipment's page shows; NotFound for an unknown reference."""
    shipment = shipments.describe_shipment(session, reference)
    record = shipments.get_shipment(session, reference)
    return ShipmentView(
        shipment=shipment, choices=site_choices(session),
        trail=audit.shipment_trail(session, record.id),
        route_warnings=shipments.route_notes(shipment.origin, shipment.destination, shipment.legs),
        free_loggers=loggers.free_codes(session), lot_choices=shipments.lot_choices(session),
        excursions=excursions.listing(session, record.id),
        summaries=excursions.summaries(session, record, profiles, now=now),
        lots=stability.shipment_lots(session, record, profiles, now=now),
        charts=series.shipment_charts(session, record, profiles, now=now),
        handovers=handovers.timeline(session, record), handing_over=record.status in handovers.HANDING_OVER,
        gate=dispatch_gate.gate_state(session, record, now=now, profiles=profiles))


def receipt_view(session: Session, reference: str, profiles: dict[str, StorageProfile], *,
                 now: datetime) -> ReceiptView:
    """Everything the receiving page shows; NotFound for an unknown reference."""
    record = shipments.get_shipment(session, reference)
    shipment = shipments.describe_shipment(session, reference)
    receipt = receiving.find_receipt(session, record)
    return ReceiptView(
        shipment=shipment, zone=catalogue.site_zones(session)[shipment.destination], receipt=receipt,
        received_lines=receiving.receipt_lines(session, receipt) if receipt else {},
        journey=receiving.journey(session, record, profiles, now=now),
        excursions=excursions.listing(session, record.id),
        charts=series.shipment_charts(session, record, profiles, now=now))
