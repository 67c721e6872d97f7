"""Simulated data loggers: each travels a journey and publishes its readings over MQTT like a real device.

One MQTT client per logger, logged in as that logger, with a retained last will. Each logger publishes from
its own thread and waits for every PUBACK, so when `run_simulation` returns, the broker has every reading.
In flight mode a logger keeps recording and, on landing, uploads the buffered readings as one batch.
"""

from __future__ import annotations

import json
import queue
import random
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from sensors.journey import Phase, SimReading, default_journey, simulate_journey
from sensors.topics import BrokerAddress, status_topic, telemetry_topic

FIRMWARE = "sim-1.0"
CONNECT_TIMEOUT_S = 10.0
PUBACK_TIMEOUT_S = 30.0
MAX_BATCH_READINGS = 5000  # keeps a backfill well under the tracker's 1 MiB payload limit (SPEC §5)
OFFLINE = b"offline"

Progress = Callable[[int, int], None]


class SimulationError(RuntimeError):
    """The broker refused a logger, went away, or did not acknowledge a message in time."""


@dataclass(kw_only=True)
class SimulationOptions:
    """What to simulate: which loggers, which journey, how fast."""

    loggers: list[str]
    secrets: dict[str, str] = field(default_factory=dict)
    prefix: str = "coldchain"
    profile: str = "refrigerated"
    interval_s: float = 300
    speed: float | None = 3600  # simulated seconds per real second; 0 or None: as fast as possible
    start: datetime
    seed: int = 1
    inject_excursion: bool = False
    inject_shock: bool = False
    via: str = "HKG"
    customs_hours: float = 24.0


@dataclass(frozen=True)
class Publication:
    """One telemetry message: when the logger sends it (simulated time), its payload and reading count."""

    due: datetime
    payload: bytes
    readings: int
    battery: float  # the battery level of its last reading


@dataclass(frozen=True)
class LoggerCount:
    messages: int = 0
    readings: int = 0


@dataclass(frozen=True)
class SimulationSummary:
    """Telemetry messages and readings each logger published (and the broker acknowledged)."""

    per_logger: dict[str, LoggerCount]
    seconds: float
    stopped: bool  # the stop event ended the run before every reading was sent

    @property
    def messages(self) -> int:
        return sum(count.messages for count in self.per_logger.values())

    @property
    def readings(self) -> int:
        return sum(count.readings for count in self.per_logger.values())


def journey_for(options: SimulationOptions) -> list[Phase]:
    """The journey every simulated logger travels."""
    return default_journey(via=options.via, customs_hours=options.customs_hours,
                           inject_excursion=options.inject_excursion, inject_shock=options.inject_shock,
                           profile=options.profile)


def logger_readings(options: SimulationOptions, logger_id: str, phases: Sequence[Phase]) -> list[SimReading]:
    """The readings one logger records on the journey."""
    # Seeded per logger: loggers travelling together share the journey but each has its own noise.
    rng = random.Random(f"{options.seed}:{logger_id}")
    return list(simulate_journey(phases, start=options.start, interval_s=options.interval_s,
                                 profile=options.profile, rng=rng))


def plan_publications(readings: Sequence[SimReading], silent_phases: set[str]) -> list[Publication]:
    """Single readings as they are taken; readings taken in flight mode as one batch on landing."""
    plan: list[Publication] = []
    buffered: list[SimReading] = []
    for reading in readings:
        if reading.phase in silent_phases:
            buffered.append(reading)
            continue
        plan.extend(_backfill(buffered, due=reading.time))
        buffered = []
        plan.append(Publication(reading.time, _encode(native_reading(reading)), 1, reading.battery))
    if buffered:
        plan.extend(_backfill(buffered, due=buffered[-1].time))
    return plan


def upload_times(readings: Sequence[SimReading], silent_phases: set[str]) -> list[datetime]:
    """When each reading reaches the broker (as `plan_publications` sends them): as it is taken, or, taken
    in flight mode, with the first reading after it (the last one it was buffered with at the end)."""
    times: list[datetime] = []
    buffered = 0
    for reading in readings:
        if reading.phase in silent_phases:
            buffered += 1
            continue
        times += [reading.time] * (buffered + 1)
        buffered = 0
    if buffered:
        times += [readings[-1].time] * buffered
    return times


def native_reading(reading: SimReading, *, unix_time: bool = False) -> dict[str, Any]:
    """A reading in the tracker's native JSON format (SPEC §3): ISO 8601 time, or Unix seconds in batches."""
    moment = reading.time.astimezone(UTC)
    body: dict[str, Any] = {"ts": _unix(moment) if unix_time else moment.isoformat().replace("+00:00", "Z"),
                            "seq": reading.seq, "temp": reading.temp_c}
    if reading.shock_g is not None:
        body["shock_g"] = reading.shock_g
    body.update(battery=reading.battery, lat=reading.lat, lon=reading.lon)
    return body


def status_payload(battery: float | None) -> bytes:
    """The retained status a logger publishes when it connects."""
    return _encode({"state": "online", "battery": battery, "firmware": FIRMWARE})


