"""`logistics forecast`: reorder recommendations from the trial's recruitment pace (SPEC §8)."""

from __future__ import annotations

import json
import sys
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from logistics.cli.common import CLI_ACTOR, ProgressBar, open_runtime
from logistics.core.forecast import Forecast, Progress, forecast
from logistics.core.forecast_inputs import ForecastError
from logistics.core.forecast_scenario import Scenario, forecast_json, read_scenario
from logistics.db.engine import unit_of_work
from logistics.services import forecasting, recruitment


class Refused(click.ClickException):
    """Nothing was computed: exit status 2 and one line saying why."""

    exit_code = 2


SLOW_SECONDS = 1.0  # a forecast that takes longer shows a progress bar on a terminal


@click.command(name="forecast")
@click.option("--scenario", "scenario_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Compute from this scenario instead of the database, for what-if work: TOML as in the "
                   "README, or a stored forecast's inputs (JSON).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def forecast_command(scenario_file: Path | None, as_json: bool) -> None:
    """Forecast demand and recommend orders: from the database (the result is stored, as the
    scheduler's are), or from a scenario file without one."""
    bar = ProgressBar("forecasting", after_seconds=SLOW_SECONDS)
    progress = bar if sys.stderr.isatty() else None  # a file or a pipe reads the answer, not a bar
    try:
        if scenario_file is None:
            answer = _from_database(progress)
        else:
            answer = forecast_json(run_scenario(load_scenario(scenario_file), progress))
    finally:
        bar.close()
    click.echo(json.dumps(answer, indent=2) if as_json else table(answer))


def _from_database(progress: Progress | None = None) -> dict[str, Any]:
    runtime = open_runtime()
    try:
        with unit_of_work(runtime.sessions, actor=CLI_ACTOR, reason="reorder forecast") as session:
            run = forecasting.run_forecast(session, runtime.settings, now=datetime.now(UTC), trigger="cli",
                                           progress=progress)
            return {key: value for key, value in json.loads(run.result).items()
                    if key in {"as_of", "recruitment", "items"}} | {"forecast_id": run.id}
    except (forecasting.NoPlan, ForecastError) as error:
        raise Refused(str(error)) from None
    finally:
        runtime.close()


def load_scenario(path: Path) -> Scenario:
    """A scenario file: TOML as SPEC §8 writes it, or JSON as a stored forecast's inputs are kept."""
    kind = "JSON" if path.suffix.lower() == ".json" else "TOML"
    try:
        text = path.read_text(encoding="utf-8")
        document = json.loads(text) if kind == "JSON" else tomllib.loads(text)
    except OSError as error:
        raise Refused(f"{path}: {error.strerror or error}") from None
    except (ValueError, UnicodeDecodeError) as error:  # TOML and JSON decode errors are ValueErrors
        raise Refused(f"{path}: not a {kind} file ({error})") from None
    except RecursionError:
        raise Refused(f"{path}: not a usable {kind} file (nested too deeply)") from None
    if not isinstance(document, dict):
        raise Refused(f"{path}: a scenario is a table of settings, not {type(document).__name__}")
    try:
        return read_scenario(document)
    except ForecastError as error:
        raise Refused(f"{path}: {error}") from None


def run_scenario(scenario: Scenario, progress: Progress | None = None) -> Forecast:
    try:
        return forecast(scenario.as_of, scenario.recruitment, scenario.items, scenario.lead_time,
                        scenario.policy, scenario.what_if, progress)
    except ForecastError as error:
        raise Refused(str(error)) from None


def table(answer: dict[str, Any]) -> str:
    """The recommendation as text, one line per item."""
    outlook = answer["recruitment"]
    lines = [f"Forecast as of {answer['as_of']}: {outlook['remaining']} patients still to enrol, "
             f"{outlook['rate_per_30d']:.2f} per 30 days expected; {outlook['enrolments_mean']:.1f} "
             f"on average over the review period (P90 {outlook['enrolments_p90']}).",
             f"{'item':<14} {'order':>9} {'unit':<7} {'order by':<10} {'position':>9} {'reorder pt':>10} "
             f"{'up to':>8} {'P(short)':>8} {'waste':>7}"]
    for item in answer["items"]:
        lines.append(f"{item['code']:<14} {_n(item['order_quantity']):>9} {item['unit']:<7} "
                     f"{item['order_by'] or '-':<10} {_n(item['position']):>9} "
                     f"{_n(item['reorder_point']):>10} "
                     f"{_n(item['order_up_to']):>8} {item['stockout_probability']:>8.1%} "
                     f"{_n(item['expected_waste']):>7}")
    return "\n".join(lines)


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


@click.group(name="recruitment")
def recruitment_group() -> None:
    """The trial's enrolments: import them from CSV or pull them from the registry now."""


@recruitment_group.command(name="import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def recruitment_import(csv_file: Path) -> None:
    """Record enrolments from a CSV file (patient_code, site, enrolled_on): all of them, or on any
    problem none, with every problem named by row. Rows already recorded the same way are skipped."""
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(f"{csv_file}: not UTF-8 text") from None
    runtime = open_runtime()
    try:
        reason = f"enrolments from {csv_file.name}"
        with unit_of_work(runtime.sessions, actor=CLI_ACTOR, reason=reason) as session:
            today = forecasting.today(runtime.settings, datetime.now(UTC))
            report = recruitment.import_enrolments_csv(session, text, by=CLI_ACTOR, today=today)
            if report.problems:  # leaving with an error rolls the whole file back
                raise Refused(f"{csv_file}: nothing recorded; " + "; ".join(report.problems))
    finally:
        runtime.close()
    click.echo(f"{report.added} enrolments recorded, {report.unchanged} already known")


@recruitment_group.command(name="pull")
def recruitment_pull() -> None:
    """Fetch enrolments from recruitment_url now (the scheduler does so every recruitment_poll_minutes)."""
    import requests

    from logistics.outbound.recruitment_feed import FeedError, fetch_enrolments

    runtime = open_runtime()
    settings = runtime.settings
    if not settings.recruitment_url:
        raise Refused("recruitment_url is not set")
    now = datetime.now(UTC)
    try:
        with requests.Session() as http:
            records, error = fetch_enrolments(http, settings), None
    except FeedError as failure:
        records, error = None, str(failure)
    try:
        with unit_of_work(runtime.sessions, actor="registry", reason="recruitment pull") as session:
            pull = recruitment.record_pull(session, url=settings.recruitment_url, records=records,
                                           error=error, now=now, today=forecasting.today(settings, now))
            ok, added, message = pull.ok, pull.added, pull.message
    finally:
        runtime.close()
    click.echo(f"{added} enrolments added" + (f"; {message}" if message else ""))
    if not ok:
        raise Refused("the pull was not clean: see above")


COMMANDS = (forecast_command, recruitment_group)
