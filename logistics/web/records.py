"""Pages for the alerts raised (with their delivery log) and the audit trail (read only)."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, render_template, request

from logistics.services import alerts, audit
from logistics.web import db

blueprint = Blueprint("records", __name__)
SEVERITIES = ("critical", "major", "minor", "info")


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
def audit_trail() -> Any:
    page, per_page = _page(), 100
    chosen = _chosen("entity", "entity_id", "actor", "from", "to")
    problems: dict[str, str] = {}
    since, until = _day(chosen["from"], "from", problems), _day(chosen["to"], "to", problems)
    result = audit.search(db.session(), entity=chosen["entity"] or None,
                          entity_id=chosen["entity_id"] or None, actor=chosen["actor"] or None, since=since,
                          until=until + timedelta(days=1) if until else None, page=page, per_page=per_page)
    return render_template("audit.html", result=result, chosen=chosen, problems=problems, page=page,
                           pages=max(math.ceil(result.total / per_page), 1),
                           entities=audit.entities(db.session()))


def _chosen(*names: str) -> dict[str, str]:
    return {name: request.args.get(name, "").strip() for name in names}


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


def _day(text: str, name: str, problems: dict[str, str]) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time(), UTC)
    except ValueError:
        problems[name] = f"expected a day as YYYY-MM-DD, got {text!r}"
        return None
