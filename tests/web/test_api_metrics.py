"""`GET /api/v1/metrics`: Prometheus' text format, with figures read from the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import requests
from prometheus_client.parser import text_string_to_metric_families

from logistics import jobs
from logistics.core.alerting import parse_routes
from logistics.services.monitoring import MonitoringPolicy
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage
from tests.web.test_api import bearer


def scrape(client, token):
    answer = client.get("/api/v1/metrics", headers=bearer(token))
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    samples = {}
    for family in text_string_to_metric_families(answer.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_need_a_token(client):
    assert client.get("/api/v1/metrics").status_code == 401


def test_ingest_rejections_alerts_and_jobs_are_counted(app, client, token_for):
    runtime, token, now = app.extensions["logistics"], token_for("viewer"), datetime.now(UTC)
    readings = [{"ts": (now - timedelta(minutes=m)).isoformat(), "temp": 5.0} for m in (3, 2, 1)]
    TelemetryStore(runtime.engine).store([
        IncomingMessage(source="mqtt", logger_code="LG-24003", received_at=now,
                        payload=json.dumps({"readings": readings}).encode()),
        IncomingMessage(source="mqtt", logger_code="LG-24003", received_at=now, payload=b"{not json")])
    with requests.Session() as http:
        context = jobs.JobContext(runtime=runtime, routes=parse_routes({"routes": []}),
                                  policy=MonitoringPolicy(), senders={}, http=http)
        jobs.monitor(context)
        jobs.monitor(context)
    found = scrape(client, token)
    assert found[("coldchain_ingest_readings_recent", ())] == 3
    assert 0 <= found[("coldchain_ingest_newest_reading_age_seconds", ())] < 60
    assert 60 <= found[("coldchain_ingest_lag_seconds", (("quantile", "0.5"),))] <= 130
    assert found[("coldchain_rejections_total", ())] == 1 and found[("coldchain_rejections_recent", ())] == 1
    assert found[("coldchain_job_runs_total", (("job", "monitor"),))] == 2
    assert found[("coldchain_job_last_ok", (("job", "monitor"),))] == 1
    assert found[("coldchain_job_failures_total", (("job", "monitor"),))] == 0
    assert found[("coldchain_shipments", (("status", "in_transit"),))] >= 1
    assert ("coldchain_alert_deliveries", (("status", "failed"),)) in found


def test_a_failing_job_is_counted_and_its_error_kept(app, client, token_for):
    runtime = app.extensions["logistics"]
    with requests.Session() as http:
        context = jobs.JobContext(runtime=runtime, routes=[], policy=MonitoringPolicy(), senders={},
                                  http=http)
        runtime.engine.dispose()
        with runtime.engine.begin() as connection:  # the job's table vanishes under it
            connection.exec_driver_sql("ALTER TABLE loggers RENAME TO loggers_gone")
        try:
            jobs.monitor(context)
        except Exception as error:
            assert "loggers" in str(error)
        else:
            raise AssertionError("the job should have failed")
        finally:
            with runtime.engine.begin() as connection:
                connection.exec_driver_sql("ALTER TABLE loggers_gone RENAME TO loggers")
    found = scrape(client, token_for("viewer"))
    assert found[("coldchain_job_last_ok", (("job", "monitor"),))] == 0
    assert found[("coldchain_job_failures_total", (("job", "monitor"),))] == 1
