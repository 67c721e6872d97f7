"""The pure core stays pure: no framework, database, network or scheduler imports."""

import ast
from pathlib import Path

import logistics

CORE = Path(logistics.__file__).parent / "core"
FORBIDDEN = {"flask", "sqlmodel", "sqlalchemy", "paho", "requests", "apscheduler", "alembic",
             "werkzeug", "psycopg", "waitress"}


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


def test_core_modules_import_no_framework_or_adapter():
    modules = sorted(CORE.glob("*.py"))
    assert len(modules) >= 5
    offenders = {
        path.name: sorted(root for root in imported_roots(path)
                          if root in FORBIDDEN or root.startswith("logistics."))
        for path in modules
    }
    assert {name: bad for name, bad in offenders.items() if bad} == {}


def test_the_check_catches_a_forbidden_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("from sqlalchemy import select\nimport flask.json\n")
    assert imported_roots(sample) & FORBIDDEN == {"sqlalchemy", "flask"}
