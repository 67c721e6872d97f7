"""Shared fixtures: real databases (a SQLite file and PostgreSQL), the runtime, the web app.

Building a database (migrate, load the demo with its Argon2 password hashes) costs about a
second, so each kind is built once per test session and copied for every test: a file copy
for SQLite, CREATE DATABASE ... TEMPLATE for PostgreSQL.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2 import profiles as argon2_profiles
from click.testing import CliRunner
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import inspect

from logistics.app import Runtime, build_runtime
from logistics.cli import common as cli_common
from logistics.cli import main
from logistics.db import migrate
from logistics.db.engine import unit_of_work
from logistics.services import demo, users
from logistics.services.audit import verify_audit_trail
from logistics.settings import Settings, load_settings

pytest_plugins = ["tests.local_receivers"]  # receiver (webhook) and mailbox (SMTP) fixtures

# These machines are shared and noisy: a property test is judged on its examples, not on how fast
# hypothesis managed to generate them.
hypothesis_settings.register_profile("shared-machine", deadline=None,
                                     suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("shared-machine")

# Argon2 at production cost takes about 0.2 s a hash and as long a check, and the tests sign in thousands
# of times: in the test processes, passwords are hashed at argon2-cffi's cheapest cost. A check reads its
# cost from the hash, so the users of the templates below check cheaply in a server process too. A real
# `logistics` process hashes at production cost: tests/cli/test_cli.py proves it.
PRODUCTION_HASHER = users._hasher
users._hasher = PasswordHasher.from_parameters(argon2_profiles.CHEAPEST)

PG_ADMIN_URL = os.environ.get("LOGISTICS_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
DEMO_PASSWORD = "coldchain-demo"
NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


def settings_for(database_url: str, **overrides: object) -> Settings:
    """Test settings: built-in defaults, this database, a fixed secret; no environment."""
    return load_settings(environ={}, overrides={"database_url": database_url,
                                                "secret_key": "test-secret", **overrides})


def password_at_production_cost(runtime: Runtime, username: str) -> None:
    """Hash the user's password (the demo's) again at production cost, for the tests of concurrent guesses:
    there, checks that take as long as in production overlap as they would in production."""
    cheap = users._hasher
    users._hasher = PRODUCTION_HASHER
    try:
        with unit_of_work(runtime.sessions, actor="admin", reason="production cost") as session:
            users.set_password(session, username, DEMO_PASSWORD)
    finally:
        users._hasher = cheap


def load_demo(runtime: Runtime, now: datetime = NOW) -> None:
    with unit_of_work(runtime.sessions, actor="demo", reason="demo data") as session:
        demo.load_demo(session, runtime.profiles, now=now)


def _prepare(url: str, fill: Callable[[Runtime], None] | None) -> None:
    built = build_runtime(settings_for(url))
    migrate.upgrade(built.engine)
    if fill:
        fill(built)
    built.close()


# --- The audit chain, checked on every test's database --------------------------------------
# Whatever a test did to its records, the audit trail it leaves must still verify; checked as each
# database is torn down, so a break is reported against the test that made it. Tests that break the
# chain on purpose say so with @pytest.mark.audit_tampered.

AUDIT_TALLY = {"databases": 0, "events": 0}


def check_audit_chain(request: pytest.FixtureRequest, runtime: Runtime) -> None:
    if request.node.get_closest_marker("audit_tampered"):
        return
    with runtime.sessions() as session:
        if not inspect(session.connection()).has_table("audit_events"):
            return  # a test of the schema itself, or of a database never set up
        events, broken = verify_audit_trail(session)
    if broken is not None:
        pytest.fail(f"the audit chain of this test's database is broken at event {broken.event_id}: "
                    f"{broken.problem}", pytrace=False)
    AUDIT_TALLY["databases"] += 1
    AUDIT_TALLY["events"] += events


def check_audit_chain_at(request: pytest.FixtureRequest, url: str) -> None:
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        return
    checking = build_runtime(settings_for(url))
    try:
        check_audit_chain(request, checking)
    finally:
        checking.close()


def pytest_sessionfinish(session: pytest.Session) -> None:
    worker_output = getattr(session.config, "workeroutput", None)  # set on a pytest-xdist worker
    if worker_output is not None:
        worker_output["audit_tally"] = dict(AUDIT_TALLY)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: object, error: object) -> None:
    """On the controller of a parallel run: add up what each worker verified."""
    tally = getattr(node, "workeroutput", {}).get("audit_tally", {})
    for key, value in tally.items():
        AUDIT_TALLY[key] += value


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    terminalreporter.write_line(f"audit chain verified in {AUDIT_TALLY['databases']} test databases "
                                f"({AUDIT_TALLY['events']} events)")


# --- PostgreSQL --------------------------------------------------------------------------

def _pg_admin():  # type: ignore[no-untyped-def]
    import psycopg

    try:
        return psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL must answer on CI ({PG_ADMIN_URL}): {error}")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}: {error}")


def _pg_url(name: str) -> str:
    base = re.sub(r"^postgresql:", "postgresql+psycopg:", PG_ADMIN_URL).rsplit("/", 1)[0]
    return f"{base}/{name}"


def _create_now(template: str) -> str:
    name = f"logistics_test_{uuid.uuid4().hex[:12]}"
    with _pg_admin() as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return name


def _drop_now(name: str) -> None:
    with _pg_admin() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Drops:
    """Drops databases on threads of their own: DROP DATABASE waits for a checkpoint of the whole server,
    up to seconds on a busy one, and no test needs to wait for it. Drops waiting at the same time share
    a checkpoint, hence several threads. `finish` waits for every drop.

    It also makes each test's database ahead: CREATE DATABASE waits for the server to copy its template
    to disk (a third of a second on a busy machine), so while a test runs, the next copy of the template
    it started from is made, and the next test that asks for one takes it."""

    def __init__(self) -> None:
        self._threads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="drop-database")
        self._pending: list[Future[None]] = []
        self._makers = ThreadPoolExecutor(max_workers=2, thread_name_prefix="create-database")
        self._ahead: dict[str, Future[str]] = {}  # template -> its next copy

    def create(self, template: str) -> str:
        made = self._ahead.pop(template, None)
        name = made.result() if made else _create_now(template)
        self._ahead[template] = self._makers.submit(_create_now, template)
        return name

    def __call__(self, name: str) -> None:
        if spare := self._ahead.pop(name, None):  # a template going: first its copy made ahead
            self._pending.append(self._threads.submit(_drop_now, spare.result()))
        self._pending.append(self._threads.submit(_drop_now, name))

    def finish(self) -> None:
        for template in list(self._ahead):
            self._pending.append(self._threads.submit(_drop_now, self._ahead.pop(template).result()))
        self._makers.shutdown(wait=True)
        self._threads.shutdown(wait=True)
        for drop in self._pending:
            drop.result()  # a drop that failed fails the session


@pytest.fixture(scope="session")
def pg_drops() -> Iterator[Drops]:
    drops = Drops()
    yield drops
    drops.finish()


@contextmanager
def _pg_database(template: str = "template0", *,
                 drop: Callable[[str], None] = _drop_now) -> Iterator[str]:
    name = drop.create(template) if isinstance(drop, Drops) else _create_now(template)
    try:
        yield _pg_url(name)
    finally:
        drop(name)


@contextmanager
def _pg_template(fill: Callable[[Runtime], None] | None, drop: Drops) -> Iterator[str]:
    with _pg_database(drop=drop) as url:
        _prepare(url, fill)
        yield url.rsplit("/", 1)[1]


@pytest.fixture(scope="session")
def pg_templates(pg_drops: Drops) -> Iterator[dict[str, str]]:
    with _pg_template(None, pg_drops) as empty, _pg_template(load_demo, pg_drops) as with_demo:
        yield {"empty": empty, "demo": with_demo}


@pytest.fixture(scope="session")
def pg_demo_today_template(pg_drops: Drops) -> Iterator[str]:
    """PostgreSQL with the demo scenario's records at the real time of the session (as demo_today_template
    below, for SQLite); made when a test first asks for it."""
    with _pg_template(partial(load_demo, now=datetime.now(UTC)), pg_drops) as name:
        yield name


@pytest.fixture
def pg_demo_today(request: pytest.FixtureRequest, pg_drops: Drops,
                  pg_demo_today_template: str) -> Iterator[str]:
    """A PostgreSQL database of the test's own holding the demo scenario's records, as `init --demo` loads
    them (without the past it records)."""
    with _pg_database(pg_demo_today_template, drop=pg_drops) as url:
        yield url
        check_audit_chain_at(request, url)


def pg_read_only(url: str, on: bool) -> None:
    """Make a database refuse every write, as a hot standby does, or accept them again; cut its sessions."""
    name = url.rsplit("/", 1)[1]
    with _pg_admin() as admin:
        admin.execute(f'ALTER DATABASE "{name}" SET default_transaction_read_only = {"on" if on else "off"}')
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))


@pytest.fixture
def pg_database(request: pytest.FixtureRequest, pg_drops: Drops) -> Iterator[str]:
    """An empty, unmigrated PostgreSQL database for one test."""
    with _pg_database(drop=pg_drops) as url:
        yield url
        check_audit_chain_at(request, url)


# --- Collection: the postgres marker, and the longest tests first ----------------------------

POSTGRES_FIXTURES = {"pg_database", "pg_demo_today", "pg_templates", "pg_drops"}
# The files whose tests take longest (each well over ten seconds on a 2-core machine, most of them real
# processes and brokers), longest first. They start first, so that in a parallel run no worker is left
# with one of them while the others have nothing more to do.
LONGEST_FIRST = (
    "tests/integration/test_scale_out.py",
    "tests/web/test_hostile_values.py",
    "tests/web/test_api_fuzz.py",
    "tests/integration/test_client_id_takeover.py",
    "tests/integration/test_end_to_end.py",
    "tests/integration/test_ingest_delivery.py",
    "tests/integration/test_scheduler_restart.py",
    "tests/integration/test_broker_config_command.py",
    "tests/cli/test_forecast.py",
    "tests/cli/test_telemetry.py",
    "tests/integration/test_retire_worker.py",
    "tests/web/test_sessions.py",
    "tests/outbound/test_backup.py",
    "tests/integration/test_demo_command.py",
    "tests/browser/test_demo_story.py",
    "tests/browser/test_screenshots.py",
    "tests/sensors/test_decode_fuzz.py",
)


def needs_postgres(item: pytest.Item) -> bool:
    """Whether a test uses a PostgreSQL fixture, or the "postgresql" kind of a database fixture."""
    callspec = getattr(item, "callspec", None)
    return bool(POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ()))) or (
        callspec is not None and "postgresql" in callspec.params.values())


def start_rank(item: pytest.Item) -> int:
    path = item.nodeid.split("::", 1)[0]
    return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if gone := [path for path in LONGEST_FIRST if not (config.rootpath / path).is_file()]:
        raise pytest.UsageError(f"tests/conftest.py: LONGEST_FIRST names files that are not there: {gone}")
    for item in items:
        if needs_postgres(item):
            item.add_marker(pytest.mark.postgres)
    items.sort(key=start_rank)  # stable: the rest keep their order


# --- SQLite ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("templates")
    templates = {"empty": folder / "empty.db", "demo": folder / "demo.db"}
    _prepare(f"sqlite:///{templates['empty']}", None)
    _prepare(f"sqlite:///{templates['demo']}", load_demo)  # closing checkpoints the WAL
    return templates


def _sqlite_copy(templates: dict[str, Path], kind: str, folder: Path) -> str:
    target = folder / "shipments.db"
    shutil.copyfile(templates[kind], target)
    return f"sqlite:///{target}"


# --- Runtimes ----------------------------------------------------------------------------

@contextmanager
def _runtime_on(request: pytest.FixtureRequest, kind: str, folder: Path) -> Iterator[Runtime]:
    if request.param == "sqlite":
        url = _sqlite_copy(request.getfixturevalue("sqlite_templates"), kind, folder)
        with _checked_runtime(request, url) as built:
            yield built
        return
    templates = request.getfixturevalue("pg_templates")
    with _pg_database(templates[kind], drop=request.getfixturevalue("pg_drops")) as url:
        with _checked_runtime(request, url) as built:
            yield built


@contextmanager
def _checked_runtime(request: pytest.FixtureRequest, url: str) -> Iterator[Runtime]:
    built = build_runtime(settings_for(url))
    try:
        yield built
        check_audit_chain(request, built)
    finally:
        built.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, unmigrated database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shipments.db'}"
        yield url
        check_audit_chain_at(request, url)
    else:
        yield request.getfixturevalue("pg_database")


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on a migrated, empty database of each kind."""
    with _runtime_on(request, "empty", tmp_path) as built:
        yield built


