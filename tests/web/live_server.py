"""`logistics web` or `serve` (waitress, several threads) as a real process over a test's database, for
tests that need a real server: requests running at the same time, or a browser."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import requests

SECRET_KEY = "live-server-test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def web_server(database_url: str, *, command_name: str = "web", **settings: str) -> Iterator[str]:
    """The base URL of `logistics web` (or `serve`) on `database_url`, these further settings and a free
    port; stopped afterwards."""
    port = free_port()
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
    environ.update(LOGISTICS_DATABASE_URL=database_url, LOGISTICS_SECRET_KEY=SECRET_KEY)
    environ.update({f"LOGISTICS_{name.upper()}": value for name, value in settings.items()})
    command = [str(Path(sys.executable).parent / "logistics"), command_name, "--port", str(port)]
    # Its console goes to a file, not a pipe: nobody reads a pipe while the test runs, and once its 64 KiB
    # are full of request lines every thread of the server that logs would wait for a reader.
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as console:
        process = subprocess.Popen(command, env=environ, stdout=console, stderr=subprocess.STDOUT, text=True)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_healthy(url, process, console)
            yield url
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_until_healthy(url: str, process: subprocess.Popen[str], console: IO[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            console.seek(0)
            raise RuntimeError(f"server exited: {console.read()}")
        try:
            if requests.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    raise RuntimeError("the web server did not become healthy within 60 s")


def form_session(url: str, path: str = "/login") -> tuple[requests.Session, str]:
    """A browser-like session holding a cookie and the CSRF token of the form at `path`."""
    http = requests.Session()
    return http, csrf_token_of(http, f"{url}{path}")


def csrf_token_of(http: requests.Session, page_url: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', http.get(page_url, timeout=30).text)
    assert match, f"no CSRF token on {page_url}"
    return match.group(1)
