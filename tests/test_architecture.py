"""The arrows run one way (docs/architecture.md), each rule checked on the source of every module:

- the core (logistics/core) and the pure telemetry modules import no framework, database, network or
  scheduler library;
- sensors/ imports nothing from logistics/: the composition root hands it the store;
- the printed documents take what they print as arguments: they ask no service and no database;
- no module under web/ runs a query: pages ask services;
- jobs keep no state of their own.

Each check has a test showing it catches what it is there to catch.
"""

import ast
from collections.abc import Callable
from pathlib import Path

import logistics
import sensors

CORE = Path(logistics.__file__).parent / "core"
DOCUMENTS = Path(logistics.__file__).parent / "documents"
SENSORS = Path(sensors.__file__).parent
PURE_SENSOR_MODULES = ("readings.py", "decode.py", "senml.py", "_fields.py", "validate.py", "units.py",
                       "status.py", "topics.py", "journey.py", "intake.py", "plain_batch.py")
FORBIDDEN = {"flask", "sqlmodel", "sqlalchemy", "paho", "requests", "apscheduler", "alembic",
             "werkzeug", "psycopg", "waitress", "socket", "http", "smtplib"}


def imports(path: Path, *, at_run_time_only: bool = False) -> set[str]:
    """Every module `path` imports, anywhere in it (inside functions too), and for `from X import Y` also
    X.Y (Y may be a module). With `at_run_time_only`, imports for annotations only (under
    `if TYPE_CHECKING:`) are left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for_types_only = {id(node) for block in ast.walk(tree) if at_run_time_only and isinstance(block, ast.If)
                      and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                      for statement in block.body for node in ast.walk(statement)}
    names = set()
    for node in ast.walk(tree):
        if id(node) in for_types_only:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def under(*packages: str) -> Callable[[str], bool]:
    """Whether an imported name is one of `packages` or inside one of them."""
    return lambda name: any(name == package or name.startswith(f"{package}.") for package in packages)


def offenders(paths: list[Path], bad: Callable[[str], bool], *,
              at_run_time_only: bool = False) -> dict[str, list[str]]:
    """Each module's imports that `bad` refuses, for the modules that have any."""
    found = {path.name: sorted(filter(bad, imports(path, at_run_time_only=at_run_time_only)))
             for path in paths}
    return {name: names for name, names in found.items() if names}


def impure(name: str) -> bool:
    """A framework, database, network or scheduler library, or logistics/ outside the core."""
    return under(*FORBIDDEN)(name) or (under("logistics")(name) and not under("logistics.core")(name))


def test_core_modules_import_no_framework_or_adapter():
    modules = sorted(CORE.glob("*.py"))
    assert len(modules) >= 10
    assert offenders(modules, impure) == {}


def test_decoders_and_validation_import_nothing_impure():
    pure_sensors = [SENSORS / name for name in PURE_SENSOR_MODULES]
    assert offenders(pure_sensors, lambda name: impure(name) or under("time")(name)) == {}


def test_the_check_catches_a_forbidden_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("from sqlalchemy import select\nimport flask.json\nfrom logistics.db import models\n"
                      "from logistics.core.units import Quantity\n")
    assert offenders([sample], impure) == {"bad.py": ["flask.json", "logistics.db", "logistics.db.models",
                                                      "sqlalchemy", "sqlalchemy.select"]}


def test_sensors_import_nothing_from_logistics():
    """Telemetry flows one way: the composition root hands sensors/ the store, sensors/ never reach back."""
    modules = sorted(SENSORS.glob("*.py"))
    assert len(modules) >= 14
    assert offenders(modules, under("logistics")) == {}


def test_the_check_catches_sensors_importing_logistics(tmp_path):
    sample = tmp_path / "ingest.py"
    sample.write_text("import logistics\n\ndef run():\n    from logistics.services.telemetry import Store\n")
    assert offenders([sample], under("logistics")) == {"ingest.py": [
        "logistics", "logistics.services.telemetry", "logistics.services.telemetry.Store"]}


NOT_FOR_DOCUMENTS = under("logistics.services", "logistics.db", "sqlmodel", "sqlalchemy")


def test_documents_ask_no_service_and_no_database():
    modules = sorted(DOCUMENTS.glob("*.py"))
    assert len(modules) >= 5
    assert offenders(modules, NOT_FOR_DOCUMENTS) == {}


def test_the_documents_check_catches_a_service_or_database_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("from logistics import services\nfrom logistics.db.models import Receipt\n"
                      "import sqlalchemy.orm\nfrom sqlmodel import select\n"
                      "from logistics.schemas import base\nfrom logistics.dbx import fine\n")
    assert offenders([sample], NOT_FOR_DOCUMENTS) == {"bad.py": [
        "logistics.db.models", "logistics.db.models.Receipt", "logistics.services", "sqlalchemy.orm",
        "sqlmodel", "sqlmodel.select"]}


# --- Pages ask services: no module under web/ runs a query -------------------------------------------
# A view parses the request, calls a service and renders its answer. Without the query API and the table
# models it cannot query; the errors of sqlalchemy.exc it may answer, and for annotations only (inside
# `if TYPE_CHECKING:`) it may name any type.

WEB = Path(logistics.__file__).parent / "web"


def queries(name: str) -> bool:
    """The query API (sqlmodel, sqlalchemy but its errors) or the table models."""
    return (under("sqlmodel", "sqlalchemy")(name) and not under("sqlalchemy.exc")(name)
            or under("logistics.db.models")(name))


def test_web_modules_import_no_query_api_and_no_table_model():
    modules = sorted(WEB.glob("*.py"))
    assert len(modules) >= 20
    assert offenders(modules, queries, at_run_time_only=True) == {}


def test_the_web_check_catches_a_query_import(tmp_path):
    sample = tmp_path / "view.py"
    sample.write_text("from typing import TYPE_CHECKING\n"
                      "from sqlmodel import Session, select\nimport sqlalchemy\nfrom sqlalchemy import func\n"
                      "from sqlalchemy.exc import DBAPIError\nfrom logistics.db.models import Site\n"
                      "from logistics.db import models\nfrom logistics.services import shipments\n"
                      "if TYPE_CHECKING:\n    from sqlalchemy.orm import Session as OrmSession\n")
    assert offenders([sample], queries, at_run_time_only=True) == {"view.py": [
        "logistics.db.models", "logistics.db.models.Site", "sqlalchemy", "sqlalchemy.func", "sqlmodel",
        "sqlmodel.Session", "sqlmodel.select"]}


def test_jobs_keep_no_state_of_their_own():
    """Jobs are functions of the context they are given: no module-level state rebound at run time."""
    for module in (CORE.parent / "jobs.py", CORE.parent / "scheduling.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        assert not [node for node in ast.walk(tree) if isinstance(node, ast.Global | ast.Nonlocal)], module
