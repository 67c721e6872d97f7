"""A private Mosquitto for integration tests: its own config, a free loopback port, start, stop and restart.

    files = broker_credentials(logger_ids=["LG-A"])          # secrets, and the broker files that admit them
    broker = PrivateBroker(tmp_path / "broker", dynamic_security_text=files.dynamic_security_text,
                           persistence_dir=tmp_path / "db")  # or None
    broker.start()              # waits until the port accepts connections
    broker.stop()               # SIGTERM: a clean shutdown, which saves persistence
    broker.stop(kill=True)      # SIGKILL: a crash, nothing saved since the last autosave
    broker.start()              # the same port, config and persistence directory again
    broker.restart(kill=False)  # stop, then start

Access control comes from one of: `include_dir`, a folder written by `logistics broker-config`, included
as an operator's mosquitto.conf does; `dynamic_security_text`, the dynamic security plugin's file alone;
or `password_file_text` with `acl_file_text`, Mosquitto's older mechanism, which tests of delivery (not
of access control) may still use. Use it as a context manager, or through the `start_broker` fixture in
conftest.py, so that the process is always stopped.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO

import pytest

from logistics.core import dynsec, mosquitto

HOST = "127.0.0.1"
CANDIDATE_BINARIES = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto")
CANDIDATE_PLUGINS = ("/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so",
                     "/usr/lib/aarch64-linux-gnu/mosquitto_dynamic_security.so",
                     "/usr/lib/mosquitto_dynamic_security.so", "/usr/local/lib/mosquitto_dynamic_security.so")
READY_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0


class BrokerError(RuntimeError):
    """The private broker did not start or stop as expected."""


def find_mosquitto() -> str | None:
    """Return the path of the mosquitto broker binary, or None when it is not installed."""
    for candidate in CANDIDATE_BINARIES:
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("mosquitto")


def require_binary(path: str | None, what: str) -> str:
    """Return the binary's path; skip the test when it is missing, or fail when the CI variable is set."""
    if path is not None:
        return path
    reason = f"{what} is not installed (apt-get install mosquitto)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI is set, so this is a failure, not a skip")
    pytest.skip(reason)


def find_dynamic_security_plugin() -> str | None:
    """Return the path of Mosquitto's dynamic security plugin, or None when it is not installed."""
    return next((path for path in CANDIDATE_PLUGINS if os.path.isfile(path)), None)


def require_mosquitto() -> str:
    """Return the mosquitto binary, skipping (or failing under CI) when it is missing."""
    return require_binary(find_mosquitto(), "the mosquitto broker")


