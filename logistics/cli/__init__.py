"""The `logistics` command line: thin wrappers that build the runtime and call services.

Each command's module is imported only when that command runs, so that `logistics users list` does not
pay for PDF fonts, numpy and the web framework (a second or so at every start).
"""

from __future__ import annotations

import importlib

import click

# command name -> module in logistics.cli, which lists it in its COMMANDS
COMMANDS = {
    "init": "admin", "migrate": "admin", "config": "admin", "users": "admin", "audit": "admin",
    "serve": "serving", "web": "serving", "ingest": "serving", "scheduler": "serving", "demo": "serving",
    "loggers": "telemetry", "broker-config": "telemetry", "readings": "telemetry",
    "simulate": "simulate", "analyze": "analyze", "epcis": "epcis", "documents": "documents",
    "forecast": "forecast", "recruitment": "forecast", "backup": "backup", "restore": "backup",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMANDS.get(cmd_name)
        if module is None:
            return None
        found = importlib.import_module(f"logistics.cli.{module}").COMMANDS
        return next(command for command in found if command.name == cmd_name)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coldchain-logistics")
def main() -> None:
    """Cold-chain reagent logistics tracker: shipments, logger telemetry, receiving, forecasts."""
