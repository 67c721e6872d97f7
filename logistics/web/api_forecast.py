"""The JSON API for the trial's recruitment and the reorder forecast.

`add_routes` puts the routes on the API blueprint of `logistics.web.api`, so they share its prefix, error
handlers and the rule that writes need a bearer token.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask import Blueprint, jsonify
from flask_login import current_user

from logistics.core.forecast_inputs import ForecastError
from logistics.core.roles import Permission
from logistics.schemas.forecast import (
    BomLinePublic,
    BomList,
    ComparisonPublic,
    EnrolmentCreate,
    EnrolmentList,
    EnrolmentPublic,
    ForecastInputs,
    ForecastPublic,
    PlanPublic,
    RecruitmentPublic,
    ScenarioItemPublic,
    ScenarioPublic,
    SitePublic,
    SlotRiskPublic,
)
from logistics.services import forecasting, recruitment
from logistics.services.errors import InputError, NotFound
from logistics.services.forecast_comparison import compare
from logistics.web import db
from logistics.web.api_io import described, json_answer, read_body
from logistics.web.auth import require

if TYPE_CHECKING:
    from logistics.db.models import ForecastRun


@described.operation("GET", "/recruitment", "The trial's recruitment plan and its sites, with how many "
                     "each has enrolled", response=RecruitmentPublic)
def get_recruitment() -> Any:
    session = db.session()
    plan = recruitment.the_plan(session)
    counts: dict[str, int] = {}
    for row in recruitment.enrolments(session):
        counts[row.site] = counts.get(row.site, 0) + 1
    return json_answer(RecruitmentPublic(
        plan=PlanPublic(**plan.model_dump(include=set(PlanPublic.model_fields))) if plan else None,
        sites=[SitePublic(code=site.code, name=site.name, activated_on=site.activated_on,
                          planned_rate=site.planned_rate, enrolled=counts.get(site.code, 0))
               for site in recruitment.sites(session)]))


@described.operation("GET", "/recruitment/enrolments", "Enrolments, oldest first (pseudonymous codes)",
                     response=EnrolmentList)
def list_enrolments() -> Any:
    return json_answer(EnrolmentList(items=[_enrolment(row) for row in recruitment.enrolments(db.session())]))


@described.operation("POST", "/recruitment/enrolments", "Record a patient's enrolment by pseudonymous code",
                     body=EnrolmentCreate, response=EnrolmentPublic, status=201)
@require(Permission.RECORD_ENROLMENTS)
def add_enrolment() -> Any:
    draft = read_body(EnrolmentCreate)
    now = datetime.now(UTC)
    enrolment = recruitment.enrol(db.writing("enrolment"), site=draft.site, patient_code=draft.patient_code,
                                  enrolled_on=draft.enrolled_on, source="api", by=current_user.username,
                                  today=forecasting.today(db.runtime().settings, now))
    db.commit()
    return json_answer(_enrolment(recruitment.EnrolmentRow(enrolment, draft.site.strip().upper())), 201)


def _enrolment(row: recruitment.EnrolmentRow) -> EnrolmentPublic:
    found = row.enrolment
    return EnrolmentPublic(patient_code=found.patient_code, site=row.site, enrolled_on=found.enrolled_on,
                           source=found.source, recorded_by=found.recorded_by)


@described.operation("GET", "/recruitment/bom", "The bill of materials: what one patient, screened patient "
                     "or manufacturing batch takes of each item, and when", response=BomList)
def list_bom() -> Any:
    return json_answer(BomList(items=[BomLinePublic(
        id=row.line.id, item=row.item.code, basis=row.line.basis, quantity=row.line.quantity,
        unit=row.item.unit, offset_days=row.line.offset_days, note=row.line.note)
        for row in recruitment.bill_of_materials(db.session())]))


@described.operation("GET", "/forecast", "The latest reorder forecast (404 before the first)",
                     response=ForecastPublic)
def latest_forecast() -> Any:
    run = forecasting.latest(db.session())
    if run is None:
        raise NotFound("no forecast yet: enter the recruitment plan and bill of materials, then run one")
    return json_answer(_forecast(run))


@described.operation("POST", "/forecast", "Run the forecast now and store it with its inputs",
                     response=ForecastPublic, status=201)
@require(Permission.PLAN_SUPPLY)
def run_forecast() -> Any:
    try:
        run = forecasting.run_forecast(db.writing("reorder forecast"), db.runtime().settings,
                                       now=datetime.now(UTC), trigger="manual")
    except (forecasting.NoPlan, ForecastError) as error:
        db.session().rollback()
        raise InputError({"forecast": str(error)}) from None
    db.commit()
    return json_answer(_forecast(run), 201)


@described.operation("GET", "/forecast/compare", "The latest forecast's inputs computed again as planned, "
                     "with recruitment 1.5 and 0.5 times as fast and with 14 more days at customs: each "
                     "item's order, order-by date, stock-out risk and expected waste, and each scenario's "
                     "slot risk (computed on request, not stored; 404 before the first forecast)",
                     response=ComparisonPublic)
def compare_forecast() -> Any:
    run = forecasting.latest(db.session())
    if run is None:
        raise NotFound("no forecast yet: enter the recruitment plan and bill of materials, then run one")
    try:
        comparison = compare(run)
    except ForecastError as error:
        raise InputError({"forecast": str(error)}) from None
    return json_answer(ComparisonPublic(run_id=comparison.run_id, as_of=comparison.as_of,
                                        seconds=comparison.seconds, scenarios=[
        ScenarioPublic(scenario=outcome.scenario.key,
                       recruitment_factor=outcome.scenario.what_if.recruitment_factor,
                       extra_lead_days=outcome.scenario.what_if.extra_lead_days,
                       rate_per_30d=outcome.rate_per_30d,
                       slot_risk=SlotRiskPublic(**vars(outcome.slot_risk)) if outcome.slot_risk else None,
                       items=[ScenarioItemPublic(**vars(item)) for item in outcome.items])
        for outcome in comparison.outcomes]))


@described.operation("GET", "/forecast/runs/{run_id}", "A stored forecast", response=ForecastPublic)
def get_forecast(run_id: int) -> Any:
    return json_answer(_forecast(forecasting.get_run(db.session(), run_id)))


@described.operation("GET", "/forecast/runs/{run_id}/inputs",
                     "What a stored forecast was computed from, as a scenario document: save it as a "
                     ".json file and run `logistics forecast --scenario FILE.json`", response=ForecastInputs)
def forecast_inputs(run_id: int) -> Any:
    return jsonify(json.loads(forecasting.get_run(db.session(), run_id).inputs))


def _forecast(run: ForecastRun) -> ForecastPublic:
    result = json.loads(run.result)
    return ForecastPublic(id=run.id, run_at=run.run_at, as_of=run.as_of, trigger=run.trigger,
                          recruitment=result["recruitment"], items=result["items"],
                          slots=result.get("slots", []))


def add_routes(api: Blueprint) -> None:
    """The recruitment and forecast routes on the API's blueprint."""
    api.add_url_rule("/recruitment", view_func=get_recruitment)
    api.add_url_rule("/recruitment/enrolments", view_func=list_enrolments)
    api.add_url_rule("/recruitment/enrolments", view_func=add_enrolment, methods=["POST"])
    api.add_url_rule("/recruitment/bom", view_func=list_bom)
    api.add_url_rule("/forecast", view_func=latest_forecast)
    api.add_url_rule("/forecast", view_func=run_forecast, methods=["POST"])
    api.add_url_rule("/forecast/compare", view_func=compare_forecast)
    api.add_url_rule("/forecast/runs/<int:run_id>", view_func=get_forecast)
    api.add_url_rule("/forecast/runs/<int:run_id>/inputs", view_func=forecast_inputs)
