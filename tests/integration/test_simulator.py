"""The logger simulator against a real Mosquitto: each reading arrives once, the flight as one backfill.

Fencing: each simulated logger's last message is its retained `offline` goodbye on the status topic. Mosquitto
forwards one client's messages to a subscriber in the order it received them, so once both goodbyes have
arrived, every telemetry message the loggers published has arrived too.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from logistics.cli.simulate import default_start, simulate
from sensors.journey import SimReading, default_journey, journey_duration
from sensors.simulator import (
    SimulationError,
    SimulationOptions,
    Trip,
    journey_for,
    logger_readings,
    native_reading,
    plan_publications,
    run_simulation,
    run_trips,
    upload_times,
)
from sensors.topics import BrokerAddress
from tests.integration.conftest import MakeProbe, StartBroker
from tests.integration.mosquitto_helpers import BrokerCredentials, PrivateBroker, broker_credentials
from tests.integration.mqtt_probe import GRANTED_QOS_1, SUCCESS, MqttProbe, Received

LOGGERS = ["LG-SIM-1", "LG-SIM-2"]
START = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
INTERVAL_S = 600.0
CUSTOMS_HOURS = 2.0
TELEMETRY = "coldchain/loggers/+/telemetry"
STATUS = "coldchain/loggers/+/status"


@pytest.fixture
def credentials() -> BrokerCredentials:
    return broker_credentials(logger_ids=LOGGERS, ingest_user="ingest")


@pytest.fixture
def broker(start_broker: StartBroker, credentials: BrokerCredentials) -> PrivateBroker:
    return start_broker(dynamic_security_text=credentials.dynamic_security_text)


@pytest.fixture
def address(broker: PrivateBroker) -> BrokerAddress:
    return BrokerAddress(host=broker.host, port=broker.port, username=None, password=None, tls=False)


@pytest.fixture
def listen(broker: PrivateBroker, credentials: BrokerCredentials, make_probe: MakeProbe):
    """Return listen(name): a probe logged in as the ingest user, subscribed to telemetry and status."""

    def connect(name: str = "test-ingest") -> MqttProbe:
        probe = make_probe(broker, name, username="ingest", password=credentials.secrets["ingest"])
        assert probe.connect() == SUCCESS, broker.log_text()
        assert probe.subscribe(TELEMETRY, STATUS) == [GRANTED_QOS_1, GRANTED_QOS_1]
        return probe

    return connect


def options_for(credentials: BrokerCredentials, **changes: object) -> SimulationOptions:
    values: dict[str, object] = {
        "loggers": list(LOGGERS), "secrets": credentials.secrets, "interval_s": INTERVAL_S, "speed": None,
        "start": START, "seed": 3, "customs_hours": CUSTOMS_HOURS, **changes}
    return SimulationOptions(**values)  # type: ignore[arg-type]


def until_goodbyes(probe: MqttProbe, loggers: list[str]) -> list[Received]:
    """Every message up to the last logger's retained `offline` goodbye."""
    waiting = {f"coldchain/loggers/{logger_id}/status" for logger_id in loggers}
    seen: list[Received] = []
    while waiting:
        message = probe.next_message()
        seen.append(message)
        if message.payload == b"offline":
            waiting.discard(message.topic)
    return seen


def telemetry_of(messages: list[Received], logger_id: str) -> list[dict[str, Any]]:
    return [json.loads(message.payload) for message in messages
            if message.topic == f"coldchain/loggers/{logger_id}/telemetry"]


def flight_window() -> tuple[datetime, datetime]:
    elapsed = START
    for phase in default_journey(customs_hours=CUSTOMS_HOURS):
        end = elapsed + timedelta(hours=phase.hours)
        if phase.silent:
            return elapsed, end
        elapsed = end
    raise AssertionError("the default journey has a flight")