@pytest.fixture(params=["sqlite", "postgresql"])
def demo_runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on a database of each kind holding the demo scenario (loaded at NOW)."""
    with _runtime_on(request, "demo", tmp_path) as built:
        yield built


@pytest.fixture(params=["sqlite"])
def sqlite_runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """A migrated SQLite runtime, where the backend does not matter."""
    with _runtime_on(request, "empty", tmp_path) as built:
        yield built


@pytest.fixture(params=["sqlite"])
def sqlite_demo_runtime(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Runtime]:
    """SQLite with the demo scenario, where the backend does not matter (most web tests)."""
    with _runtime_on(request, "demo", tmp_path) as built:
        yield built


# --- The command line --------------------------------------------------------------------------
# `run` runs a command in this process with click's test runner, as the installed command would run it:
# from a folder of its own, on a SQLite file of its own, with no LOGISTICS_* variable but those the test
# gives, logging to its own standard error. `run_installed` starts the installed entry point as a real
# process instead, for what only a process shows: that it starts from a foreign working directory,
# reads standard input from a pipe and ends with the command's exit status. Both use the same database.

def logistics_command() -> list[str]:
    found = shutil.which("logistics", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "logistics"]


class CommandLine:
    """Where the test's commands run: their folder, their database and their LOGISTICS_* variables."""

    def __init__(self, folder: Path) -> None:
        self.database = folder / "cli.db"
        self.folder = folder / "elsewhere"
        self.folder.mkdir()
        self.environ = {"LOGISTICS_DATABASE_URL": f"sqlite:///{self.database}"}

    def invoker(self, call: Callable[..., subprocess.CompletedProcess[str]]) -> Callable[..., object]:
        """`call` with the check both runners make: unless check=False, the command must succeed."""
        def invoke(*args: str, stdin: str | None = None, check: bool = True,
                   **extra_env: str) -> subprocess.CompletedProcess[str]:
            result = call(list(args), stdin, self.environ | extra_env)
            if check:
                assert result.returncode == 0, result.stderr
            return result

        invoke.database = self.database  # type: ignore[attr-defined]
        return invoke


