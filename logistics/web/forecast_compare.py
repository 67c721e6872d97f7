"""The forecast's scenarios side by side (planned, faster, slower, a customs hold), computed on request from
the latest run's inputs: a page with a chart, and the same figures as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, abort, render_template

from logistics.core.forecast_inputs import ForecastError
from logistics.core.spreadsheet import safe_record
from logistics.services import forecasting
from logistics.services.forecast_comparison import CUSTOMS_HOLD_DAYS, Comparison, ScenarioOutcome, compare
from logistics.web import db
from logistics.web.formatting import percent
from logistics.web.i18n import gettext as _
from logistics.web.lane_charts import BarRow, bars

COMPARE_CSV_COLUMNS = ("run", "as_of", "scenario", "recruitment_factor", "extra_lead_days", "code", "unit",
                       "order_quantity", "order_by", "stockout_probability", "expected_waste",
                       "slot_risk_patient", "slot_risk_date", "slot_risk_probability")


def add_routes(forecast: Blueprint) -> None:
    """The comparison's page and CSV, on the forecast pages' blueprint."""
    forecast.add_url_rule("/forecast/compare", view_func=compare_page)
    forecast.add_url_rule("/forecast/compare.csv", view_func=compare_csv)


def scenario_labels() -> dict[str, str]:
    half = percent(0.5)
    return {"planned": _("as planned"), "faster": _("recruitment %(share)s faster", share=half),
            "slower": _("recruitment %(share)s slower", share=half),
            "customs_hold": _("%(days)d more days at customs", days=CUSTOMS_HOLD_DAYS)}


def compare_page() -> Any:
    run = forecasting.latest(db.session())
    if run is None:
        return render_template("forecast/compare.html", comparison=None, problem=None)
    try:
        comparison = compare(run)
    except ForecastError as error:  # inputs a newer version no longer reads: say so, never a 500
        return render_template("forecast/compare.html", comparison=None,
                               problem=_("The comparison could not be computed: %(problem)s",
                                         problem=str(error))), 422
    labels = scenario_labels()
    return render_template("forecast/compare.html", comparison=comparison, run=run, labels=labels,
                           chart=_risk_chart(comparison, labels), summary=_chart_summary(comparison, labels))


def _worst(outcome: ScenarioOutcome) -> tuple[str, float]:
    """The item most likely to run out in a scenario, and how likely that is."""
    item = max(outcome.items, key=lambda item: item.stockout_probability)
    return item.code, item.stockout_probability


def _risk_chart(comparison: Comparison, labels: dict[str, str]) -> Any:
    rows = []
    for outcome in comparison.outcomes:
        code, risk = _worst(outcome)
        rows.append(BarRow(labels[outcome.scenario.key], 100 * risk, note=f"{code} {percent(risk)}"))
    return bars(rows, least=100.0)


def _chart_summary(comparison: Comparison, labels: dict[str, str]) -> str:
    said = [_("%(scenario)s: %(code)s, %(risk)s", scenario=labels[outcome.scenario.key], code=code,
              risk=percent(risk))
            for outcome in comparison.outcomes for code, risk in [_worst(outcome)]]
    return _("The highest stock-out risk of any item in each scenario. %(each)s.", each="; ".join(said))


def compare_csv() -> Any:
    run = forecasting.latest(db.session())
    if run is None:
        abort(404)
    try:
        comparison = compare(run)
    except ForecastError:
        abort(422)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COMPARE_CSV_COLUMNS)
    writer.writeheader()
    writer.writerows(safe_record(row) for row in csv_rows(comparison))
    return Response(out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f"attachment; filename=forecast-{comparison.as_of}-scenarios.csv"})


def csv_rows(comparison: Comparison) -> list[dict[str, Any]]:
    """A row per scenario and item; the scenario's slot risk repeated on each of its rows."""
    rows = []
    for outcome in comparison.outcomes:
        what_if, risk = outcome.scenario.what_if, outcome.slot_risk
        shared = {"run": comparison.run_id, "as_of": comparison.as_of.isoformat(),
                  "scenario": outcome.scenario.key, "recruitment_factor": what_if.recruitment_factor,
                  "extra_lead_days": what_if.extra_lead_days,
                  "slot_risk_patient": risk.patient if risk else "",
                  "slot_risk_date": risk.slot_date.isoformat() if risk else "",
                  "slot_risk_probability": risk.probability if risk else ""}
        rows += [{**shared, "code": item.code, "unit": item.unit, "order_quantity": item.order_quantity,
                  "order_by": item.order_by.isoformat() if item.order_by else "",
                  "stockout_probability": item.stockout_probability, "expected_waste": item.expected_waste}
                 for item in outcome.items]
    return rows