def expected_reading_count() -> int:
    length = journey_duration(default_journey(customs_hours=CUSTOMS_HOURS)).total_seconds()
    return int(length // INTERVAL_S) + 1


def test_every_reading_arrives_exactly_once_and_the_flight_as_one_batch(listen, address, credentials):
    subscriber = listen()

    summary = run_simulation(address, options_for(credentials))

    messages = until_goodbyes(subscriber, LOGGERS)
    takeoff, landing = flight_window()
    for logger_id in LOGGERS:
        bodies = telemetry_of(messages, logger_id)
        batches = [body["readings"] for body in bodies if "readings" in body]
        singles = [body for body in bodies if "readings" not in body]
        sequence = [reading["seq"] for batch in batches for reading in batch]
        sequence += [body["seq"] for body in singles]
        assert sorted(sequence) == list(range(1, expected_reading_count() + 1))  # all there, none twice
        assert len(batches) == 1
        backfill_times = [datetime.fromtimestamp(reading["ts"], UTC) for reading in batches[0]]
        assert backfill_times and all(takeoff <= moment < landing for moment in backfill_times)
        single_times = [datetime.fromisoformat(body["ts"]) for body in singles]
        assert not any(takeoff <= moment < landing for moment in single_times)
        assert all(isinstance(body["ts"], str) and body["ts"].endswith("Z") for body in singles)
        assert summary.per_logger[logger_id].readings == len(sequence)
        assert summary.per_logger[logger_id].messages == len(bodies)
    assert not summary.stopped


def test_the_retained_status_is_online_while_connected_and_offline_after(listen, address, credentials):
    seen_while_running: dict[str, bytes] = {}

    def look_at_retained_status(done: int, total: int) -> None:
        if done == 0:  # called once every logger is connected, before any reading is published
            late_joiner = listen("test-late-joiner")  # retained messages are sent on subscribe (MQTT-3.3.1-6)
            for message in (late_joiner.next_message(), late_joiner.next_message()):
                seen_while_running[message.topic] = message.payload

    run_simulation(address, options_for(credentials), progress=look_at_retained_status)

    for logger_id in LOGGERS:
        status = json.loads(seen_while_running[f"coldchain/loggers/{logger_id}/status"])
        assert status["state"] == "online" and status["firmware"] == "sim-1.0"
        assert 90.0 < status["battery"] <= 100.0
    afterwards = listen("test-afterwards")
    assert {afterwards.next_message().payload for _ in LOGGERS} == {b"offline"}


def test_progress_counts_up_to_every_reading(listen, address, credentials):
    calls: list[tuple[int, int]] = []

    summary = run_simulation(address, options_for(credentials, loggers=["LG-SIM-1"]),
                             progress=lambda done, total: calls.append((done, total)))

    assert calls[0] == (0, expected_reading_count())
    assert calls[-1] == (expected_reading_count(), expected_reading_count()) == (summary.readings,) * 2
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_speed_paces_the_journey_in_real_time(address, credentials):
    length = journey_duration(default_journey(customs_hours=0.0)).total_seconds()

    summary = run_simulation(address, options_for(credentials, loggers=["LG-SIM-1"], customs_hours=0.0,
                                                  speed=length / 1.0))

    assert 0.9 <= summary.seconds < 5.0


def test_setting_stop_ends_the_run_early(address, credentials):
    stop = threading.Event()

    def stop_soon(done: int, total: int) -> None:
        if done >= 10:
            stop.set()

    summary = run_simulation(address, options_for(credentials, speed=3600.0 * 6), progress=stop_soon,
                             stop=stop)

    assert summary.stopped
    assert 10 <= summary.readings < 2 * expected_reading_count()


def test_a_wrong_secret_is_refused_with_a_clear_error(address, credentials):
    wrong = {**credentials.secrets, "LG-SIM-2": "not-the-secret"}

    with pytest.raises(SimulationError, match="refused logger LG-SIM-2"):
        run_simulation(address, options_for(credentials, secrets=wrong))


def test_an_unreachable_broker_is_a_clear_error(credentials, broker):
    broker.stop()

    with pytest.raises(SimulationError, match="cannot reach the MQTT broker"):
        run_simulation(BrokerAddress(broker.host, broker.port, None, None, False), options_for(credentials))


def reading_at(moment: datetime, seq: int, phase: str = "courier") -> SimReading:
    return SimReading(time=moment, temp_c=5.0, shock_g=None, battery=90.0, lat=13.7, lon=100.5, seq=seq,
                      phase=phase)


def test_trips_send_what_is_overdue_at_once_and_the_rest_when_the_clock_reaches_it(listen, address,
                                                                                   credentials):
    subscriber = listen()
    now = datetime.now(UTC).replace(microsecond=0)
    on_the_road = [reading_at(now - timedelta(minutes=10), 1), reading_at(now - timedelta(minutes=5), 2),
                   reading_at(now + timedelta(hours=1), 3)]  # taken an hour from now
    minutes = timedelta(minutes=1)
    landed = [reading_at(now - 20 * minutes, 1, "flight"),  # sent in one batch on landing
              reading_at(now - 15 * minutes, 2, "flight"), reading_at(now - 10 * minutes, 3)]
    trips = [Trip("LG-SIM-1", credentials.secrets["LG-SIM-1"], on_the_road),
             Trip("LG-SIM-2", credentials.secrets["LG-SIM-2"], landed)]
    stop, outcome = threading.Event(), {}
    worker = threading.Thread(target=lambda: outcome.update(summary=run_trips(
        address, trips, prefix="coldchain", speed=None, now=now, stop=stop)))
    worker.start()
    bodies: dict[str, list[dict[str, Any]]] = {"LG-SIM-1": [], "LG-SIM-2": []}
    while len(bodies["LG-SIM-1"]) < 2 or len(bodies["LG-SIM-2"]) < 2:
        message = subscriber.next_message()
        if message.topic.endswith("/telemetry"):
            bodies[message.topic.split("/")[2]].append(json.loads(message.payload))
    stop.set()
    worker.join(timeout=30)

    summary = outcome["summary"]
    assert summary.stopped and summary.per_logger["LG-SIM-1"].readings == 2  # the next one waits an hour
    assert [body["seq"] for body in bodies["LG-SIM-1"]] == [1, 2]
    assert [len(body.get("readings", [body])) for body in bodies["LG-SIM-2"]] == [2, 1]


# --- the pure parts of the publisher ---

def test_readings_in_flight_mode_are_planned_as_one_batch_sent_on_landing():
    rows = default_rows()
    plan = plan_publications(rows, {"flight"})

    batches = [publication for publication in plan if publication.readings > 1]
    assert len(batches) == 1 and len(plan) == len(rows) - batches[0].readings + 1
    first_after_flight = next(row for row in rows if row.phase == "tarmac" and row.time > flight_window()[0])
    assert batches[0].due == first_after_flight.time
    assert [publication.due for publication in plan] == sorted(publication.due for publication in plan)


def test_readings_taken_in_flight_reach_the_broker_with_the_first_one_after():
    rows = default_rows()
    sent = upload_times(rows, {"flight"})
    by_publication = [publication.due for publication in plan_publications(rows, {"flight"})
                      for _ in range(publication.readings)]
    assert sent == by_publication


def test_a_native_reading_has_the_wire_format():
    row = next(row for row in default_rows() if row.shock_g is not None)

    single = native_reading(row)
    batched = native_reading(row, unix_time=True)

    assert list(single) == ["ts", "seq", "temp", "shock_g", "battery", "lat", "lon"]
    assert datetime.fromisoformat(single["ts"]) == row.time and single["ts"].endswith("Z")
    assert batched["ts"] == int(row.time.timestamp())
    assert "shock_g" not in native_reading(default_rows()[0])


def default_rows() -> list[SimReading]:
    options = SimulationOptions(loggers=["LG-SIM-1"], interval_s=INTERVAL_S, start=START,
                                customs_hours=CUSTOMS_HOURS)
    return logger_readings(options, "LG-SIM-1", journey_for(options))


# --- the command line ---

def invoke(arguments: list[str], broker: PrivateBroker | None, tmp_path: Path):
    env = {"LOGISTICS_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.db'}",
           "LOGISTICS_MQTT_URL": f"mqtt://127.0.0.1:{broker.port if broker else 1}",
           "LOGISTICS_CONFIG_DIR": str(tmp_path)}
    return CliRunner().invoke(simulate, arguments, env=env, prog_name="logistics simulate")


def write_credentials(tmp_path: Path, secrets: object) -> str:
    path = tmp_path / "credentials.json"
    path.write_text(json.dumps(secrets), encoding="utf-8")
    return str(path)


def test_the_command_publishes_a_journey_and_prints_a_summary(broker, credentials, listen, tmp_path):
    subscriber = listen()
    arguments = ["--loggers", "2", "--credentials", write_credentials(tmp_path, credentials.secrets),
                 "--speed", "0", "--interval", "600", "--customs-hours", "2", "--excursion", "--shock"]

    result = invoke(arguments, broker, tmp_path)

    assert result.exit_code == 0, result.output
    summary = result.output.strip().splitlines()[-1]
    assert summary.startswith(f"published {2 * expected_reading_count()} readings")
    received = until_goodbyes(subscriber, LOGGERS)
    per_logger = Counter(message.topic.split("/")[2] for message in received if "telemetry" in message.topic)
    assert per_logger.keys() == set(LOGGERS)


def test_help_explains_every_option(tmp_path):
    result = invoke(["--help"], None, tmp_path)

    assert result.exit_code == 0
    for option in ("--logger ID", "--loggers N", "--credentials FILE", "--profile", "--interval", "--speed",
                   "--start TIME", "--via", "--customs-hours", "--excursion", "--shock", "--seed"):
        assert option in result.output


@pytest.mark.parametrize(("arguments", "message"), [
    (["--profile", "tepid"], "'tepid' is not one of"),
    (["--credentials", "/nonexistent/credentials.json"], "cannot read"),
    (["--start", "yesterday"], "is not an ISO 8601 time"),
])
def test_bad_input_is_a_one_line_usage_error(arguments, message, tmp_path):
    result = invoke(arguments, None, tmp_path)

    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_a_credentials_file_that_is_not_an_object_is_refused(tmp_path):
    result = invoke(["--credentials", write_credentials(tmp_path, ["LG-SIM-1"])], None, tmp_path)

    assert result.exit_code == 2 and "must hold one JSON object" in result.output


def test_a_refused_login_is_a_one_line_error(broker, tmp_path):
    arguments = ["--credentials", write_credentials(tmp_path, {"LG-SIM-1": "wrong"}), "--speed", "0"]

    result = invoke(arguments, broker, tmp_path)

    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "refused logger LG-SIM-1" in errors[0]
    assert isinstance(result.exception, SystemExit)


def test_the_default_start_makes_the_journey_end_as_the_command_finishes():
    now = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)
    length = journey_duration(default_journey())

    assert default_start(via="HKG", customs_hours=24.0, speed=0, now=now) == now - length
    assert default_start(via="HKG", customs_hours=24.0, speed=1, now=now) == now
    at_an_hour_a_second = default_start(via="HKG", customs_hours=24.0, speed=3600, now=now)
    assert abs(at_an_hour_a_second + length - (now + length / 3600)) < timedelta(seconds=1)
