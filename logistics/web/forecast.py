"""The reorder forecast's pages: the latest recommendation for every item, the reasons behind one, its fan
of projected stock, and what-if scenarios beside the plan (computed on request, never stored)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from logistics.core.forecast_inputs import ForecastError
from logistics.core.roles import Permission
from logistics.core.spreadsheet import safe_record
from logistics.services import forecasting
from logistics.services.errors import InputError, NotFound
from logistics.services.forecast_background import BackgroundForecasts, RunStatus
from logistics.settings import Settings
from logistics.web import db, forecast_compare, svg_chart
from logistics.web.auth import require
from logistics.web.formatting import day, local_time, percent, quantity
from logistics.web.i18n import gettext as _

blueprint = Blueprint("forecast", __name__)
PACES = {"plan": 1.0, "faster": 1.5, "slower": 0.5}  # recruitment_factor of each pace offered
MAX_HOLD_DAYS = 60
RECENT_RUNS = 10
BACKGROUND = "forecast_background"  # the app's runs started from the page (app.extensions)
OUTCOME_SHOWN_FOR = timedelta(minutes=10)  # how long the page tells how the last run ended
CSV_COLUMNS = ("run", "as_of", "code", "unit", "order_quantity", "order_by", "position", "on_hand",
               "in_transit", "expected_waste", "reorder_point", "order_up_to", "stockout_probability",
               "lead_time_days", "window_days", "demand_mean", "demand_p50", "demand_p90", "demand_p95")


@blueprint.route("/forecast")
def overview() -> Any:
    settings = db.runtime().settings
    today = forecasting.today(settings, datetime.now(UTC))
    shown = forecasting.overview(db.session(), settings, today=today, recent=RECENT_RUNS)
    items = shown.forecast.result["items"] if shown.forecast else []
    rows = [_row(item, today, settings.forecast_warning_days) for item in items]
    slots = [_slot(slot, slot_alert(settings)) for slot in shown.forecast.result.get("slots", [])] \
        if shown.forecast else []
    return render_template("forecast/overview.html", forecast=shown.forecast, rows=rows, slots=slots,
                           slot_alert=slot_alert(settings), no_plan=shown.no_plan, runs=shown.runs,
                           **_job_context(_job_shown(background().status())))


def _job_context(job: RunStatus | None) -> dict[str, Any]:
    return {"job": job, "job_problem": _job_problem(job) if job and job.state == "failed" else None}


def slot_alert(settings: Settings) -> float:
    """Below this probability a manufacturing slot is at risk."""
    return settings.forecast_slot_alert_probability


def _slot(slot: dict[str, Any], alert: float) -> dict[str, Any]:
    return {**slot, "slot_date": date.fromisoformat(slot["slot_date"]),
            "at_risk": slot["probability"] < alert}


def _row(item: dict[str, Any], today: date, warning_days: int) -> dict[str, Any]:
    """An item's figures with its order-by date read, and how urgent that date is."""
    order_by = _day_or_none(item["order_by"])
    urgency = None
    if order_by is not None and order_by < today:
        urgency = "overdue"
    elif order_by is not None and (order_by - today).days <= warning_days:
        urgency = "soon"
    return {**item, "order_by": order_by, "urgency": urgency}


@blueprint.route("/forecast/run", methods=["POST"])
@require(Permission.PLAN_SUPPLY)
def run_now() -> Any:
    """Start a run in the background; the page shows how far it is, then the new forecast."""
    runtime = db.runtime()
    if not background().start(runtime.sessions, runtime.settings, by=current_user.username,
                              now=datetime.now(UTC)):
        running = background().status()
        flash(_("A forecast is running already (started by %(name)s at %(time)s): wait for it to finish.",
                name=running.by if running else "?", time=local_time(running.started_at) if running else "?"),
              "warning")
    return redirect(url_for("forecast.overview", _anchor="progress"))


@blueprint.route("/forecast/run/progress")
def progress() -> Any:
    """How far the run started from the page is, for the page's script: state, done, total, problem."""
    job = background().status()
    if job is None:
        return jsonify({"state": "idle"})
    return jsonify({"state": job.state, "done": job.done, "total": job.total,
                    "shown": "" if job.share is None else percent(job.share),
                    "run_id": job.run_id, "problem": _job_problem(job) if job.state == "failed" else None})


def background() -> BackgroundForecasts:
    return current_app.extensions[BACKGROUND]  # type: ignore[no-any-return]


@blueprint.record_once
def _install_background(state: Any) -> None:
    state.app.extensions[BACKGROUND] = BackgroundForecasts()


def _job_shown(job: RunStatus | None) -> RunStatus | None:
    """The run started from the page while it runs, and its outcome for a while after."""
    if job is None or job.running:
        return job
    finished = job.finished_at or job.started_at
    return job if datetime.now(UTC) - finished <= OUTCOME_SHOWN_FOR else None


