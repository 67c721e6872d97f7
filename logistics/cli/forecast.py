"""`logistics forecast`: reorder recommendations from the trial's recruitment pace (SPEC §8)."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import click

from logistics.core.forecast import Forecast, ForecastError, forecast
from logistics.core.forecast_scenario import Scenario, forecast_json, read_scenario


class Refused(click.ClickException):
    """Nothing was computed: exit status 2 and one line saying why."""

    exit_code = 2


@click.command(name="forecast")
@click.option("--scenario", "scenario_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Compute from this TOML scenario (SPEC §8) instead of the database: for what-if work.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def forecast_command(scenario_file: Path | None, as_json: bool) -> None:
    """Forecast demand and recommend orders: from the database (stored, as the nightly job does), or
    from a scenario file without one."""
    if scenario_file is None:
        raise Refused("give --scenario FILE.toml")
    result = run_scenario(load_scenario(scenario_file))
    click.echo(json.dumps(forecast_json(result), indent=2) if as_json else table(result))


def load_scenario(path: Path) -> Scenario:
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise Refused(f"{path}: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise Refused(f"{path}: not a TOML file ({error})") from None
    try:
        return read_scenario(document)
    except ForecastError as error:
        raise Refused(f"{path}: {error}") from None


def run_scenario(scenario: Scenario) -> Forecast:
    try:
        return forecast(scenario.as_of, scenario.recruitment, scenario.items, scenario.lead_time,
                        scenario.policy, scenario.what_if)
    except ForecastError as error:
        raise Refused(str(error)) from None


def table(result: Forecast) -> str:
    """The recommendation as text, one line per item."""
    outlook = result.recruitment
    lines = [f"Forecast as of {result.as_of}: {outlook.remaining} patients still to enrol, "
             f"{outlook.rate_per_30d:.2f} per 30 days expected; over the next {result.policy.horizon_days} "
             f"days {outlook.enrolments_mean:.1f} on average (P90 {outlook.enrolments_p90}).",
             f"{'item':<14} {'order':>9} {'by':<10} {'position':>9} {'reorder pt':>10} {'up to':>8} "
             f"{'P(short)':>8} {'waste':>7}"]
    for item in result.items:
        lines.append(f"{item.code:<14} {_n(item.order_quantity):>9} {_day(item)} {_n(item.position):>9} "
                     f"{_n(item.reorder_point):>10} {_n(item.order_up_to):>8} "
                     f"{item.stockout_probability:>8.1%} {_n(item.expected_waste):>7}")
    return "\n".join(lines)


def _day(item: Any) -> str:
    return f"{item.order_by.isoformat() if item.order_by else '-':<10}"


def _n(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


COMMANDS = (forecast_command,)