def run_simulation(broker: BrokerAddress, options: SimulationOptions, *, progress: Progress | None = None,
                   stop: threading.Event | None = None) -> SimulationSummary:
    """Connect every logger, publish its journey (paced by `speed`), and return what was acknowledged."""
    if not options.loggers or len(set(options.loggers)) != len(options.loggers):
        raise ValueError("give each logger to simulate once")
    if options.speed is not None and options.speed < 0:
        raise ValueError("speed must not be negative")
    phases = journey_for(options)
    silent = {phase.name for phase in phases if phase.silent}
    trips = [Trip(logger_id, options.secrets.get(logger_id), logger_readings(options, logger_id, phases),
                  frozenset(silent)) for logger_id in options.loggers]
    pace = _Pace(options.start, options.speed, time.monotonic())
    return _publish_trips(broker, trips, options.prefix, pace, progress, stop)


@dataclass(frozen=True)
class Trip:
    """One logger's readings to send (`run_trips`); those taken in its silent phases go in one batch after."""

    logger_id: str
    secret: str | None
    readings: list[SimReading]
    silent_phases: frozenset[str] = frozenset({"flight"})


def run_trips(broker: BrokerAddress, trips: Sequence[Trip], *, prefix: str, speed: float | None,
              now: datetime, stop: threading.Event | None = None) -> SimulationSummary:
    """Publish each logger's readings as a device would, never ahead of the wall clock: readings already
    due (the loggers were switched off a while) catch up at `speed` simulated seconds per real second,
    then each goes out when the clock reaches it."""
    if len({trip.logger_id for trip in trips}) != len(trips):
        raise ValueError("give each logger to simulate once")
    firsts = [trip.readings[0].time for trip in trips if trip.readings]
    pace = _Pace(min(firsts, default=now), speed, time.monotonic(), clock=now)
    return _publish_trips(broker, [trip for trip in trips if trip.readings], prefix, pace, None, stop)


def _publish_trips(broker: BrokerAddress, trips: Sequence[Trip], prefix: str, pace: _Pace,
                   progress: Progress | None, stop: threading.Event | None) -> SimulationSummary:
    plans = {trip.logger_id: plan_publications(trip.readings, set(trip.silent_phases)) for trip in trips}
    total = sum(len(trip.readings) for trip in trips)
    began = time.monotonic()
    with ExitStack() as cleanup:
        links = []
        for trip in trips:
            link = _LoggerLink(broker, trip.logger_id, trip.secret, prefix)
            cleanup.callback(link.close)
            link.connect(battery=trip.readings[0].battery)
            links.append(link)
        run = _Run(links, plans, replace(pace, began=time.monotonic()), total, progress)
        cleanup.callback(run.join)  # runs before the links close
        counts, stopped = run.follow(stop or threading.Event())
    return SimulationSummary(per_logger=counts, seconds=time.monotonic() - began, stopped=stopped)


def _backfill(buffered: list[SimReading], *, due: datetime) -> list[Publication]:
    publications = []
    for first in range(0, len(buffered), MAX_BATCH_READINGS):
        chunk = buffered[first:first + MAX_BATCH_READINGS]
        body = {"readings": [native_reading(reading, unix_time=True) for reading in chunk]}
        publications.append(Publication(due, _encode(body), len(chunk), chunk[-1].battery))
    return publications


def _unix(moment: datetime) -> int | float:
    seconds = round(moment.timestamp(), 3)
    return int(seconds) if seconds.is_integer() else seconds


def _encode(body: object) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class _Pace:
    """Maps simulated time to real time: `speed` simulated seconds per real second from `began`; with a
    `clock` (the wall-clock time at `began`), never before the wall clock reaches the simulated time."""

    start: datetime
    speed: float | None
    began: float
    clock: datetime | None = None

    def wait_until(self, due: datetime, halt: threading.Event) -> bool:
        """Sleep until `due` comes round in real time; False if halted meanwhile."""
        target = self.began + (due - self.start).total_seconds() / self.speed if self.speed else self.began
        if self.clock is not None:
            target = max(target, self.began + (due - self.clock).total_seconds())
        delay = target - time.monotonic()
        if delay > 0:
            return not halt.wait(delay)
        return not halt.is_set()


