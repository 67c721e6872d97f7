"""Long-running processes: the web app, MQTT ingest, or both in one process."""

from __future__ import annotations

import logging
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from logistics.app import Runtime, build_ingest, build_web_app
from logistics.cli.admin import load_demo_data
from logistics.cli.common import open_runtime
from logistics.db import migrate as migrations
from sensors.topics import parse_broker_url

log = logging.getLogger(__name__)
HOST_OPTION = click.option("--host", default="127.0.0.1", show_default=True,
                           help="Interface to listen on.")
PORT_OPTION = click.option("--port", default=8000, show_default=True, type=int,
                           help="TCP port to listen on.")


@click.command()
@HOST_OPTION
@PORT_OPTION
def serve(host: str, port: int) -> None:
    """Run the web app and MQTT ingest in one process, for one machine."""
    runtime = open_runtime()
    app = _web_app(runtime, demo=False)
    with _ingest_in_background(runtime):
        _serve(app, host, port)


@click.command()
@HOST_OPTION
@PORT_OPTION
def web(host: str, port: int) -> None:
    """Run only the web app and JSON API (several workers: gunicorn 'logistics.app:wsgi()')."""
    runtime = open_runtime()
    _serve(_web_app(runtime, demo=False), host, port)


@click.command()
def ingest() -> None:
    """Run only the MQTT ingest: store telemetry, acknowledge after commit. Stops on SIGTERM/Ctrl+C."""
    runtime = open_runtime()
    _require_current_schema(runtime)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"ingest: {runtime.settings.mqtt_topic_prefix}/loggers/+/telemetry from "
               f"{_broker_label(runtime)}")
    build_ingest(runtime).run(stop)


@click.command(name="demo")
@HOST_OPTION
@PORT_OPTION
def demo_command(host: str, port: int) -> None:
    """Create the database with the demo scenario (if needed) and serve it. Not for real use."""
    runtime = open_runtime()
    migrations.upgrade(runtime.engine)
    load_demo_data(runtime)
    app = _web_app(runtime, demo=True)
    if not broker_answers(runtime):
        click.echo(f"no MQTT broker answers at {_broker_label(runtime)}: web only")
        _serve(app, host, port)
        return
    with _ingest_in_background(runtime):
        _serve(app, host, port)


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
    _require_current_schema(runtime)
    try:
        return build_web_app(runtime, demo=demo)
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None


def _require_current_schema(runtime: Runtime) -> None:
    current = migrations.current_revision(runtime.engine)
    if current != migrations.head_revision(runtime.engine):
        raise click.ClickException(
            f"the database is at revision {current or 'none'}: run `logistics init` first")


def _serve(app: Any, host: str, port: int) -> None:
    import waitress

    click.echo(f"serving on http://{host}:{port}/ (Ctrl+C stops)")
    waitress.serve(app, host=host, port=port, threads=8, ident="logistics")


def _broker_label(runtime: Runtime) -> str:
    broker = parse_broker_url(runtime.settings.mqtt_url)
    return f"{'mqtts' if broker.tls else 'mqtt'}://{broker.host}:{broker.port}"


COMMANDS = (serve, web, ingest, demo_command)
