"""A throw-away Mosquitto for benchmarks: in memory, with room to queue everything; anonymous unless told
what to load for access control."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path


class BenchBroker:
    """`access` holds the mosquitto.conf lines for access control, with {dir} for the folder where `files`
    (name -> text) are written."""

    def __init__(self, inflight: int = 20, *, access: str = "allow_anonymous true\n",
                 files: Mapping[str, str] | None = None) -> None:
        binary = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not Path(binary).exists():
            raise SystemExit("mosquitto is not installed (apt-get install mosquitto)")
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.host = "127.0.0.1"
        self._dir = tempfile.TemporaryDirectory()
        folder = Path(self._dir.name)
        for name, text in (files or {}).items():
            (folder / name).write_text(text, encoding="utf-8")
        config = folder / "mosquitto.conf"
        config.write_text(f"listener {self.port} 127.0.0.1\n{access.format(dir=folder)}persistence false\n"
                          f"max_queued_messages 0\nmax_inflight_messages {inflight}\nuser root\n")
        self._process = subprocess.Popen([binary, "-c", str(config)], stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection((self.host, self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("mosquitto did not start")

    @property
    def pid(self) -> int:
        return self._process.pid

    def pause(self) -> None:
        """Stop the broker (SIGSTOP): clients that connect meanwhile wait in its listening socket's
        accept queue, their CONNECT sent, until `resume`."""
        self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._process.send_signal(signal.SIGCONT)

    def waiting_connections(self) -> int:
        """Connections the kernel has accepted that the broker has not yet taken (Linux /proc/net/tcp:
        a listening socket's rx_queue is its accept queue)."""
        local = f"0100007F:{self.port:04X}"
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[1] == local and fields[3] == "0A":  # 0A: LISTEN
                return int(fields[4].split(":")[1], 16)
        return 0

    def close(self) -> None:
        self.resume()  # a stopped process would not act on SIGTERM
        self._process.terminate()
        self._process.wait(10)
        self._dir.cleanup()
