"""`logistics simulate`: data loggers travelling Shenzhen → Bangkok, publishing over MQTT like devices."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from logistics.cli.common import open_runtime, parse_time
from sensors.journey import PROFILES, default_journey, journey_duration
from sensors.simulator import SimulationError, SimulationOptions, SimulationSummary, run_simulation
from sensors.topics import BrokerAddress, parse_broker_url

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar


@click.command(name="simulate")
@click.option("--logger", "logger_ids", multiple=True, metavar="ID",
              help="Logger id to simulate; repeat for several. Default: LG-SIM-1 (or see --loggers).")
@click.option("--loggers", "logger_count", type=click.IntRange(min=1), default=1, show_default=True,
              metavar="N", help="Without --logger, simulate N loggers named LG-SIM-1 … LG-SIM-N.")
@click.option("--credentials", "credentials_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, metavar="FILE",
              help='JSON object {"LOGGER-ID": "secret", ...}: each logger logs in to the broker with its id '
                   "and its secret. A logger missing from it connects anonymously.")
@click.option("--profile", type=click.Choice(PROFILES), default="refrigerated", show_default=True,
              help="Storage profile: sets the pack-out temperature and the limit an excursion crosses.")
@click.option("--interval", "interval_s", type=click.FloatRange(min=1), default=300, show_default=True,
              metavar="SECONDS", help="Seconds between readings (simulated time).")
@click.option("--speed", type=click.FloatRange(min=0), default=3600, show_default=True, metavar="RATE",
              help="Simulated seconds per real second (3600: an hour a second); 0: as fast as possible.")
@click.option("--start", default=None, metavar="TIME",
              help="When the journey starts (ISO 8601; no offset means UTC). Default: early enough that "
                   "the journey ends as the command does, so no reading is newer than the moment it is "
                   "sent (at --speed 1 that is now; at --speed 0, now minus the journey's length).")
@click.option("--via", type=click.Choice(["HKG", "SZX"], case_sensitive=False), default="HKG",
              show_default=True, metavar="HKG|SZX",
              help="Departure airport: Hong Kong (truck across the border) or Shenzhen.")
@click.option("--customs-hours", type=click.FloatRange(min=0), default=24.0, show_default=True,
              metavar="HOURS", help="Hours held at Thai customs in Bangkok.")
@click.option("--excursion", is_flag=True,
              help="Leave the shipper on the Bangkok apron: above the profile's upper limit for ~45 min.")
@click.option("--shock", is_flag=True, help="Drop the shipper once (≥ 15 g) during the courier leg.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same seed gives the same readings.")
def simulate(logger_ids: tuple[str, ...], logger_count: int, credentials_file: Path | None, profile: str,
             interval_s: float, speed: float, start: str | None, via: str, customs_hours: float,
             excursion: bool, shock: bool, seed: int) -> None:
    """Simulate data loggers on a Shenzhen → Bangkok journey, publishing telemetry to the MQTT broker.

    Each logger connects as itself (username = logger id), announces itself on its status topic, sends a
    reading every --interval, stays silent in flight and uploads the flight's readings in one batch on
    landing. The broker and topic prefix come from the settings (mqtt_url, mqtt_topic_prefix).
    """
    loggers = list(dict.fromkeys(logger_ids)) or [f"LG-SIM-{number}" for number in range(1, logger_count + 1)]
    secrets = _read_credentials(credentials_file)
    journey_start = parse_time(start, "--start") or default_start(
        via=via, customs_hours=customs_hours, speed=speed, now=datetime.now(UTC))
    broker, prefix = _broker()
    options = SimulationOptions(
        loggers=loggers, secrets=secrets, prefix=prefix, profile=profile, interval_s=interval_s, speed=speed,
        start=journey_start, seed=seed, inject_excursion=excursion, inject_shock=shock, via=via.upper(),
        customs_hours=customs_hours)
    with ExitStack() as bar_scope:
        try:
            summary = run_simulation(broker, options, progress=_ProgressBar(bar_scope))
        except (SimulationError, ValueError) as error:
            raise click.ClickException(str(error)) from None
    click.echo(_summary_line(summary, options, broker))


def default_start(*, via: str, customs_hours: float, speed: float | None, now: datetime) -> datetime:
    """A start from which the journey ends as the command does, no reading newer than when it is sent."""
    length = journey_duration(default_journey(via=via, customs_hours=customs_hours)).total_seconds()
    # A reading taken x seconds into the journey goes out x/speed seconds after the command starts. Starting
    # length·(1 − 1/speed) ago puts every reading's time at or before its sending, and the last one at now.
    if not speed:
        lag = length
    elif speed >= 1:
        lag = length * (1 - 1 / speed)
    else:
        lag = 0.0  # slow motion: the readings fall ever further behind the clock anyway
    return (now - timedelta(seconds=lag)).replace(microsecond=0)


class _ProgressBar:
    """A click progress bar on standard error, opened once the total is known."""

    def __init__(self, scope: ExitStack) -> None:
        self._scope = scope
        self._bar: ProgressBar[int] | None = None
        self._shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            self._bar = self._scope.enter_context(
                click.progressbar(length=max(total, 1), label="publishing readings", file=sys.stderr))
        self._bar.update(done - self._shown)
        self._shown = done


def _read_credentials(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    try:
        body: Any = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise click.BadParameter(f"cannot read {path}: {error.strerror or error}",
                                 param_hint="--credentials") from None
    except ValueError as error:
        raise click.BadParameter(f"{path} is not JSON: {error}", param_hint="--credentials") from None
    if not isinstance(body, dict) or not all(isinstance(key, str) and isinstance(value, str)
                                             for key, value in body.items()):
        raise click.BadParameter(f'{path} must hold one JSON object {{"LOGGER-ID": "secret", ...}}',
                                 param_hint="--credentials")
    return body


def _broker() -> tuple[BrokerAddress, str]:
    """The broker's address and the topic prefix from the settings; the URL's own user is not used."""
    runtime = open_runtime(schema=False)
    try:
        return parse_broker_url(runtime.settings.mqtt_url), runtime.settings.mqtt_topic_prefix
    except ValueError as error:
        raise click.ClickException(f"configuration: {error}") from None
    finally:
        runtime.close()


def _summary_line(summary: SimulationSummary, options: SimulationOptions, broker: BrokerAddress) -> str:
    length = journey_duration(default_journey(via=options.via, customs_hours=options.customs_hours))
    end = options.start + length
    return (f"published {summary.readings} readings in {summary.messages} messages from "
            f"{len(summary.per_logger)} logger(s) to {broker.host}:{broker.port} in {summary.seconds:.1f}s; "
            f"journey {options.start.isoformat(timespec='minutes')} → {end.isoformat(timespec='minutes')} "
            f"via {options.via}, profile {options.profile}")


COMMANDS = (simulate,)
