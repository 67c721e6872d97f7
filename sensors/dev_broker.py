"""An embedded MQTT broker for `logistics demo` on a machine without one. DEVELOPMENT ONLY.

It runs amqtt in a thread with anonymous access and keeps nothing on disk: in-flight QoS 1
messages are lost when a client reconnects, so no delivery guarantee holds. Tests of guarantees
and every real deployment use Mosquitto (or another production broker).
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

log = logging.getLogger(__name__)


class DevelopmentBroker:
    """Start with `start()`, stop with `stop()`; listens on host:port until stopped."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="dev-broker", daemon=True)
        self._broker: Any = None

    def start(self, timeout: float = 10.0) -> None:
        for noisy in ("amqtt", "transitions"):  # they log every state change at INFO
            logging.getLogger(noisy).setLevel(logging.WARNING)
        self._thread.start()
        if not self._ready.wait(timeout) or self._failure is not None:
            raise RuntimeError(f"the development broker did not start: {self._failure}")
        log.warning("DEVELOPMENT-ONLY embedded MQTT broker on %s:%s: no persistence, no delivery "
                    "guarantee; use Mosquitto for anything real", self.host, self.port)

    def stop(self) -> None:
        if self._broker is not None:
            asyncio.run_coroutine_threadsafe(self._broker.shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        from amqtt.broker import Broker

        asyncio.set_event_loop(self._loop)
        config = {
            "listeners": {"default": {"type": "tcp", "bind": f"{self.host}:{self.port}"}},
            "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
        }
        try:
            self._broker = Broker(config, loop=self._loop)
            self._loop.run_until_complete(self._broker.start())
        except BaseException as error:  # reported to start(), which raises it in the caller
            self._failure = error
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()