@pytest.fixture
def command_line(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[CommandLine]:
    line = CommandLine(tmp_path)
    yield line
    check_audit_chain_at(request, f"sqlite:///{line.database}")


@pytest.fixture(scope="session")
def demo_today_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SQLite with the demo scenario's records (as `logistics init --demo` loads them, without the past it
    records: tests/services/test_demo_history.py has that), at the real time of the session's start
    (commands work at the real time, not at NOW); built once, for the tests that start from it."""
    template = tmp_path_factory.mktemp("templates") / "demo-today.db"
    _prepare(f"sqlite:///{template}", partial(load_demo, now=datetime.now(UTC)))
    return template


@pytest.fixture(scope="session")
def demo_history_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SQLite as `logistics init --demo` leaves it, made by the real command at the real time: the demo
    scenario with the six months of past it records. Recording takes about 15 s, so the file is made once
    for the whole run and shared by the parallel workers (under a lock, in the run's temporary folder above
    theirs), for the tests that start from a demo the way the README starts one. tests/cli/test_cli.py runs
    `init --demo` itself, on each database, and tests/integration/test_demo_command.py the `demo` command."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    template = shared / "demo-history.db"
    with (shared / "demo-history.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not template.exists():
            building = shared / "demo-history-building.db"
            environ = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
            made = subprocess.run([*logistics_command(), "init", "--demo"], cwd=shared, capture_output=True,
                                  text=True, timeout=600,
                                  env=environ | {"LOGISTICS_DATABASE_URL": f"sqlite:///{building}"})
            assert made.returncode == 0 and "demo history recorded" in made.stdout, made.stdout + made.stderr
            with closing(sqlite3.connect(building)) as connection:  # all in the file, none in a WAL
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            building.rename(template)
    return template


@pytest.fixture
def cli_demo(command_line: CommandLine, demo_today_template: Path) -> None:
    """The command line's database holds the demo scenario's records, as `init --demo` loads them."""
    shutil.copyfile(demo_today_template, command_line.database)


@pytest.fixture
def run(command_line: CommandLine, monkeypatch: pytest.MonkeyPatch) -> Callable[..., object]:
    """Run `logistics ARGS` in this process; the result reads as the real process's would."""
    def in_process(args: list[str], stdin: str | None,
                   environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
        unset: dict[str, str | None] = {key: None for key in os.environ if key.startswith("LOGISTICS_")}
        with monkeypatch.context() as patch, _runtimes_closed_after(patch), _logging_to_stderr(patch):
            patch.chdir(command_line.folder)
            result = CliRunner().invoke(main, args, input=stdin, env=unset | environ, prog_name="logistics")
        stderr = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            stderr += "".join(traceback.format_exception(result.exception))  # as Python prints it
        return subprocess.CompletedProcess(["logistics", *args], result.exit_code, result.stdout, stderr)

    return command_line.invoker(in_process)


@pytest.fixture
def run_installed(command_line: CommandLine) -> Callable[..., object]:
    """Run the installed `logistics ARGS` as a real process."""
    def as_process(args: list[str], stdin: str | None,
                   environ: dict[str, str]) -> subprocess.CompletedProcess[str]:
        inherited = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
        return subprocess.run(logistics_command() + args, input=stdin, text=True, capture_output=True,
                              cwd=command_line.folder, env=inherited | environ, timeout=120)

    return command_line.invoker(as_process)


@contextmanager
def _runtimes_closed_after(patch: pytest.MonkeyPatch) -> Iterator[None]:
    """A process frees its database connections when it ends; here the runtimes a command opened (and
    may leave to that) are closed when it returns."""
    opened: list[Runtime] = []

    def build_and_keep(settings: Settings | None = None) -> Runtime:
        opened.append(build_runtime(settings))
        return opened[-1]

    patch.setattr(cli_common, "build_runtime", build_and_keep)
    try:
        yield
    finally:
        for runtime in opened:
            runtime.close()


@contextmanager
def _logging_to_stderr(patch: pytest.MonkeyPatch) -> Iterator[None]:
    """Without pytest's handlers on the root logger, the command's logging.basicConfig sends its log
    lines to the command's standard error, as in a process of its own."""
    root = logging.getLogger()
    level = root.level
    patch.setattr(root, "handlers", [])
    try:
        yield
    finally:
        for handler in root.handlers:
            handler.close()
        root.setLevel(level)