def _job_problem(job: RunStatus) -> str:
    if job.problem:
        return _("The forecast could not run: %(problem)s", problem=job.problem)
    return _("The forecast could not run: an unexpected error (the server log has the details).")


@blueprint.route("/forecast.csv")
def export() -> Any:
    run = forecasting.latest(db.session())
    if run is None:
        abort(404)
    result = forecasting.stored(run).result
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(safe_record({"run": run.id, "as_of": result["as_of"], **item})
                     for item in result["items"])
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=forecast-{result['as_of']}.csv"})


@blueprint.route("/forecast/runs/<int:run_id>/inputs.json")
def inputs(run_id: int) -> Any:
    """A run's inputs as a scenario file: `logistics forecast --scenario FILE.json` computes it again."""
    try:
        run = forecasting.get_run(db.session(), run_id)
    except NotFound:
        abort(404)
    body = json.dumps(json.loads(run.inputs), indent=2, ensure_ascii=False)
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f"attachment; filename=forecast-{run_id}-inputs.json"})


# -- one item ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WhatIfChoice:
    pace: str
    hold: int

    @property
    def is_plan(self) -> bool:
        return self.pace == "plan" and self.hold == 0


def read_what_if(args: Any) -> WhatIfChoice:
    """The what-if form's pace and extra customs hold; an InputError names each bad field."""
    errors = {}
    pace = args.get("pace", "plan") or "plan"
    if pace not in PACES:
        errors["pace"] = _("recruitment pace: choose as planned, faster or slower")
    try:
        hold = int((args.get("hold", "0") or "0").strip())
    except ValueError:
        hold = -1
    if not 0 <= hold <= MAX_HOLD_DAYS:
        errors["hold"] = _("customs hold: a whole number of days from 0 to %(most)d", most=MAX_HOLD_DAYS)
    if errors:
        raise InputError(errors)
    return WhatIfChoice(pace, hold)


def pace_labels() -> dict[str, str]:
    half = percent(0.5)
    return {"plan": _("as planned"), "faster": _("%(share)s faster", share=half),
            "slower": _("%(share)s slower", share=half)}


@blueprint.route("/forecast/items/<code>")
def item(code: str) -> Any:
    settings = db.runtime().settings
    try:
        shown = forecasting.item_view(db.session(), code)
    except NotFound:
        abort(404)
    figures, supply = shown.figures, shown.supply
    choice, errors, scenario = _scenario(shown.forecast)
    other = next(row for row in scenario["items"] if row["code"] == code) if scenario else None
    policy, today = shown.forecast.result["policy"], forecasting.today(settings, datetime.now(UTC))
    page = render_template(
        "forecast/item.html", forecast=shown.forecast, scenario=scenario, choice=choice, errors=errors,
        figures=_row(figures, today, settings.forecast_warning_days),
        other=_row(other, today, settings.forecast_warning_days) if other else None,
        item=shown.item, lead=shown.lead_time, release=shown.release_time, paces=pace_labels(),
        max_hold=MAX_HOLD_DAYS,
        reasons=reasons(figures, supply, policy), excluded=excluded_lots(figures),
        other_reasons=reasons(other, supply, policy) if other else [], **_charts(figures, other))
    return page, 400 if errors else 200


