"""The decoders and validators stay pure: no framework, database, network or scheduler imports."""

import ast
from pathlib import Path

import sensors

PURE_MODULES = ("readings.py", "decode.py", "senml.py", "_fields.py", "validate.py", "units.py")
FORBIDDEN = {"flask", "sqlmodel", "sqlalchemy", "paho", "requests", "apscheduler", "alembic", "psycopg",
             "werkzeug", "waitress", "logistics", "socket", "urllib", "http", "time"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_pure_sensor_modules_import_nothing_impure():
    package = Path(sensors.__file__).parent
    offenders = {name: sorted(imported_roots(package / name) & FORBIDDEN) for name in PURE_MODULES}
    assert {name: bad for name, bad in offenders.items() if bad} == {}
