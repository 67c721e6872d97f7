"""The `logistics` command line: thin wrappers that build the runtime and call services."""

from __future__ import annotations

import click

from logistics.cli import admin, analyze, backup, documents, epcis, forecast, serving, simulate, telemetry


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="coldchain-logistics")
def main() -> None:
    """Cold-chain reagent logistics tracker: shipments, logger telemetry, receiving, forecasts."""


for command in (*admin.COMMANDS, *serving.COMMANDS, *telemetry.COMMANDS, *simulate.COMMANDS,
                *analyze.COMMANDS, *epcis.COMMANDS, *documents.COMMANDS, *forecast.COMMANDS,
                *backup.COMMANDS):
    main.add_command(command)