def excluded_lots(figures: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The lots the forecast left out of the item's stock, each with its reason in words; None from a
    forecast made before lots were left out for their expiry cut-offs (it does not say)."""
    if "excluded" not in figures:
        return None
    said = {"do-not-ship": _("do not ship: it would arrive with too little shelf life left"),
            "do-not-count": _("do not count: it expires within the item's do-not-count days"),
            "expired": _("expired")}
    return [{**lot, "expiry": _day_or_none(lot.get("expiry")), "why": said.get(lot["reason"], lot["reason"])}
            for lot in figures["excluded"]]


def _scenario(
    shown: forecasting.StoredForecast,
) -> tuple[WhatIfChoice, dict[str, str], dict[str, Any] | None]:
    """The what-if asked for, any problem with the request by field, and its result (None: the plan)."""
    try:
        choice = read_what_if(request.args)
        if choice.is_plan:
            return choice, {}, None
        return choice, {}, forecasting.what_if(shown.run, recruitment_factor=PACES[choice.pace],
                                               extra_lead_days=choice.hold)
    except InputError as error:
        return WhatIfChoice("plan", 0), error.errors, None
    except ForecastError as error:
        return WhatIfChoice("plan", 0), {"pace": str(error)}, None


def _charts(figures: dict[str, Any], other: dict[str, Any] | None) -> dict[str, Any]:
    """The plan's fan and the what-if's, on one scale so that they compare at a glance."""
    shown = [row for row in (figures, other) if row]
    span = svg_chart.value_span([value for row in shown
                                 for value in svg_chart.fan_span(row["fan"]["bands"], row["reorder_point"])])
    drawn = [(svg_chart.on_every_canvas(partial(
        svg_chart.fan, [date.fromisoformat(d) for d in row["fan"]["days"]], row["fan"]["bands"],
        reorder_point=row["reorder_point"], order_by=_day_or_none(row["order_by"]), span=span)),
        fan_summary(row)) for row in shown]
    return {"plan_chart": drawn[0], "other_chart": drawn[1] if other else None}


def _day_or_none(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _amount(value: float, unit: str) -> str:
    return f"{quantity(round(value, 1))} {unit}"


def reasons(figures: dict[str, Any], supply: dict[str, Any], policy: dict[str, Any]) -> list[str]:
    """Why the forecast recommends what it does, in plain sentences built from its figures."""
    unit, level = figures["unit"], percent(policy["service_level"])
    lead, horizon = figures["lead_time_days"], policy["horizon_days"]
    said = [_("Over the %(lead)s-day lead time plus the %(review)s-day review period, demand is %(demand)s "
              "or less in %(level)s of futures (%(mean)s on average).", lead=lead, review=horizon,
              level=level, demand=_amount(figures["order_up_to"], unit),
              mean=_amount(figures["demand_mean"], unit))]
    if supply.get("overage", 1.0) > 1:
        said.append(_("That includes %(share)s more for QC samples and overfill.",
                      share=percent(supply["overage"] - 1)))
    said.append(_("Usable stock and stock on order come to %(position)s (on hand %(on_hand)s, on order "
                  "%(on_order)s, expected to expire unused %(waste)s).",
                  position=_amount(figures["position"], unit), on_hand=_amount(figures["on_hand"], unit),
                  on_order=_amount(figures["in_transit"], unit),
                  waste=_amount(figures["expected_waste"], unit)))
    said.append(_order_reason(figures, supply))
    said.append(_timing_reason(figures, lead, horizon, level))
    said.append(_("Without a new order, stock runs out within the %(window)s days in %(risk)s of futures.",
                  window=figures["window_days"], risk=percent(figures["stockout_probability"])))
    return said


def _order_reason(figures: dict[str, Any], supply: dict[str, Any]) -> str:
    unit = figures["unit"]
    if figures["order_quantity"] <= 0:
        return _("That covers the demand: nothing needs ordering now.")
    order, pack = _amount(figures["order_quantity"], unit), _amount(supply.get("pack_size", 1.0), unit)
    if supply.get("minimum_order", 0) > 0:
        return _("So order %(order)s, rounded up to packs of %(pack)s and to the supplier's minimum order of "
                 "%(minimum)s.", order=order, pack=pack, minimum=_amount(supply["minimum_order"], unit))
    return _("So order %(order)s, rounded up to packs of %(pack)s.", order=order, pack=pack)


def _timing_reason(figures: dict[str, Any], lead: int, horizon: int, level: str) -> str:
    if figures["order_by"] is None:
        return _("Throughout the %(horizon)s-day horizon the stock expected on hand still covers what a "
                 "%(lead)s-day lead time may take in %(level)s of futures: no order date falls within it.",
                 horizon=horizon, lead=lead, level=level)
    order_by = date.fromisoformat(figures["order_by"])
    if order_by <= date.fromisoformat(figures["fan"]["days"][0]):  # the fan starts on the forecast's day
        return _("Order now: the stock expected on hand already falls short of what a %(lead)s-day lead time "
                 "may take in %(level)s of futures.", lead=lead, level=level)
    values = {"day": day(order_by), "lead": lead, "level": level}
    return _("Order by %(day)s: after that day the stock expected on hand no longer covers what a "
             "%(lead)s-day lead time may take in %(level)s of futures.", **values)


def fan_summary(figures: dict[str, Any]) -> str:
    """The fan chart in words, for its caption and for readers who cannot see it."""
    unit, fan = figures["unit"], figures["fan"]
    days, (p5, _p25, p50, _p75, p95) = fan["days"], fan["bands"]
    said = _("Projected usable stock of %(code)s without a new order: the median goes from %(start)s on "
             "%(first)s to %(end)s on %(last)s; 9 futures in 10 end between %(low)s and %(high)s. The dashed "
             "line is the reorder point, %(reorder)s.", code=figures["code"], start=_amount(p50[0], unit),
             first=day(date.fromisoformat(days[0])), end=_amount(p50[-1], unit),
             last=day(date.fromisoformat(days[-1])), low=_amount(p5[-1], unit), high=_amount(p95[-1], unit),
             reorder=_amount(figures["reorder_point"], unit))
    if figures["order_by"]:
        said += " " + _("The vertical line marks the order-by date, %(day)s.",
                        day=day(_day_or_none(figures["order_by"])))
    return said


forecast_compare.add_routes(blueprint)
