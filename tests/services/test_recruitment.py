"""The trial's recruitment data: enrolments by code, CSV imports, pulls from a registry, the job."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from sqlmodel import col, select

from logistics import jobs
from logistics.core.alerting import parse_routes
from logistics.db.engine import unit_of_work
from logistics.db.models import Alert, Enrolment, ForecastRun, RecruitmentPull
from logistics.services import recruitment
from logistics.services.errors import InputError
from logistics.services.monitoring import MonitoringPolicy
from tests.conftest import NOW

TODAY = NOW.date()


def enrol(runtime, code, site="TH-01", day=TODAY):
    with unit_of_work(runtime.sessions, actor="pharmacy") as session:
        return recruitment.enrol(session, site=site, patient_code=code, enrolled_on=day, source="page",
                                 by="pharmacy", today=TODAY)


def codes(runtime):
    with runtime.sessions() as session:
        return [row.enrolment.patient_code for row in recruitment.enrolments(session)]


def test_an_enrolment_names_what_is_wrong_with_it(demo_runtime):
    problems = {"Somchai Jaidee": "patient_code", "TDT-001": "patient_code"}
    for code, field in problems.items():
        with pytest.raises(InputError) as refused:
            enrol(demo_runtime, code)
        assert field in refused.value.errors
    with pytest.raises(InputError, match="no trial site 'TH-09'"):
        enrol(demo_runtime, "TDT-006", site="TH-09")
    with pytest.raises(InputError, match="before TH-02 was activated"):
        enrol(demo_runtime, "TDT-006", site="TH-02", day=TODAY - timedelta(days=100))
    with pytest.raises(InputError, match="cannot be in the future"):
        enrol(demo_runtime, "TDT-006", day=TODAY + timedelta(days=1))
    enrol(demo_runtime, "TDT-006")
    assert codes(demo_runtime)[-1] == "TDT-006"


def test_a_csv_import_is_all_or_nothing_and_can_be_read_again(demo_runtime):
    good = f"patient_code,site,enrolled_on\nTDT-006,TH-01,{TODAY}\nTDT-007,TH-02,{TODAY}\n"
    bad = good + f"Somchai,TH-01,{TODAY}\nTDT-008,TH-01,yesterday\nTDT-006,TH-02,{TODAY}\n"
    with unit_of_work(demo_runtime.sessions, actor="pharmacy") as session:
        report = recruitment.import_enrolments_csv(session, bad, by="pharmacy", today=TODAY)
        session.rollback()
    assert [problem.split(":")[0] for problem in report.problems] == ["row 4", "row 5", "row 6"]
    assert "never a name" in report.problems[0] and "appears twice" in report.problems[2]
    assert len(codes(demo_runtime)) == 5
    for expected in ((2, 0), (0, 2)):  # read again: nothing new, nothing wrong
        with unit_of_work(demo_runtime.sessions, actor="pharmacy") as session:
            report = recruitment.import_enrolments_csv(session, good, by="pharmacy", today=TODAY)
        assert (report.added, report.unchanged, report.problems) == (*expected, [])
    header = recruitment.import_enrolments_csv(None, "patient,site\n", by="x", today=TODAY)  # type: ignore
    assert header.problems == ["row 1: missing column patient_code, enrolled_on "
                               "(columns: patient_code, site, enrolled_on)"]


class Registry:
    """A local stand-in for the trial's CTMS: serves a JSON document, or fails when told to."""

    def __init__(self) -> None:
        self.document: object = {}
        self.status = 200
        self.seen_authorization: list[str | None] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                outer.seen_authorization.append(self.headers.get("Authorization"))
                body = json.dumps(outer.document).encode()
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/subjects"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def registry():
    started = Registry()
    yield started
    started.close()


def job_context(runtime, http, **settings):
    changed = dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, **settings))
    routes = parse_routes({"routes": [{"targets": [{"channel": "in_app", "address": "logistics"}]}]})
    return jobs.JobContext(runtime=changed, routes=routes, policy=MonitoringPolicy(), senders={}, http=http)


def test_enrolments_are_pulled_through_the_field_mapping_and_a_failure_keeps_what_was_there(demo_runtime,
                                                                                               registry):
    registry.document = {"data": {"subjects": [
        {"subjectId": "TDT-006", "siteNumber": "TH-02", "enrolledAt": f"{TODAY}T09:30:00+07:00"},
        {"subjectId": "TDT-001", "siteNumber": "TH-01", "enrolledAt": str(TODAY - timedelta(days=205))},
        {"subjectId": "Jane Doe", "siteNumber": "TH-01", "enrolledAt": str(TODAY)}]}}
    with requests.Session() as http:
        context = job_context(demo_runtime, http, recruitment_url=registry.url, recruitment_token="s3cret",
                  recruitment_records="data.subjects", recruitment_patient_field="subjectId",
                  recruitment_site_field="siteNumber", recruitment_date_field="enrolledAt")
        jobs.pull_recruitment(context)
        registry.status = 503
        jobs.pull_recruitment(context)
        registry.status, registry.document = 200, {"unexpected": []}
        jobs.pull_recruitment(context)
    assert registry.seen_authorization == ["Bearer s3cret"] * 3
    assert codes(demo_runtime)[-1] == "TDT-006" and len(codes(demo_runtime)) == 6
    with demo_runtime.sessions() as session:
        pulls = session.exec(select(RecruitmentPull).order_by(col(RecruitmentPull.id))).all()
        added = session.exec(select(Enrolment).where(Enrolment.patient_code == "TDT-006")).one()
        alerts = session.exec(select(Alert).where(Alert.kind == "recruitment_pull")).all()
    assert [(pull.ok, pull.added) for pull in pulls] == [(False, 1), (False, 0), (False, 0)]
    assert "row 3: patient_code" in pulls[0].message  # the good rows stand, the bad one is named
    assert "503" in pulls[1].message and "no 'data.subjects'" in pulls[2].message
    assert added.source == "registry" and added.recorded_by == "registry"
    assert len(alerts) == 1  # announced once a day, not at every failed pull


def test_the_job_forecasts_when_inputs_change_and_announces_orders_due(demo_runtime):
    with requests.Session() as http:
        context = job_context(demo_runtime, http, forecast_runs=1000)
        jobs.forecast_reorders(context)
        jobs.forecast_reorders(context)  # nothing changed: not computed again
        enrol(demo_runtime, "TDT-006", day=NOW.date())
        jobs.forecast_reorders(context)
    with demo_runtime.sessions() as session:
        runs = session.exec(select(ForecastRun)).all()
        reorders = session.exec(select(Alert).where(Alert.kind == "reorder")).all()
    assert [run.trigger for run in runs] == ["schedule", "schedule"]
    assert reorders and all(alert.title.startswith("Order ") for alert in reorders)


def test_a_plan_that_cannot_be_forecast_is_announced(demo_runtime):
    with unit_of_work(demo_runtime.sessions, actor="logistics") as session:
        for site in recruitment.sites(session):
            recruitment.save_site(session, code=site.code, name=site.name, activated_on=site.activated_on,
                                  planned_rate=0.0)
        plan = recruitment.the_plan(session)
        plan.fixed_rate, plan.prior_strength = False, 0.0
    with requests.Session() as http:
        context = job_context(demo_runtime, http, forecast_runs=1000)
        jobs.forecast_reorders(context)
    with demo_runtime.sessions() as session:
        failed = session.exec(select(Alert).where(Alert.kind == "forecast_failed")).one()
    assert "prior_strength" in failed.body
