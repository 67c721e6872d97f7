"""Long-running processes: the web app, MQTT ingest, or both in one process."""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from logistics.app import Runtime, build_ingest, build_job_context, build_web_app
from logistics.cli.admin import load_demo_data
from logistics.cli.common import open_runtime, require_current_schema, upgrade_database
from logistics.db.engine import unit_of_work
from logistics.settings import LOG_LEVELS
from sensors.topics import parse_broker_url

if TYPE_CHECKING:
    from sensors.simulator import Trip

log = logging.getLogger(__name__)
HOST_OPTION = click.option("--host", default="127.0.0.1", show_default=True,
                           help="Interface to listen on.")
PORT_OPTION = click.option("--port", default=8000, show_default=True, type=int,
                           help="TCP port to listen on.")
LOG_LEVEL_OPTION = click.option(
    "--log-level", type=click.Choice(LOG_LEVELS, case_sensitive=False),
    help="What the console shows (default: the log_level setting, INFO): INFO a line per web request, "
         "DEBUG also each scheduled job's run; warnings and errors always.")


@click.command()
@HOST_OPTION
@PORT_OPTION
@LOG_LEVEL_OPTION
def serve(host: str, port: int, log_level: str | None) -> None:
    """Run the web app, MQTT ingest and the scheduler in one process, for one machine."""
    runtime = open_runtime(log_level=log_level)
    app = _web_app(runtime, demo=False)
    with _ingest_in_background(runtime), _scheduler_in_background(runtime):
        _serve(app, host, port)


@click.command()
@HOST_OPTION
@PORT_OPTION
@LOG_LEVEL_OPTION
def web(host: str, port: int, log_level: str | None) -> None:
    """Run only the web app and JSON API (several workers: gunicorn 'logistics.app:wsgi()')."""
    runtime = open_runtime(log_level=log_level)
    _serve(_web_app(runtime, demo=False), host, port)


@click.command()
@click.option("--retire", is_flag=True,
              help="Take this worker (its ingest_client_id) out of the shared subscription for good: store "
                   "what the broker queued for it, leave the group, end its session, then exit.")
@LOG_LEVEL_OPTION
def ingest(retire: bool, log_level: str | None) -> None:
    """Run only the MQTT ingest: store telemetry, acknowledge after commit. Stops on SIGTERM/Ctrl+C."""
    runtime = open_runtime(log_level=log_level)
    if retire and not runtime.settings.ingest_shared_group:
        raise click.UsageError("--retire is for a worker of a shared subscription, "
                               "and ingest_shared_group is not set")
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"ingest: {runtime.settings.mqtt_topic_prefix}/loggers/+/telemetry from "
               f"{_broker_label(runtime)}")
    subscriber = build_ingest(runtime, retiring=retire)
    subscriber.run(stop)
    done = subscriber.counters
    click.echo(f"ingest stopped: {done.messages} messages acknowledged, {done.readings_stored} readings "
               f"stored, {done.duplicates} duplicates, {done.readings_rejected} readings rejected, "
               f"{done.store_failures} failed stores")


@click.command()
@LOG_LEVEL_OPTION
def scheduler(log_level: str | None) -> None:
    """Run only the scheduler (one per deployment): monitoring checks and alert delivery."""
    runtime = open_runtime(log_level=log_level)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with _scheduler_in_background(runtime):
        click.echo(f"scheduler running (scan every {runtime.settings.scan_interval_seconds} s)")
        stop.wait()


@contextmanager
def _scheduler_in_background(runtime: Runtime) -> Iterator[None]:
    import requests

    from logistics.scheduling import start_scheduler

    with requests.Session() as http:
        running = start_scheduler(build_job_context(runtime, http))
        try:
            yield
        finally:
            running.shutdown(wait=True)


@click.command(name="demo")
@HOST_OPTION
@PORT_OPTION
@click.option("--speed", type=click.FloatRange(min=1), default=30, show_default=True,
              help="How fast the loggers catch up on time the demo was not running (simulated seconds per "
                   "real second); then they record in real time.")