class _LoggerLink:
    """One logger's MQTT session: its own login, a retained last will, and its status on connect."""

    def __init__(self, broker: BrokerAddress, logger_id: str, secret: str | None, prefix: str) -> None:
        self.logger_id = logger_id
        self.broker = broker
        self.telemetry = telemetry_topic(prefix, logger_id)
        self.status = status_topic(prefix, logger_id)
        self.battery: float | None = None
        self._connack: queue.Queue[Any] = queue.Queue()
        self._status_sent: mqtt.MQTTMessageInfo | None = None
        self._started = False
        # The client id is the logger id: the broker admits a logger under no other (README, Mosquitto).
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=logger_id, protocol=mqtt.MQTTv311)
        self._has_secret = secret is not None
        if secret is not None:
            self.client.username_pw_set(logger_id, secret)
        if broker.tls:
            self.client.tls_set()
        # Retained, so a subscriber that arrives later still learns the logger went away (MQTT-3.1.2-17).
        self.client.will_set(self.status, OFFLINE, qos=1, retain=True)
        self.client.on_connect = self._on_connect

    def connect(self, *, battery: float) -> None:
        """Log in and publish the online status; SimulationError when the broker says no."""
        self.battery = battery
        try:
            self.client.connect(self.broker.host, self.broker.port, keepalive=30)
        except OSError as error:
            raise SimulationError(f"cannot reach the MQTT broker at {self.broker.host}:{self.broker.port}: "
                                  f"{error.strerror or error}") from None
        self.client.loop_start()
        self._started = True
        try:
            reason = self._connack.get(timeout=CONNECT_TIMEOUT_S)
        except queue.Empty:
            raise SimulationError(f"{self.logger_id}: no answer from the broker within "
                                  f"{CONNECT_TIMEOUT_S:.0f}s") from None
        if reason.is_failure:
            hint = "check its secret" if self._has_secret else "it has no secret, so it tried anonymously"
            raise SimulationError(f"the broker refused logger {self.logger_id}: {reason} ({hint})")
        if self._status_sent is not None:
            self._await(self._status_sent, "status")

    def publish(self, publication: Publication) -> None:
        """Publish one telemetry message at QoS 1 and wait for its PUBACK."""
        info = self.client.publish(self.telemetry, publication.payload, qos=1)
        self._await(info, "telemetry")
        self.battery = publication.battery

    def close(self) -> None:
        """Say goodbye (retained offline: the device was switched off), disconnect and stop the thread."""
        if not self._started:
            return
        if self.client.is_connected():
            try:
                self._await(self.client.publish(self.status, OFFLINE, qos=1, retain=True), "status")
            except SimulationError:
                pass  # the broker went away; its last will already says offline
        self.client.disconnect()
        self.client.loop_stop()
        self._started = False

    def _await(self, info: mqtt.MQTTMessageInfo, what: str) -> None:
        try:
            info.wait_for_publish(PUBACK_TIMEOUT_S)
        except (RuntimeError, ValueError) as error:
            raise SimulationError(f"{self.logger_id}: {what} not published: {error}") from None
        if not info.is_published():
            raise SimulationError(f"{self.logger_id}: the broker did not acknowledge a {what} message "
                                  f"within {PUBACK_TIMEOUT_S:.0f}s")

    def _on_connect(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any,
                    _properties: Any) -> None:
        if not reason.is_failure:
            # On every connect, as a device does: a reconnect also announces the logger again.
            self._status_sent = client.publish(self.status, status_payload(self.battery), qos=1, retain=True)
        self._connack.put(reason)


@dataclass(frozen=True)
class _Event:
    """What a worker tells the main thread: readings acknowledged, a failure, or that it has finished."""

    logger_id: str
    readings: int = 0
    error: str | None = None
    finished: bool = False


class _Run:
    """One publishing thread per logger; the calling thread follows them and reports progress."""

    def __init__(self, links: list[_LoggerLink], plans: dict[str, list[Publication]], pace: _Pace,
                 total: int, progress: Progress | None) -> None:
        self._events: queue.Queue[_Event] = queue.Queue()
        self._halt = threading.Event()
        self._total = total
        self._progress = progress
        self._loggers = [link.logger_id for link in links]
        self._threads = [threading.Thread(target=self._publish_all, args=(link, plans[link.logger_id], pace),
                                          name=f"sim-{link.logger_id}", daemon=True) for link in links]
        for thread in self._threads:
            thread.start()

    def follow(self, stop: threading.Event) -> tuple[dict[str, LoggerCount], bool]:
        """Count acknowledged readings until every worker has finished; raise the first failure."""
        counts = {logger_id: LoggerCount() for logger_id in self._loggers}
        done, finished, errors = 0, 0, []
        self._report(0)
        while finished < len(self._threads):
            if stop.is_set():
                self._halt.set()
            try:
                event = self._events.get(timeout=0.1)
            except queue.Empty:
                continue
            finished += event.finished
            if event.error:
                errors.append(event.error)
                self._halt.set()  # one logger failed: the others stop too, so the error surfaces now
            elif event.readings:
                before = counts[event.logger_id]
                counts[event.logger_id] = LoggerCount(before.messages + 1, before.readings + event.readings)
                done += event.readings
                self._report(done)
        if errors:
            raise SimulationError(errors[0])
        return counts, done < self._total

    def join(self) -> None:
        """Stop the workers (if still running) and wait for them."""
        self._halt.set()
        for thread in self._threads:
            thread.join()

    def _report(self, done: int) -> None:
        if self._progress is not None:
            self._progress(done, self._total)

    def _publish_all(self, link: _LoggerLink, plan: list[Publication], pace: _Pace) -> None:
        try:
            for publication in plan:
                if not pace.wait_until(publication.due, self._halt):
                    break
                link.publish(publication)
                self._events.put(_Event(link.logger_id, readings=publication.readings))
        except Exception as error:  # reported to the calling thread, which raises it
            self._events.put(_Event(link.logger_id, error=str(error) or repr(error)))
        finally:
            self._events.put(_Event(link.logger_id, finished=True))
