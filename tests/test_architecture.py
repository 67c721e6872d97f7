"""The pure parts stay pure: no framework, database, network or scheduler imports.

That is the core under logistics/core, and the telemetry decoders and validation under sensors/. The
printed documents under logistics/documents take what they print as arguments: they ask no service and
no database.
"""

import ast
from pathlib import Path

import logistics
import sensors

CORE = Path(logistics.__file__).parent / "core"
DOCUMENTS = Path(logistics.__file__).parent / "documents"
SENSORS = Path(sensors.__file__).parent
PURE_SENSOR_MODULES = ("readings.py", "decode.py", "senml.py", "_fields.py", "validate.py", "units.py",
                       "status.py", "topics.py", "journey.py", "intake.py")
FORBIDDEN = {"flask", "sqlmodel", "sqlalchemy", "paho", "requests", "apscheduler", "alembic",
             "werkzeug", "psycopg", "waitress", "socket", "http", "smtplib"}
NOT_FOR_DOCUMENTS = ("logistics.services", "logistics.db", "sqlmodel", "sqlalchemy")


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
            if node.module.startswith("logistics.") and not node.module.startswith("logistics.core"):
                roots.add(node.module)
    return roots


def impure(paths: list[Path], also_forbidden: set[str] = frozenset()) -> dict[str, list[str]]:
    offenders = {path.name: sorted(root for root in imported_roots(path)
                                   if root in FORBIDDEN | also_forbidden or root.startswith("logistics."))
                 for path in paths}
    return {name: bad for name, bad in offenders.items() if bad}


def test_core_modules_import_no_framework_or_adapter():
    modules = sorted(CORE.glob("*.py"))
    assert len(modules) >= 10
    assert impure(modules) == {}


def test_decoders_and_validation_import_nothing_impure():
    assert impure([SENSORS / name for name in PURE_SENSOR_MODULES], {"logistics", "time"}) == {}


def asking(paths: list[Path], forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """Each module's imports that are, or are under, one of `forbidden`."""
    offenders = {path.name: sorted(name for name in imported_names(path)
                                   if any(name == bad or name.startswith(f"{bad}.") for bad in forbidden))
                 for path in paths}
    return {name: bad for name, bad in offenders.items() if bad}


def imported_names(path: Path) -> set[str]:
    """Every module `path` imports, and for `from X import Y` also X.Y (Y may be a module)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return names


def test_documents_ask_no_service_and_no_database():
    modules = sorted(DOCUMENTS.glob("*.py"))
    assert len(modules) >= 5
    assert asking(modules, NOT_FOR_DOCUMENTS) == {}


def test_jobs_keep_no_state_of_their_own():
    """Jobs are functions of the context they are given: no module-level state rebound at run time."""
    for module in (CORE.parent / "jobs.py", CORE.parent / "scheduling.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        assert not [node for node in ast.walk(tree) if isinstance(node, ast.Global | ast.Nonlocal)], module


def test_the_check_catches_a_forbidden_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("from sqlalchemy import select\nimport flask.json\nfrom logistics.db import models\n")
    assert impure([sample]) == {"bad.py": ["flask", "logistics.db", "sqlalchemy"]}


def logistics_imports(path: Path) -> list[str]:
    """The modules of logistics/ that `path` imports, anywhere in the file (inside functions too)."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return sorted(module for module in modules if module.split(".")[0] == "logistics")


def test_sensors_import_nothing_from_logistics():
    """Telemetry flows one way: the composition root hands sensors/ the store, sensors/ never reach back."""
    modules = sorted(SENSORS.glob("*.py"))
    assert len(modules) >= 14
    assert {path.name: found for path in modules if (found := logistics_imports(path))} == {}


def test_the_check_catches_sensors_importing_logistics(tmp_path):
    sample = tmp_path / "ingest.py"
    sample.write_text("import logistics\n\ndef run():\n    from logistics.services.telemetry import Store\n")
    assert logistics_imports(sample) == ["logistics", "logistics.services.telemetry"]


def test_the_documents_check_catches_a_service_or_database_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("from logistics import services\nfrom logistics.db.models import Receipt\n"
                      "import sqlalchemy.orm\nfrom sqlmodel import select\n"
                      "from logistics.schemas import base\nfrom logistics.dbx import fine\n")
    assert asking([sample], NOT_FOR_DOCUMENTS) == {"bad.py": [
        "logistics.db.models", "logistics.db.models.Receipt", "logistics.services", "sqlalchemy.orm",
        "sqlmodel", "sqlmodel.select"]}


# --- Pages ask services: no module under web/ runs a query -------------------------------------------
# A view parses the request, calls a service and renders its answer. Without the query API and the table
# models it cannot query; the errors of sqlalchemy.exc it may answer, and for annotations only (inside
# `if TYPE_CHECKING:`) it may name any type.

WEB = Path(logistics.__file__).parent / "web"
ANSWERED_ERRORS = "sqlalchemy.exc."


def run_time_imports(path: Path) -> list[str]:
    """What the module imports when it runs, as "module.name" (or "module"); annotation-only imports left
    out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for_types_only = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
                      and ast.unparse(block.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
                      for statement in block.body for node in ast.walk(statement)}
    names = []
    for node in ast.walk(tree):
        if id(node) in for_types_only:
            continue
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def query_imports(path: Path) -> list[str]:
    """The query API (sqlmodel, sqlalchemy) and the table models a module imports when it runs."""
    def queries(name: str) -> bool:
        if name.split(".")[0] in ("sqlmodel", "sqlalchemy"):
            return not name.startswith(ANSWERED_ERRORS)
        return name == "logistics.db.models" or name.startswith("logistics.db.models.")

    return sorted(name for name in run_time_imports(path) if queries(name))


def test_web_modules_import_no_query_api_and_no_table_model():
    modules = sorted(WEB.glob("*.py"))
    assert len(modules) >= 20
    assert {path.name: found for path in modules if (found := query_imports(path))} == {}


def test_the_web_check_catches_a_query_import(tmp_path):
    sample = tmp_path / "view.py"
    sample.write_text("from typing import TYPE_CHECKING\n"
                      "from sqlmodel import Session, select\nimport sqlalchemy\nfrom sqlalchemy import func\n"
                      "from sqlalchemy.exc import DBAPIError\nfrom logistics.db.models import Site\n"
                      "from logistics.db import models\nfrom logistics.services import shipments\n"
                      "if TYPE_CHECKING:\n    from sqlmodel import Session\n")
    assert query_imports(sample) == ["logistics.db.models", "logistics.db.models.Site", "sqlalchemy",
                                     "sqlalchemy.func", "sqlmodel.Session", "sqlmodel.select"]
