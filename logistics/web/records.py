"""Pages for the alerts raised (with their delivery log) and the audit trail (read only), with the trail's
CSV and PDF exports for an inspector."""

from __future__ import annotations

import csv
import io
import math
import re
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from logistics.core.audit_display import NOTHING, AuditRow
from logistics.core.roles import Permission
from logistics.core.spreadsheet import number_cell, safe_row
from logistics.services import alerts, audit, documents
from logistics.services.errors import InputError
from logistics.web import db
from logistics.web.audit_filters import AuditQuery, read_audit_query
from logistics.web.auth import require
from logistics.web.forms import page_number

blueprint = Blueprint("records", __name__)
SEVERITIES = ("critical", "major", "minor", "info")
AUDIT_PER_PAGE = 50
# Events in one export. fpdf2 lays out some 50-200 events a second: a PDF of 1,000 takes seconds and runs to
# some 150 pages, which an inspector reads narrowed down rather than whole.
CSV_MOST, PDF_MOST = 100_000, 1_000
CSV_COLUMNS = ("event", "at_utc", "actor", "actor_name", "action", "kind", "record", "field", "old", "new",
               "reason")


@blueprint.route("/alerts")
def alert_list() -> Any:
    page, per_page = _page(), db.runtime().settings.page_size
    chosen = _chosen("kind", "severity", "undelivered")
    result = alerts.list_alerts(db.session(), kind=chosen["kind"] or None,
                                severity=chosen["severity"] or None, undelivered=bool(chosen["undelivered"]),
                                page=page, per_page=per_page)
    return render_template("alerts.html", result=result, chosen=chosen, page=page,
                           pages=max(math.ceil(result.total / per_page), 1),
                           kinds=alerts.alert_kinds(db.session()), severities=SEVERITIES)


@blueprint.route("/audit")
@require(Permission.VIEW)
def audit_trail() -> Any:
    """The trail, newest first, 50 events a page, each change as "field: old → new" with names."""
    choices = audit.choices(db.session())
    query, page = _audit_query(choices), _page()
    view = audit.AuditView([], 0)
    if not query.problems:
        try:
            view = audit.read_page(db.session(), query.filters, page=page, per_page=AUDIT_PER_PAGE)
        except audit.UnknownReference as unknown:
            query.problems.update(_unknown(unknown).errors)
    kept = {name: value for name, value in query.chosen.items() if value}
    shown = render_template("audit.html", view=view, query=query, kept=kept, choices=choices, page=page,
                            pages=max(math.ceil(view.total / AUDIT_PER_PAGE), 1), actions=audit.ACTIONS,
                            display_zone=db.runtime().settings.display_timezone)
    return (shown, 422) if query.problems else shown


@blueprint.route("/audit.csv")
@require(Permission.VIEW)
def audit_csv() -> Any:
    """The events the filters let through, oldest first, one row per field changed (times in UTC)."""
    rows = _selection(_checked_query(), CSV_MOST, lambda filters: audit.selection(
        db.session(), filters, most=CSV_MOST))
    return Response(audit_rows_csv(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={_file_name('csv')}"})


@blueprint.route("/audit.pdf")
@require(Permission.VIEW)
def audit_pdf() -> Any:
    """The events the filters let through, oldest first, printed with the filters, when and by whom."""
    query, runtime = _checked_query(), db.runtime()
    name = current_user.full_name or current_user.username
    content = _selection(query, PDF_MOST, lambda filters: documents.audit_report_pdf(
        db.session(), filters, described=query.described(), zone=query.zone,
        generated_by=f"{name} ({current_user.username})", settings=runtime.settings,
        now=datetime.now(UTC), most=PDF_MOST))
    return Response(content, mimetype="application/pdf",
                    headers={"Content-Disposition": f"inline; filename={_file_name('pdf')}"})


def audit_rows_csv(rows: list[AuditRow]) -> str:
    """Audit rows as CSV: one line per field of each event (an event without fields: one line)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        event = [row.id, row.at.astimezone(UTC).isoformat(), row.actor, row.actor_name, row.action, row.kind,
                 row.record]
        for change in row.changes or [None]:
            values = [change.field, _cell(change.old), _cell(change.new)] if change else ["", "", ""]
            writer.writerow(safe_row([*event, *values, row.reason or ""]))
    return out.getvalue()


NUMBER = re.compile(r"-?(0|[1-9]\d{0,14})(\.\d{1,6})?")  # no leading zero: a code such as 007 stays text


def _cell(value: str | datetime | None) -> Any:
    """A value as a cell: a number as a number (a sheet adds up -2, which it would quote as text), a
    moment in ISO 8601 UTC, as the event's own time."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if value is not None and NUMBER.fullmatch(value):
        return number_cell(float(value))
    return "" if value in (None, NOTHING) else value


def _audit_query(choices: audit.AuditChoices) -> AuditQuery:
    return read_audit_query(request.args, kinds=choices.kinds, zones=choices.zones,
                            default_zone=db.runtime().settings.display_timezone)


def _checked_query() -> AuditQuery:
    """The export's filters; any refused: InputError naming them (a 422 page)."""
    query = _audit_query(audit.choices(db.session()))
    query.check()
    return query


def _selection(query: AuditQuery, most: int, make: Any) -> Any:
    """`make(filters)`, with its refusals said in the reader's language."""
    try:
        return make(query.filters)
    except audit.UnknownReference as unknown:
        raise _unknown(unknown) from None
    except audit.TooMany as too_many:
        raise InputError({"filters": _("%(total)d events match; an export holds at most %(most)d: narrow "
                                       "the filters", total=too_many.total, most=most)}) from None


def _unknown(unknown: audit.UnknownReference) -> InputError:
    if unknown.kind is None:
        problem = _("no shipment %(reference)s (choose a kind of record to find another)",
                    reference=unknown.reference)
    else:
        problem = _("no record of this kind is named %(reference)s", reference=unknown.reference)
    return InputError({"reference": problem})


def _file_name(extension: str) -> str:
    return f"audit-trail-{datetime.now(UTC):%Y%m%d-%H%M}.{extension}"


def _chosen(*names: str) -> dict[str, str]:
    return {name: request.args.get(name, "").strip() for name in names}


def _page() -> int:
    return page_number(request.args)
