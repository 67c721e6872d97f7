"""The JSON API for goods at the hospital: a shipment's receipt and chain of custody, the QA queue, stock
and its ledger.

`add_routes` puts the routes on the API blueprint of `logistics.web.api`, so they share its prefix, error
handlers and the rule that writes need a bearer token.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask import Blueprint, request
from flask_login import current_user

from logistics.core.limits import MAX_PAGE
from logistics.core.receiving import stored_codes
from logistics.core.roles import Permission
from logistics.core.stock import shown_status
from logistics.schemas.handovers import HandoverList
from logistics.schemas.stock import (
    BalanceList,
    BalancePublic,
    ConsumptionCreate,
    MovementList,
    MovementPage,
    MovementPublic,
    QaQueue,
    QuarantinedLinePublic,
    QueuedExcursion,
    ReceiptPublic,
    StabilityLeft,
)
from logistics.services import handovers, quality, receiving, stock
from logistics.web import db
from logistics.web.api_io import described, json_answer, read_body, read_paging
from logistics.web.auth import require

PAGING = (("page", "integer", f"Page number, from 1 to {MAX_PAGE:,}"),
          ("per_page", "integer", "Rows per page (at most 200)"))


@described.operation("GET", "/shipments/{reference}/receipt",
                     "The shipment's receipt: the inspection of the box and each line as found, with QA's "
                     "signed decision (404 until it is received)", response=ReceiptPublic)
def get_receipt(reference: str) -> Any:
    return json_answer(receiving.receipt_public(db.session(), reference))


@described.operation("GET", "/shipments/{reference}/handovers",
                     "The shipment's chain of custody: each hand-over recorded through its one-shipment "
                     "link, oldest first, and the pharmacy's receipt last once it is received",
                     response=HandoverList)
def list_handovers(reference: str) -> Any:
    return json_answer(handovers.handover_list(db.session(), reference))


@described.operation("GET", "/qa/queue",
                     "Lines waiting for QA (quarantined, or on hold after evidence changed), oldest receipt "
                     "first, with the lot's excursions and stability budget", response=QaQueue)
def qa_queue() -> Any:
    rows = quality.queue(db.session(), db.runtime().profiles, now=datetime.now(UTC))
    return json_answer(QaQueue(items=[QuarantinedLinePublic(
        line_id=row.line.id, shipment=row.shipment.reference, received_at=row.receipt.received_at,
        item=row.item.code, item_name=row.item.name, lot=row.lot.lot_number, expiry=row.lot.expiry,
        lot_found=row.lot_read, quantity=row.waiting, unit=row.unit, reasons=stored_codes(row.line.reasons),
        evidence_changed=row.evidence_changed,
        excursions=[QueuedExcursion(**excursion.model_dump(include=set(QueuedExcursion.model_fields)))
                    for excursion in row.excursions],
        stability=StabilityLeft(remaining_s=row.stability.remaining_s, budget_s=row.stability.budget_s,
                                out_of_range_s=row.stability.out_of_range_s,
                                state=row.stability.state.value)) for row in rows]))


@described.operation("GET", "/stock",
                     "What each site holds of each lot in each status (available stock past its expiry "
                     "shows as expired)", response=BalanceList, query=(
                         ("site", "string", "Only this site code"),
                         ("item", "string", "Only this item code"),
                     ))
def list_stock() -> Any:
    today = datetime.now(UTC).date()
    balances = stock.balances(db.session(), site=request.args.get("site") or None,
                              item=request.args.get("item") or None)
    return json_answer(BalanceList(items=[_balance(balance, today) for balance in balances]))


def _balance(balance: stock.Balance, today: date) -> BalancePublic:
    count = stock.forecast_count(balance, today)
    return BalancePublic(
        site=balance.site, item=balance.holding.item_code, item_name=balance.item_name,
        lot=balance.holding.lot_number, expiry=balance.holding.expiry,
        status=shown_status(balance.holding, today).value, quantity=balance.holding.quantity,
        unit=balance.unit, forecast_counts=None if count is None else count.counted,
        not_counted_because=count.not_counted_because if count else None,
        last_usable_day=count.last_usable_day if count else None)


@described.operation("GET", "/stock/movements", "The stock ledger, newest first", response=MovementPage,
                     query=(("item", "string", "Only this item code"),
                            ("lot", "string", "Only this lot number"), *PAGING))
def list_movements() -> Any:
    page, per_page = read_paging()
    rows, total = stock.ledger(db.session(), item=request.args.get("item") or None,
                               lot=request.args.get("lot") or None, page=page, per_page=per_page)
    return json_answer(MovementPage(items=[_movement(row) for row in rows], page=page, per_page=per_page,
                                    total=total))


@described.operation("POST", "/stock/consume",
                     "Take a quantity of an item out of a site's available stock for a run or a patient "
                     "code, first expiry first out; the answer lists the movements made",
                     body=ConsumptionCreate, response=MovementList, status=201)
@require(Permission.RECEIVE)
def consume() -> Any:
    draft = read_body(ConsumptionCreate)
    use = stock.read_use(draft.use, draft.code)
    movements = stock.consume(db.writing(f"used for {use.label()}"), site=draft.site, item=draft.item,
                              quantity=draft.quantity, use=use, by=current_user.username,
                              now=datetime.now(UTC), note=draft.note,
                              default_most=db.runtime().settings.max_quantity)
    db.commit()
    rows = stock.ledger_rows(db.session(), movements)
    return json_answer(MovementList(items=[_movement(row) for row in rows]), 201)


def _movement(row: stock.LedgerRow) -> MovementPublic:
    fields = set(MovementPublic.model_fields) - {"site", "item", "lot", "unit"}
    return MovementPublic(site=row.site, item=row.item, lot=row.lot, unit=row.unit,
                          **row.movement.model_dump(include=fields))


def add_routes(api: Blueprint) -> None:
    """The goods routes (receipts, hand-overs, the QA queue, stock and its ledger) on the API's blueprint."""
    api.add_url_rule("/shipments/<reference>/receipt", view_func=get_receipt)
    api.add_url_rule("/shipments/<reference>/handovers", view_func=list_handovers)
    api.add_url_rule("/qa/queue", view_func=qa_queue)
    api.add_url_rule("/stock", view_func=list_stock)
    api.add_url_rule("/stock/movements", view_func=list_movements)
    api.add_url_rule("/stock/consume", view_func=consume, methods=["POST"])
