"""A lane's analytics page and its CSV file: transit and dwell planned against actual, excursions per 100
shipments by leg, stop and carrier, time out of range by leg and month, Bangkok's seasons. Readable by
every signed-in user, like the lane pages."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, render_template

from logistics.core.lane_analytics import Exposure, LaneFigures, Spread
from logistics.core.spreadsheet import safe_record
from logistics.services import lane_analytics
from logistics.services.errors import NotFound
from logistics.web import db
from logistics.web.formatting import month, number
from logistics.web.i18n import gettext as _
from logistics.web.i18n import label
from logistics.web.lane_charts import BarRow, ColumnRow, bars, columns, heat_level

blueprint = Blueprint("lane_analytics", __name__)
HOUR_S = 3600.0


@blueprint.route("/lanes/<code>/analytics")
def page(code: str) -> Any:
    shown = _analytics(code)
    figures = shown.figures
    return render_template("lanes/analytics.html", shown=shown, lane=shown.lane, figures=figures,
                           segments=_segment_rows(figures), charts=_charts(figures), heat=_heat(figures),
                           hot=[period.period for period in figures.months if period.season == "hot_season"])


@blueprint.route("/lanes/<code>/analytics.csv")
def export(code: str) -> Any:
    shown = _analytics(code)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=lane_analytics.CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(safe_record(row) for row in lane_analytics.csv_rows(shown))
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=lane-{code}-analytics.csv"})


def _analytics(code: str) -> lane_analytics.LaneAnalytics:
    try:
        return lane_analytics.lane_analytics(db.session(), code, db.runtime().profiles, now=datetime.now(UTC))
    except NotFound:
        abort(404)


def _segment_rows(figures: LaneFigures) -> list[dict[str, Any]]:
    """The legs and the stops between them, in the order the goods pass them."""
    rows = [{"order": (leg.key.sequence, 0), "kind": "leg",
             "label": _leg_label(leg.key.sequence, leg.key.mode, leg.key.origin, leg.key.destination),
             "carriers": leg.carriers, "planned": leg.planned_s, "actual": leg.actual_s, "late": leg.late,
             "exposure": leg.exposure} for leg in figures.legs]
    rows += [{"order": (stop.after, 1), "kind": "stop", "label": _("at %(site)s, after leg %(number)d",
                                                                   site=stop.site, number=stop.after),
              "carriers": (), "planned": stop.planned_s, "actual": stop.actual_s, "late": None,
              "exposure": stop.exposure} for stop in figures.stops]
    return sorted(rows, key=lambda row: row["order"])


def _leg_label(sequence: int, mode: str, origin: str, destination: str) -> str:
    where = origin if origin == destination else f"{origin} → {destination}"
    return f"{sequence} · {label(mode)} {where}"


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / HOUR_S


def _spread_note(spread: Spread) -> str:
    if spread.p50 is None or spread.p90 is None:
        return "—"
    return _("%(p50)s h (p90 %(p90)s h)", p50=number(spread.p50 / HOUR_S), p90=number(spread.p90 / HOUR_S))


def _rate_note(exposure: Exposure) -> str:
    if exposure.per_100 is None:
        return "—"
    return _("%(rate)s (%(count)d of %(shipments)d)", rate=number(exposure.per_100, 0),
             count=exposure.excursions, shipments=exposure.shipments)


def _charts(figures: LaneFigures) -> dict[str, Any]:
    segments = _segment_rows(figures)
    months = figures.months
    return {
        "times": bars([BarRow(row["label"], _hours(row["actual"].p50), _hours(row["actual"].p90),
                              _hours(row["planned"].p50), _spread_note(row["actual"])) for row in segments]),
        "excursions": bars([BarRow(row["label"], row["exposure"].per_100, note=_rate_note(row["exposure"]))
                            for row in segments], least=10),
        "carriers": bars([BarRow(carrier.carrier, carrier.exposure.per_100, note=_rate_note(carrier.exposure))
                          for carrier in figures.carriers], least=10),
        "outside": bars([BarRow(row["label"], (row["exposure"].outside_mean_s or 0.0) / 60,
                                note=_("%(minutes)s min", minutes=number((row["exposure"].outside_mean_s
                                                                          or 0.0) / 60, 0)))
                         for row in segments], least=5),
        "transit_by_month": columns([ColumnRow(month(period.period), _hours(period.transit_s.p50),
                                               _hours(period.transit_s.p90), period.season == "hot_season")
                                     for period in months]),
        "excursions_by_month": columns([ColumnRow(month(period.period), period.exposure.per_100,
                                                  shaded=period.season == "hot_season")
                                        for period in months], least=10),
    }


def _heat(figures: LaneFigures) -> dict[str, Any]:
    """Time out of range per shipment, by leg (rows) and month (columns), each cell with its shade."""
    most = max((value or 0.0 for period in figures.months for value in period.outside_by_leg_s), default=0.0)
    rows = []
    for index, leg in enumerate(figures.legs):
        cells = [(period.outside_by_leg_s[index], heat_level(period.outside_by_leg_s[index], most))
                 for period in figures.months]
        rows.append((_leg_label(leg.key.sequence, leg.key.mode, leg.key.origin, leg.key.destination), cells))
    return {"months": [period for period in figures.months], "rows": rows}
