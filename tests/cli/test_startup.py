"""What `logistics` imports: `--help` none of the commands and none of the heavy libraries, and each
command only the libraries its work needs (every start of the command pays for the rest)."""

import os
import subprocess
import sys

import click
import pytest

from logistics.cli import COMMANDS, main

# Run the command line in a fresh interpreter, then name every module it loaded on the last line of stderr.
PROBE = """
import sys
from logistics.cli import main
try:
    main(sys.argv[1:], prog_name="logistics")
except SystemExit:
    pass
print(" ".join(sys.modules), file=sys.stderr)
"""
DATABASE = {"sqlalchemy", "sqlmodel", "alembic", "argon2"}
HEAVY = DATABASE | {"flask", "pint", "numpy", "fpdf", "requests", "jsonschema", "paho", "apscheduler",
                    "waitress", "schemathesis"}


def loaded_by(*args: str, folder) -> set[str]:
    """The top-level packages `logistics ARGS` loaded, run on an empty SQLite file."""
    environ = {key: value for key, value in os.environ.items() if not key.startswith("LOGISTICS_")}
    environ["LOGISTICS_DATABASE_URL"] = f"sqlite:///{folder / 'empty.db'}"
    finished = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                              cwd=folder, env=environ, timeout=120, check=True)
    return set(finished.stderr.splitlines()[-1].split())


def test_help_lists_the_commands_without_importing_them_or_any_heavy_library(tmp_path):
    loaded = loaded_by("--help", folder=tmp_path)
    assert {name.split(".")[0] for name in loaded} & HEAVY == set()
    assert [name for name in loaded if name.startswith("logistics.cli.")] == []


# An EPCIS export summarises each logger's readings with the excursion engine, which folds them as numpy
# columns: the one heavy library its own work needs.
@pytest.mark.parametrize(("command", "needed"), [(["users", "list"], set()), (["loggers", "list"], set()),
                                                 (["epcis", "export", "X"], {"numpy"})],
                         ids=lambda value: " ".join(value) if isinstance(value, list) else "")
def test_a_database_command_loads_no_web_framework_units_numerics_or_pdf(tmp_path, command, needed):
    loaded = {name.split(".")[0] for name in loaded_by(*command, folder=tmp_path)}
    assert "alembic" in loaded  # it did reach the database, and found no schema there
    assert loaded & (HEAVY - DATABASE) == needed


def test_the_command_list_shows_what_each_commands_own_help_starts_with():
    context = click.Context(main)
    for name, listed in COMMANDS.items():
        command = main.get_command(context, name)
        for width in (20, 45, 1000):  # shortened to the terminal's width as click shortens the command's own
            shown = click.Command(name, help=listed.summary).get_short_help_str(width)
            assert shown == command.get_short_help_str(width), name
