"""The pure parts stay pure: no framework, database, network or scheduler imports.

That is the core under logistics/core, and the telemetry decoders and validation under sensors/.
"""

import ast
from pathlib import Path

import logistics
import sensors

CORE = Path(logistics.__file__).parent / "core"
SENSORS = Path(sensors.__file__).parent
PURE_SENSOR_MODULES = ("readings.py", "decode.py", "senml.py", "_fields.py", "validate.py", "units.py",
                       "status.py", "topics.py", "journey.py", "intake.py")
FORBIDDEN = {"flask", "sqlmodel", "sqlalchemy", "paho", "requests", "apscheduler", "alembic",
             "werkzeug", "psycopg", "waitress", "socket", "http", "smtplib"}


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