def free_port() -> int:
    """Return a loopback TCP port that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def port_accepts_connections(port: int) -> bool:
    """Whether a TCP connection to the loopback port succeeds."""
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


class PrivateBroker:
    """One Mosquitto process with its own config file in `workdir`, on a fixed loopback port.

    `extra_config` is appended to the generated mosquitto.conf, e.g. "max_queued_messages 200000\n".
    """

    def __init__(
        self,
        workdir: Path,
        *,
        include_dir: Path | None = None,
        dynamic_security_text: str | None = None,
        password_file_text: str | None = None,
        acl_file_text: str | None = None,
        port: int | None = None,
        persistence_dir: Path | None = None,
        extra_config: str = "",
        binary: str | None = None,
    ) -> None:
        self.workdir = workdir
        self.port = port if port is not None else free_port()
        self.persistence_dir = persistence_dir
        self.extra_config = extra_config
        self.binary = binary or require_mosquitto()
        self.config_path = workdir / "mosquitto.conf"
        self.log_path = workdir / "mosquitto.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._stderr: IO[bytes] | None = None
        workdir.mkdir(parents=True, exist_ok=True)
        self._security = self._security_lines(include_dir, dynamic_security_text, password_file_text,
                                              acl_file_text)
        self.config_path.write_text(self._config_text(), encoding="utf-8")

    @property
    def host(self) -> str:
        """The loopback address the broker listens on."""
        return HOST

    @property
    def running(self) -> bool:
        """Whether the broker process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the broker and wait until its port accepts connections."""
        if self.running:
            raise BrokerError("the broker is already running")
        self._stderr = (self.workdir / "stderr.log").open("ab")
        self._process = subprocess.Popen(
            [self.binary, "-c", str(self.config_path)],
            stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr,
        )
        self._wait_until_ready()

    def stop(self, *, kill: bool = False) -> None:
        """Stop the broker: SIGTERM saves persistence and exits cleanly, kill=True simulates a crash."""
        process, self._process = self._process, None
        try:
            if process is not None:
                _end(process, signal.SIGKILL if kill else signal.SIGTERM)
        finally:
            if self._stderr is not None:
                self._stderr.close()
                self._stderr = None

    def reload(self) -> None:
        """Send SIGHUP, as `systemctl reload mosquitto` does; wait until the broker has reread its config."""
        if self._process is None or not self.running:
            raise BrokerError("the broker is not running")
        done = self.log_text().count("Reloading config")
        self._process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + READY_TIMEOUT
        while self.log_text().count("Reloading config") <= done:
            if time.monotonic() > deadline:
                raise BrokerError(f"mosquitto did not reload within {READY_TIMEOUT}s:\n{self.log_text()}")
            time.sleep(0.05)

    def restart(self, *, kill: bool = False) -> None:
        """Stop the broker and start it again on the same port with the same config."""
        self.stop(kill=kill)
        self.start()

    def log_text(self) -> str:
        """The broker's log and anything it wrote to stdout/stderr, for failure messages."""
        texts = [path.read_text(encoding="utf-8", errors="replace")
                 for path in (self.log_path, self.workdir / "stderr.log") if path.exists()]
        return "\n".join(texts)

    def __enter__(self) -> PrivateBroker:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if not self.running:
                self.stop()
                raise BrokerError(f"mosquitto exited during start-up:\n{self.log_text()}")
            if port_accepts_connections(self.port):
                return
            time.sleep(0.05)
        self.stop()
        raise BrokerError(f"mosquitto did not listen on port {self.port} within {READY_TIMEOUT}s:\n"
                          f"{self.log_text()}")

    def _security_lines(self, include_dir: Path | None, dynamic_security_text: str | None,
                        password_file_text: str | None, acl_file_text: str | None) -> list[str]:
        """Write the access-control files; return the mosquitto.conf lines that load them."""
        given = [include_dir, dynamic_security_text, password_file_text or acl_file_text]
        if sum(value is not None for value in given) != 1:
            raise BrokerError("give one of include_dir, dynamic_security_text, or a password file and ACL")
        if include_dir is not None:
            return [f"include_dir {include_dir}"]
        if dynamic_security_text is not None:
            plugin = require_binary(find_dynamic_security_plugin(), "the dynamic security plugin")
            self.dynamic_security_path.write_text(dynamic_security_text, encoding="utf-8")
            return [f"plugin {plugin}", f"plugin_opt_config_file {self.dynamic_security_path}"]
        if password_file_text is None or acl_file_text is None:
            raise BrokerError("give both password_file_text and acl_file_text")
        (self.workdir / "passwords").write_text(password_file_text, encoding="utf-8")
        (self.workdir / "acl").write_text(acl_file_text, encoding="utf-8")
        return [f"password_file {self.workdir / 'passwords'}", f"acl_file {self.workdir / 'acl'}"]

    @property
    def dynamic_security_path(self) -> Path:
        """The plugin's file; rewrite it and restart the broker to change who may do what."""
        return self.workdir / "dynamic-security.json"

    def _config_text(self) -> str:
        lines = [
            *self._security,  # first: an included logistics.conf's persistence lines are overridden below
            f"listener {self.port} {HOST}",
            "allow_anonymous false",
            f"log_dest file {self.log_path}",
            "log_type all",
            *self._persistence_lines(),
        ]
        # Started as root, mosquitto switches to the `mosquitto` user, which cannot read pytest's tmp dir.
        if os.geteuid() == 0:
            lines.append("user root")
        # Extra lines come last: global options (max_queued_messages, ...) may follow the listener.
        lines.extend(self.extra_config.splitlines())
        return "".join(f"{line}\n" for line in lines)

    def _persistence_lines(self) -> list[str]:
        if self.persistence_dir is None:
            return ["persistence false"]
        self.persistence_dir.mkdir(parents=True, exist_ok=True)
        # mosquitto.conf(5): persistence_location is joined to the file name as given, so it ends in a slash.
        return ["persistence true", f"persistence_location {self.persistence_dir}{os.sep}"]


StartBroker = Callable[..., PrivateBroker]  # the type of the start_broker fixture in conftest.py


def _end(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    if process.poll() is None:
        process.send_signal(sig)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)
        raise BrokerError(f"mosquitto did not stop within {STOP_TIMEOUT}s of {sig.name}") from None


@dataclass(frozen=True)
class BrokerCredentials:
    """Fresh secrets for some loggers and the ingest user, and the broker files that admit them: the
    dynamic security plugin's (what broker-config writes) and the older password file and ACL."""

    secrets: dict[str, str]
    dynamic_security_text: str
    password_file_text: str
    acl_file_text: str


def broker_credentials(*, logger_ids: list[str], ingest_user: str = "ingest", prefix: str = "coldchain",
                       shared_group: str | None = "ingest") -> BrokerCredentials:
    """Make a secret per user and the broker files that admit them, as logistics broker-config would."""
    users = [*logger_ids, ingest_user]
    user_secrets = {user: mosquitto.new_secret() for user in users}
    hashes = {user: mosquitto.hash_secret(secret) for user, secret in user_secrets.items()}
    ingest = dynsec.IngestAccount(ingest_user, hashes[ingest_user], shared_group)
    return BrokerCredentials(
        secrets=user_secrets,
        dynamic_security_text=dynsec.dynamic_security_file(
            loggers=[(code, hashes[code]) for code in logger_ids], ingest=ingest, prefix=prefix),
        password_file_text=mosquitto.password_file(hashes.items()),
        acl_file_text=mosquitto.acl_file(logger_ids=logger_ids, ingest_user=ingest_user, prefix=prefix),
    )
