"""Fixtures for tests against a real Mosquitto: private brokers and MQTT clients, always cleaned up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.integration.mosquitto_helpers import PrivateBroker, StartBroker, require_mosquitto
from tests.integration.mqtt_probe import MakeProbe, MqttProbe


@pytest.fixture
def start_broker(tmp_path: Path) -> Iterator[StartBroker]:
    """Return start(include_dir=...), start(dynamic_security_text=...) or start(password_file_text=...,
    acl_file_text=...), which starts a private broker (see PrivateBroker).

    Optional keywords: persistence_dir (None: persistence off), extra_config (appended mosquitto.conf
    lines) and name (its folder under tmp_path, default "broker"). Every broker started is stopped at
    teardown.
    """
    binary = require_mosquitto()
    with ExitStack() as cleanup:

        def start(*, include_dir: Path | None = None, dynamic_security_text: str | None = None,
                  password_file_text: str | None = None, acl_file_text: str | None = None,
                  persistence_dir: Path | None = None,
                  extra_config: str = "", name: str = "broker") -> PrivateBroker:
            broker = PrivateBroker(tmp_path / name, binary=binary, include_dir=include_dir,
                                   dynamic_security_text=dynamic_security_text,
                                   password_file_text=password_file_text, acl_file_text=acl_file_text,
                                   persistence_dir=persistence_dir, extra_config=extra_config)
            cleanup.callback(broker.stop)
            broker.start()
            return broker

        yield start


@pytest.fixture
def make_probe() -> Iterator[MakeProbe]:
    """Return make(broker, client_id, username=None, password=None): a probe, not yet connected.

    Every probe made is closed at teardown.
    """
    with ExitStack() as cleanup:

        def make(broker: PrivateBroker, client_id: str, *, username: str | None = None,
                 password: str | None = None) -> MqttProbe:
            probe = MqttProbe(broker.host, broker.port, client_id, username=username, password=password)
            cleanup.callback(probe.close)
            return probe

        yield make
