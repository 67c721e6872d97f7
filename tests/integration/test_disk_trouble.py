"""The database's disk full, or the database read-only: the ingest acknowledges nothing it could not store,
says why, and stores every reading exactly once when the disk is usable again. The full disk is a real (small)
tmpfs filled under SQLite's feet; the read-only database is PostgreSQL refusing every write."""

from __future__ import annotations

import dataclasses
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest

from logistics.app import build_runtime, open_telemetry_store
from logistics.db import migrate
from tests.conftest import _sqlite_copy, pg_read_only, settings_for
from tests.integration.test_database_away import one_logger, stored
from tests.integration.test_ingest_acks import running, wait_until


@contextmanager
def small_disk(folder: Path, size: str = "8m") -> Iterator[Path]:
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        reason = f"cannot mount a small file system here (needs root): {mounted.stderr.strip()}"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "--lazy", str(folder)], check=True)


def fill(folder: Path) -> Path:
    """Take every free byte of the file system, as a runaway log would."""
    filler = folder / "filler"
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        for chunk in (65536, 1):  # then the last partial block
            try:
                while os.write(descriptor, b"\0" * chunk):
                    pass
            except OSError:  # ENOSPC: full
                pass
    finally:
        os.close(descriptor)
    return filler


def ingest_through_trouble(runtime, start_broker, make_probe, make_trouble, end_trouble, said: str) -> None:
    """Store 10 readings; make trouble; send 40 more: none acknowledged, the reason said; end it: all 50."""
    logger = one_logger(runtime, start_broker, make_probe)
    quick = dataclasses.replace(runtime.settings, sqlite_busy_timeout_ms=200)
    now = datetime.now(UTC).replace(microsecond=0)
    with running(logger.broker, logger.ingest_secret, partial(open_telemetry_store, quick)) as ingest:
        logger.publish(range(10), now)
        assert wait_until(lambda: ingest.counters.messages == 10)
        make_trouble()
        logger.publish(range(10, 50), now)
        assert wait_until(lambda: ingest.counters.store_failures >= 2, timeout=20), ingest.counters
        assert ingest.counters.messages == 10, "acknowledged what could not be stored"
        assert said in (ingest.counters.last_failure or ""), ingest.counters.last_failure
        end_trouble()
        assert wait_until(lambda: ingest.counters.messages == 50, timeout=30), ingest.counters
    runtime.engine.dispose()
    assert stored(runtime) == 50 and ingest.counters.duplicates == 0


def test_a_full_disk_holds_the_acknowledgements_back(start_broker, make_probe, sqlite_templates, tmp_path):
    with small_disk(tmp_path / "disk") as disk:
        runtime = build_runtime(settings_for(_sqlite_copy(sqlite_templates, "empty", disk)))
        try:
            ingest_through_trouble(runtime, start_broker, make_probe, make_trouble=partial(fill, disk),
                                   end_trouble=(disk / "filler").unlink, said="database or disk is full")
        finally:
            runtime.close()


def test_a_read_only_database_holds_the_acknowledgements_back(start_broker, make_probe, pg_database):
    """As a hot standby is after a fail-over that went wrong: connections work, every write is refused."""
    runtime = build_runtime(settings_for(pg_database))
    migrate.upgrade(runtime.engine)
    try:
        ingest_through_trouble(runtime, start_broker, make_probe,
                               make_trouble=partial(pg_read_only, pg_database, True),
                               end_trouble=partial(pg_read_only, pg_database, False),
                               said="read-only transaction")
    finally:
        runtime.close()
