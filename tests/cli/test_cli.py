"""The `logistics` command line: in this process where the command's behaviour is the point, as the
installed command in a real process from a foreign working directory for what only a process shows."""

import json
import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from logistics.cli import main

COMMANDS = [["init"], ["migrate"], ["serve"], ["web"], ["demo"], ["ingest"], ["scheduler"], ["config"],
            ["users"],
            ["loggers"], ["loggers", "add"], ["loggers", "list"], ["loggers", "rotate-secret"],
            ["loggers", "assign"], ["loggers", "watch"], ["loggers", "unassign"], ["broker-config"],
            ["readings"],
            ["readings", "export"], ["simulate"], ["analyze"],
            ["users", "add"], ["users", "token"], ["users", "list"], ["users", "passwd"], ["users", "role"],
            ["users", "disable"], ["users", "enable"],
            ["audit"], ["audit", "verify"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, [*command, "--help"], prog_name="logistics")
    assert result.exit_code == 0 and "Usage: logistics" in result.output


def test_the_installed_command_runs(run_installed):
    assert "Usage: logistics" in run_installed("--help").stdout


def test_init_demo_then_users_tokens_and_audit(run, demo_history_template):
    # On the database `logistics init --demo` made for the run (the fixture checks that it recorded the
    # demo's past), rather than recording that past again in this process.
    shutil.copyfile(demo_history_template, run.database)
    again = run("init", "--demo").stdout
    assert "database at revision" in again and "already" in again  # loading twice adds nothing
    run("users", "add", "somchai", "--role", "pharmacy", "--full-name", "Somchai P.",
        stdin="a-long-password\n")
    listed = run("users", "list").stdout
    assert "somchai" in listed and "pharmacy" in listed
    token = run("users", "token", "somchai").stdout.strip()
    assert len(token) >= 40
    verified = run("audit", "verify")
    assert "audit trail intact" in verified.stdout


def test_the_installed_command_hashes_passwords_at_production_cost(run_installed):
    """The tests hash at argon2-cffi's cheapest cost in their own process (tests/conftest.py); a real process
    hashes as production does: Argon2id, 64 MiB, 3 passes, 4 lanes (RFC 9106's low-memory profile)."""
    run_installed("init")
    run_installed("users", "add", "nok", "--role", "qa", stdin="long-enough-1\n")
    with sqlite3.connect(run_installed.database) as connection:
        [(stored,)] = connection.execute("SELECT password_hash FROM users WHERE username = 'nok'").fetchall()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), stored


def test_users_add_explains_bad_input(run, run_installed):
    run("init")
    short = run("users", "add", "nok", "--role", "qa", stdin="short\n", check=False)
    assert short.returncode == 1 and "password: must be at least 8 characters" in short.stderr
    empty = run_installed("users", "add", "nok", "--role", "qa", stdin="", check=False)
    assert empty.returncode == 1 and "no password on standard input" in empty.stderr
    assert "Traceback" not in short.stderr + empty.stderr


@pytest.mark.audit_tampered
def test_audit_verify_fails_after_a_hand_edit(run, cli_demo, run_installed):
    with sqlite3.connect(run.database) as connection:
        connection.execute("DROP TRIGGER audit_events_no_update")
        connection.execute("UPDATE audit_events SET new_value = '\"closed\"' WHERE id = 40")
    result = run_installed("audit", "verify", check=False)
    assert result.returncode == 1
    assert "BROKEN at event 40" in result.stderr


def test_config_masks_secrets_and_shows_overrides(run):
    shown = json.loads(run("config", "--json", LOGISTICS_SECRET_KEY="very-secret",
                           LOGISTICS_PAGE_SIZE="50").stdout)
    assert shown["secret_key"] == "********" and shown["page_size"] == 50


def test_a_bad_setting_is_a_one_line_error(run_installed):
    result = run_installed("config", check=False, LOGISTICS_PAGE_SIZE="lots")
    assert result.returncode == 1
    assert "page_size: expected int, got 'lots'" in result.stderr
    assert "Traceback" not in result.stderr


def test_web_refuses_to_start_without_a_secret_key(run):
    run("init")
    result = run("web", "--port", "1", check=False)
    assert result.returncode == 1 and "LOGISTICS_SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("command", ["serve", "web", "ingest", "scheduler", "demo"])
def test_long_running_commands_take_a_log_level_of_the_known_ones(run, command):
    assert "--log-level [debug|info|warning|error]" in run(command, "--help").stdout
    refused = run(command, "--log-level", "loud", check=False)
    assert refused.returncode == 2
    assert "Invalid value for '--log-level': 'loud' is not one of" in refused.stderr


def test_serve_refuses_an_unmigrated_database(run_installed):
    result = run_installed("serve", "--port", "1", check=False, LOGISTICS_SECRET_KEY="k")
    assert result.returncode == 1 and "run `logistics init` first" in result.stderr


def test_init_demo_and_verify_on_postgresql(run, pg_database):
    url = pg_database
    assert "demo data loaded" in run("init", "--demo", LOGISTICS_DATABASE_URL=url).stdout
    assert "audit trail intact" in run("audit", "verify", LOGISTICS_DATABASE_URL=url).stdout


def test_init_records_the_profiles_of_config_once_and_then_reads_only_the_database(run, tmp_path):
    config = tmp_path / "operator-config"
    config.mkdir()
    (config / "profiles.toml").write_text('[chilled]\nversion = 3\nmin_c = 2\nmax_c = 8\n')
    assert "1 storage profiles recorded from config/profiles.toml" in run(
        "init", LOGISTICS_CONFIG_DIR=str(config)).stdout
    (config / "profiles.toml").write_text("not TOML at all")  # a seed no longer read
    again = run("init", LOGISTICS_CONFIG_DIR=str(config)).stdout
    assert "database at revision" in again and "storage profiles" not in again
    with sqlite3.connect(run.database) as connection:
        rows = connection.execute("SELECT name, version, created_by FROM storage_profile_versions").fetchall()
    connection.close()
    assert rows == [("chilled", 3, "cli")]


def test_a_broken_profile_file_is_a_one_line_error(run, run_installed, tmp_path):
    config = tmp_path / "operator-config"
    config.mkdir()
    (config / "profiles.toml").write_text('[refrigerated]\nversion = 1\nmin_c = 9\nmax_c = 2\n')
    result = run("config", check=False, LOGISTICS_CONFIG_DIR=str(config))
    assert result.returncode == 0  # `config` reads settings only
    result = run_installed("init", check=False, LOGISTICS_CONFIG_DIR=str(config))
    assert result.returncode == 1
    assert "profiles.toml: profile 'refrigerated': min_c is above max_c" in result.stderr
    assert "Traceback" not in result.stderr


def test_every_command_is_listed_where_the_command_line_finds_it():
    import importlib

    from logistics.cli import COMMANDS

    for module in {listed.module for listed in COMMANDS.values()}:
        names = {command.name for command in importlib.import_module(f"logistics.cli.{module}").COMMANDS}
        assert names == {name for name, listed in COMMANDS.items() if listed.module == module}


def test_commands_on_a_database_without_the_schema_say_to_run_init(run_installed):
    refused = run_installed("users", "list", check=False)
    assert refused.returncode == 1
    assert refused.stderr == "Error: the database is at revision none: run `logistics init` first\n"