@LOG_LEVEL_OPTION
def demo_command(host: str, port: int, speed: float, log_level: str | None) -> None:
    """Everything on one machine with the demo scenario: web, ingest and simulated loggers. Not for real use.

    Uses the configured MQTT broker, or, when none answers on this machine, an embedded
    development-only broker.
    """
    runtime = open_runtime(schema=False, log_level=log_level)
    upgrade_database(runtime)
    load_demo_data(runtime)
    app = _web_app(runtime, demo=True)
    with ExitStack() as running:
        if not broker_answers(runtime):
            running.enter_context(_development_broker(runtime))
        running.enter_context(_ingest_in_background(runtime))
        running.enter_context(_scheduler_in_background(runtime))
        running.enter_context(_simulator_in_background(runtime, speed))
        _serve(app, host, port)


@contextmanager
def _development_broker(runtime: Runtime) -> Iterator[None]:
    from sensors.dev_broker import DevelopmentBroker

    broker = parse_broker_url(runtime.settings.mqtt_url)
    if broker.host not in ("127.0.0.1", "localhost", "::1"):
        raise click.ClickException(f"no MQTT broker answers at {_broker_label(runtime)}")
    embedded = DevelopmentBroker(broker.host, broker.port)
    embedded.start()
    click.echo(f"no MQTT broker answered: started an embedded DEVELOPMENT-ONLY broker on "
               f"{broker.host}:{broker.port} (no persistence, no delivery guarantee)")
    try:
        yield
    finally:
        embedded.stop()


@contextmanager
def _simulator_in_background(runtime: Runtime, speed: float) -> Iterator[None]:
    """The demo's loggers go on from where they are: each from its newest stored reading, along its
    shipment's legs or in its storage zone, with fresh secrets; what is overdue catches up at `speed`."""

    stop = threading.Event()
    broker = parse_broker_url(runtime.settings.mqtt_url)
    now = datetime.now(UTC)
    trips = demo_trips(runtime, now)
    prefix = runtime.settings.mqtt_topic_prefix
    worker = threading.Thread(target=_simulate, name="simulator",
                              args=(broker, prefix, trips, speed, now, stop))
    click.echo(f"simulating loggers {', '.join(trip.logger_id for trip in trips)} from where they are "
               f"(catching up at {speed:g}x, then in real time)")
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join(timeout=15)


def _simulate(broker: Any, prefix: str, trips: Any, speed: float, now: datetime,
              stop: threading.Event) -> None:
    from sensors.simulator import SimulationError, run_trips

    try:
        run_trips(broker, trips, prefix=prefix, speed=speed, now=now, stop=stop)
    except SimulationError:
        log.exception("the demo simulator stopped")


def demo_trips(runtime: Runtime, now: datetime) -> list[Trip]:
    """What each logger recording in the demo still has to send, with a new secret to send it with."""
    from logistics.services import loggers
    from logistics.services.demo_journeys import live_journeys, newest_readings
    from sensors.simulator import Trip

    with unit_of_work(runtime.sessions, actor="demo", reason="demo simulator credentials") as session:
        journeys = live_journeys(session, now=now)
        newest = newest_readings(session, [journey.logger for journey in journeys])
        secrets = {journey.logger: loggers.rotate_secret(session, journey.logger) for journey in journeys}
    return [Trip(journey.logger, secrets[journey.logger],
                 [reading for reading in journey.readings()
                  if journey.logger not in newest or reading.time > newest[journey.logger]])
            for journey in journeys]


def broker_answers(runtime: Runtime, timeout: float = 1.0) -> bool:
    broker = parse_broker_url(runtime.settings.mqtt_url)
    try:
        with socket.create_connection((broker.host, broker.port), timeout=timeout):
            return True
    except OSError:
        return False


@contextmanager
def _ingest_in_background(runtime: Runtime) -> Iterator[None]:
    stop = threading.Event()
    worker = threading.Thread(target=build_ingest(runtime).run, args=(stop,), name="ingest")
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join(timeout=15)


def _web_app(runtime: Runtime, *, demo: bool) -> Any:
    require_current_schema(runtime)  # demo migrated it just now; the others checked it when opening
    try:
        return build_web_app(runtime, demo=demo)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None


def _serve(app: Any, host: str, port: int) -> None:
    import waitress

    click.echo(f"serving on http://{host}:{port}/ (Ctrl+C stops)")
    waitress.serve(app, host=host, port=port, threads=8, ident="logistics")


def _broker_label(runtime: Runtime) -> str:
    broker = parse_broker_url(runtime.settings.mqtt_url)
    return f"{'mqtts' if broker.tls else 'mqtt'}://{broker.host}:{broker.port}"


COMMANDS = (serve, web, ingest, scheduler, demo_command)
