"""Stock at the hospital: balances by item and lot, expiry warnings, consumption and the movement ledger."""

from __future__ import annotations

import csv
import io
import math
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import ngettext
from flask_login import current_user

from logistics.core.roles import Permission
from logistics.core.spreadsheet import number_cell, safe_record, safe_row
from logistics.core.stock import StockStatus, shown_status
from logistics.services import evidence, stock
from logistics.services.errors import InputError
from logistics.web import db, form_state
from logistics.web.auth import require
from logistics.web.forms import page_number
from logistics.web.i18n import gettext as _
from logistics.web.i18n import typed_quantity

blueprint = Blueprint("stock", __name__)
COLUMNS = (StockStatus.AVAILABLE, StockStatus.EXPIRED, StockStatus.QUARANTINED, StockStatus.ON_HOLD,
           StockStatus.REJECTED)


@blueprint.route("/stock")
def overview() -> Any:
    return _overview({}, {})


@blueprint.route("/stock/consume", methods=["POST"])
@require(Permission.RECEIVE)
def consume() -> Any:
    form = request.form
    try:
        use = stock.read_use(form.get("use", ""), form.get("code", ""))
        stock.consume(db.writing(f"used for {use.label()}"), site=form.get("site", ""),
                      item=form.get("item", ""), quantity=typed_quantity(form.get("quantity", "")), use=use,
                      by=current_user.username, now=datetime.now(UTC), note=form.get("note"),
                      default_most=db.runtime().settings.max_quantity)
        db.commit()
    except InputError as error:
        db.session().rollback()
        return _overview(error.errors, form), 422
    flash(_("%(quantity)s of %(item)s taken for %(use)s, first expiry first out.",
            quantity=form.get("quantity", ""), item=form.get("item", ""), use=use.label()), "info")
    return redirect(url_for("stock.overview"))


@blueprint.route("/stock/recall", methods=["POST"])
@require(Permission.RELEASE)
def recall() -> Any:
    """QA recalls a lot: its available stock at every site goes on hold and the decisions that released it
    go back to QA's queue."""
    form, lot = request.form, request.form.get("lot", "").strip()
    try:
        session = db.writing(f"lot {lot[:100]} recalled")
        held = evidence.recall_lot(session, lot, reason=form.get("reason", ""), by=current_user.username,
                                   now=datetime.now(UTC),
                                   routes=current_app.extensions["alert_routes"],
                                   public_url=db.runtime().settings.public_url)
        db.commit()
    except InputError as error:
        db.session().rollback()
        return _overview(error.errors, form), 422
    flash(ngettext("%(lot)s recalled: its stock is on hold and %(num)d decision is back with QA.",
                   "%(lot)s recalled: its stock is on hold and %(num)d decisions are back with QA.",
                   len(held.reopened), lot=lot), "info")
    return redirect(url_for("stock.overview"))


def _overview(errors: dict[str, str], form: Any) -> Any:
    if errors:
        form_state.refuse(errors)
    settings, today = db.runtime().settings, datetime.now(UTC).date()
    site, item = request.args.get("site") or None, request.args.get("item") or None
    shown = stock.overview(db.session(), site=site, item=item, today=today,
                           within_days=settings.expiry_warning_days)
    return render_template(
        "stock/overview.html", rows=_table(shown.balances, today), columns=COLUMNS, errors=errors, form=form,
        chosen={"site": site, "item": item}, warnings=shown.warnings,
        warning_days=settings.expiry_warning_days, today=today, items=shown.items, sites=shown.sites)


def _table(balances: list[stock.Balance], today: Any) -> list[dict[str, Any]]:
    """One row per site and lot, with a column per status shown (available past expiry shows as expired)
    and whether the reorder forecast counts its available stock."""
    rows: dict[tuple[str, int], dict[str, Any]] = {}
    for balance in balances:
        holding = balance.holding
        row = rows.setdefault((balance.site, holding.lot_id), {
            "site": balance.site, "item": holding.item_code, "name": balance.item_name,
            "lot": holding.lot_number, "expiry": holding.expiry, "unit": balance.unit, "quantities": {},
            "count": None})
        row["quantities"][shown_status(holding, today)] = holding.quantity
        row["count"] = row["count"] or stock.forecast_count(balance, today)
    return list(rows.values())


@blueprint.route("/stock.csv")
def export() -> Any:
    today = datetime.now(UTC).date()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["site", "item", "lot", "expiry", "status", "quantity", "unit", "forecast_counts",
                     "not_counted_because", "last_usable_day"])
    for balance in stock.balances(db.session()):
        holding, count = balance.holding, stock.forecast_count(balance, today)
        writer.writerow(safe_row([balance.site, holding.item_code, holding.lot_number,
                                  holding.expiry.isoformat(), shown_status(holding, today).value,
                                  number_cell(holding.quantity), balance.unit, *_count_cells(count)]))
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=stock.csv"})


def _count_cells(count: stock.ForecastCount | None) -> list[str]:
    """Whether the forecast counts the row (yes/no; empty for stock not available), why not, last day."""
    if count is None:
        return ["", "", ""]
    return ["yes" if count.counted else "no", count.not_counted_because or "",
            count.last_usable_day.isoformat() if count.last_usable_day else ""]


@blueprint.route("/stock/ledger")
def ledger() -> Any:
    page, per_page = page_number(request.args), db.runtime().settings.page_size
    item, lot = request.args.get("item") or None, request.args.get("lot") or None
    rows, total = stock.ledger(db.session(), item=item, lot=lot, page=page, per_page=per_page)
    return render_template("stock/ledger.html", rows=rows, total=total, page=page,
                           pages=max(math.ceil(total / per_page), 1), chosen={"item": item, "lot": lot})


@blueprint.route("/stock/ledger.csv")
def ledger_export() -> Any:
    rows = stock.rows_as_dicts(stock.whole_ledger(db.session(), item=request.args.get("item") or None,
                                                  lot=request.args.get("lot") or None))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(stock.LEDGER_COLUMNS))
    writer.writeheader()
    writer.writerows(safe_record(row) for row in rows)
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=stock-ledger.csv"})
