"""`GET /api/v1/metrics`: the tracker's figures in Prometheus' text format, for a scraper holding an API
token (Prometheus: `authorization: {credentials_file: ...}`). Read from the database at each scrape, so
one web worker answers for every process of the deployment."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from logistics.core.release_time import MonthlyMedian
from logistics.services import metrics
from logistics.web import db
from logistics.web.api_io import described


class _Snapshot:
    """A Prometheus collector over one reading of the figures."""

    def __init__(self, figures: metrics.Figures) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        f = self.figures
        yield _gauge("coldchain_ingest_readings_recent", "Readings stored in the last 5 minutes",
                     f.readings_recent)
        yield _gauge("coldchain_ingest_newest_reading_age_seconds", "Seconds since the newest reading was "
                     "stored", f.newest_reading_age_s)
        lag = GaugeMetricFamily("coldchain_ingest_lag_seconds", "Logger-to-database delay over the newest "
                                "readings (backfills included)", labels=["quantile"])
        for quantile, value in (("0.5", f.lag_p50_s), ("1", f.lag_max_s)):
            if value is not None:
                lag.add_metric([quantile], value)
        yield lag
        yield _counter("coldchain_rejections", "Telemetry messages rejected (SPEC §5)", f.rejections_total)
        yield _gauge("coldchain_rejections_recent", "Rejections in the last 5 minutes", f.rejections_recent)
        yield _labelled("coldchain_alert_deliveries", "Alert deliveries by status", "status", f.deliveries)
        yield _gauge("coldchain_excursions_open", "Excursions not yet acknowledged", f.open_excursions)
        yield _labelled("coldchain_shipments", "Shipments by status", "status", f.shipments)
        yield from _jobs(f.jobs)
        yield from _release_times(f.release_times)


def _release_times(months: list[MonthlyMedian]) -> Iterator[Metric]:
    median = GaugeMetricFamily("coldchain_release_time_median_seconds", "Median time from the goods' arrival "
                               "to QA's signed decision, by month of arrival", labels=["month"])
    receipts = GaugeMetricFamily("coldchain_release_time_receipts", "Receipts with quarantined goods all "
                                 "decided, by month of arrival", labels=["month"])
    for month in months:
        median.add_metric([month.month], month.median_s)
        receipts.add_metric([month.month], month.receipts)
    yield median
    yield receipts


def _jobs(jobs: list[metrics.JobFigures]) -> Iterator[Metric]:
    families = {
        "seconds": GaugeMetricFamily("coldchain_job_last_duration_seconds",
                                     "How long the job's last run took (the excursion scan's included)",
                                     labels=["job"]),
        "ok": GaugeMetricFamily("coldchain_job_last_ok", "1 when the job's last run succeeded",
                                labels=["job"]),
        "age": GaugeMetricFamily("coldchain_job_last_success_age_seconds",
                                 "Seconds since the job last succeeded", labels=["job"]),
        "runs": CounterMetricFamily("coldchain_job_runs", "Runs of the job", labels=["job"]),
        "failures": CounterMetricFamily("coldchain_job_failures", "Failed runs of the job", labels=["job"]),
    }
    for job in jobs:
        families["seconds"].add_metric([job.job], job.last_seconds)
        families["ok"].add_metric([job.job], 1.0 if job.last_ok else 0.0)
        if job.last_success_age_s is not None:
            families["age"].add_metric([job.job], job.last_success_age_s)
        families["runs"].add_metric([job.job], job.runs)
        families["failures"].add_metric([job.job], job.failures)
    yield from families.values()


def _gauge(name: str, text: str, value: float | None) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, text)
    if value is not None:
        family.add_metric([], value)
    return family


def _counter(name: str, text: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, text, value=value)


def _labelled(name: str, text: str, label: str, values: dict[str, int]) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, text, labels=[label])
    for key, value in sorted(values.items()):
        family.add_metric([key], value)
    return family


@described.operation("GET", "/metrics", "The tracker's figures for Prometheus: ingest rate and lag, "
                     "rejections, scheduled jobs' durations and failures, alert deliveries, release time",
                     media_types=("text/plain",))
def prometheus_metrics() -> Any:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(metrics.gather(db.session(), now=datetime.now(UTC))))  # type: ignore[arg-type]
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def add_routes(api: Blueprint) -> None:
    """The Prometheus route on the API's blueprint."""
    api.add_url_rule("/metrics", view_func=prometheus_metrics)
