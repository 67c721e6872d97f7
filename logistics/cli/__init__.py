"""The `logistics` command line: thin wrappers that build the runtime and call services.

Each command's module is imported only when that command runs, so that `logistics users list` does not
pay for PDF fonts, numpy and the web framework (a second or so at every start); `--help` lists the
commands from the table below and imports none of them.
"""

from __future__ import annotations

import importlib
from typing import NamedTuple

import click


class Listed(NamedTuple):
    """Where a command lives (a module in logistics.cli, which lists it in its COMMANDS), and the first
    sentence of its help, for `logistics --help`."""

    module: str
    summary: str


COMMANDS = {
    "init": Listed("admin", "Create the database or upgrade it to the newest schema."),
    "migrate": Listed("admin", "Upgrade the database schema (the same as `init`), or write a new migration."),
    "config": Listed("admin", "Print the effective settings (secrets masked)."),
    "users": Listed("admin", "Manage people who sign in, and their API tokens."),
    "audit": Listed("admin", "The append-only audit trail."),
    "serve": Listed("serving", "Run the web app, MQTT ingest and the scheduler in one process, for one "
                               "machine."),
    "web": Listed("serving", "Run only the web app and JSON API (several workers: gunicorn "
                             "'logistics.app:wsgi()')."),
    "ingest": Listed("serving", "Run only the MQTT ingest: store telemetry, acknowledge after commit."),
    "scheduler": Listed("serving", "Run only the scheduler (one per deployment): monitoring checks and "
                                   "alert delivery."),
    "demo": Listed("serving", "Everything on one machine with the demo scenario: web, ingest and "
                              "simulated loggers."),
    "lanes": Listed("lanes", "Lanes (route templates): load them from a seed file (TOML or CSV), export "
                             "them as CSV."),
    "loggers": Listed("telemetry", "The logger registry: credentials and assignments to shipments and "
                                   "storage zones."),
    "broker-config": Listed("telemetry", "Write Mosquitto's dynamic security file from the registry: each "
                                         "logger connects only as itself, publishes only under its own "
                                         "topic and subscribes to nothing; the ingest reads them all."),
    "readings": Listed("telemetry", "Stored telemetry."),
    "simulate": Listed("simulate", "Simulate data loggers on a Shenzhen → Bangkok journey, publishing "
                                   "telemetry to the MQTT broker."),
    "analyze": Listed("analyze", "Judge the logger file FILE (CSV) by a storage profile; no database is "
                                 "needed."),
    "replay": Listed("replay", "Judge shipment REFERENCE's readings again and show how its excursions would "
                               "differ."),
    "epcis": Listed("epcis", "EPCIS 2.0 documents (GS1) of shipments."),
    "documents": Listed("documents", "Printed documents of shipments, as PDF."),
    "forecast": Listed("forecast", "Forecast demand and recommend orders: from the database (the result is "
                                   "stored, as the scheduler's are), or from a scenario file without one."),
    "recruitment": Listed("forecast", "The trial's enrolments: import them from CSV or pull them from the "
                                      "registry now."),
    "backup": Listed("backup", "Back up the database while the tracker runs: SQLite's online backup "
                               "(checked with an integrity check), or pg_dump's custom format for "
                               "PostgreSQL (checked by listing it)."),
    "restore": Listed("backup", "Replace the database's contents with BACKUP_FILE."),
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        listed = COMMANDS.get(cmd_name)
        if listed is None:
            return None
        found = importlib.import_module(f"logistics.cli.{listed.module}").COMMANDS
        return next(command for command in found if command.name == cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list from the table, shortened to the terminal's width as click does."""
        limit = formatter.width - 6 - max(map(len, COMMANDS))
        rows = [(name, click.Command(name, help=COMMANDS[name].summary).get_short_help_str(limit))
                for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coldchain-logistics")
def main() -> None:
    """Cold-chain reagent logistics tracker: shipments, logger telemetry, receiving, forecasts."""
