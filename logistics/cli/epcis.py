"""EPCIS 2.0 documents of shipments, for trading partners and their traceability systems."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from logistics.cli.common import open_runtime
from logistics.services import epcis
from logistics.services.errors import InputError, NotFound

MESSAGE_LENGTH = 300  # a problem's text quotes the offending part of the document: keep it to one line


class Refused(click.ClickException):
    """Nothing was written: exit status 2 and one line saying why."""

    exit_code = 2


@click.group(name="epcis")
def epcis_group() -> None:
    """EPCIS 2.0 documents (GS1) of shipments."""


@epcis_group.command(name="export")
@click.argument("reference")
@click.option("-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
@click.option("--schema", "schema_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Check the document against this JSON schema (draft-07, e.g. GS1's "
                                 "EPCIS-JSON-Schema.json) before writing it.")
def epcis_export(reference: str, out_file: Path | None, schema_file: Path | None) -> None:
    """Export a shipment's shipping and receiving events, with its loggers' sensor data, as EPCIS 2.0."""
    document = _document(reference)
    if schema_file is not None:
        problem = first_problem(document, _schema(schema_file))
        if problem:
            raise Refused(f"the document does not match {schema_file.name}: {problem}")
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if out_file is None:
        click.echo(text, nl=False)
        return
    out_file.write_text(text, encoding="utf-8")
    click.echo(f"wrote {out_file} ({len(document['epcisBody']['eventList'])} events)", err=True)


def _document(reference: str) -> dict[str, Any]:
    runtime = open_runtime()
    try:
        with runtime.sessions() as session:
            return epcis.export_document(session, reference, runtime.profiles, now=datetime.now(UTC))
    except (InputError, NotFound) as error:
        raise Refused(str(error)) from None
    finally:
        runtime.close()


def _schema(path: Path) -> dict[str, Any]:
    from jsonschema import Draft7Validator  # only with --schema
    from jsonschema.exceptions import SchemaError

    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
        Draft7Validator.check_schema(schema)
    except (OSError, ValueError) as error:
        raise Refused(f"{path}: not a JSON file ({error})") from None
    except SchemaError as error:
        raise Refused(f"{path}: not a draft-07 JSON schema ({error.message})") from None
    return schema  # type: ignore[no-any-return]


def first_problem(document: dict[str, Any], schema: dict[str, Any]) -> str | None:
    """Where and how the document breaks the schema (the most relevant error), or None if it does not."""
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import best_match

    error = best_match(Draft7Validator(schema).iter_errors(document))
    if error is None:
        return None
    text = " ".join(f"{error.json_path}: {error.message}".split())
    return text if len(text) <= MESSAGE_LENGTH else text[:MESSAGE_LENGTH - 1] + "…"


COMMANDS = (epcis_group,)
