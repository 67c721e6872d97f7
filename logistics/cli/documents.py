"""Printed documents of shipments, as PDF files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import click

from logistics.cli.common import failure, open_runtime
from logistics.services import documents
from logistics.services.errors import NotFound


@click.group(name="documents")
def documents_group() -> None:
    """Printed documents of shipments, as PDF."""


@documents_group.command(name="packing-list")
@click.argument("reference")
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The PDF file to write (default: packing-list-REFERENCE.pdf in this folder).")
def packing_list(reference: str, out_file: Path | None) -> None:
    """Write the packing list of shipment REFERENCE, with the QR code of its receiving page."""
    _write(reference, out_file or Path(documents.packing_list_file_name(reference)), "packing list",
           documents.packing_list_pdf)


@documents_group.command(name="receipt-report")
@click.argument("reference")
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The PDF file to write (default: receipt-report-REFERENCE.pdf in this folder).")
def receipt_report(reference: str, out_file: Path | None) -> None:
    """Write the receipt report of shipment REFERENCE for the batch record: journey, excursions,
    inspection, dispositions and QA's signed decisions."""
    _write(reference, out_file or Path(documents.receipt_report_file_name(reference)), "receipt report",
           documents.receipt_report_pdf)


def _write(reference: str, target: Path, kind: str, make: Callable[..., bytes]) -> None:
    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            content = make(session, reference, settings=runtime.settings, profiles=runtime.profiles,
                           now=datetime.now(UTC))
    except NotFound as error:
        raise failure(error) from None
    finally:
        runtime.close()
    try:
        target.write_bytes(content)
    except OSError as error:
        raise click.ClickException(f"cannot write {target}: {error.strerror}") from None
    click.echo(f"{kind} of {reference} written to {target}", err=True)


COMMANDS = (documents_group,)
