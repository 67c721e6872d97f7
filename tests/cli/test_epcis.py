"""`logistics epcis export` on a demo database; its refusals also from the installed command."""

from __future__ import annotations

import json

from click.testing import CliRunner

from logistics.cli import main
from tests.epcis_schema import SCHEMA, official_schema, schema_errors


def test_the_command_has_help():
    for command in (["epcis"], ["epcis", "export"]):
        result = CliRunner().invoke(main, [*command, "--help"], prog_name="logistics")
        assert result.exit_code == 0 and "Usage: logistics" in result.output


def test_export_checks_the_schema_then_writes_the_file_or_standard_output(run, cli_demo, tmp_path):
    official_schema()  # skips (or fails on CI) when the reference data is missing
    target = tmp_path / "HG-2026-0044.jsonld"
    result = run("epcis", "export", "HG-2026-0044", "-o", str(target), "--schema", str(SCHEMA))
    assert result.stdout == "" and f"wrote {target} (2 events)" in result.stderr
    document = json.loads(target.read_text(encoding="utf-8"))
    assert schema_errors(document) == []
    assert [event["bizStep"] for event in document["epcisBody"]["eventList"]] == ["shipping", "receiving"]
    printed = json.loads(run("epcis", "export", "HG-2026-0045").stdout)
    assert [event["bizStep"] for event in printed["epcisBody"]["eventList"]] == ["shipping"]


def test_refusals_are_exit_2_with_one_line_and_write_nothing(run, cli_demo, run_installed, tmp_path):
    unknown = run_installed("epcis", "export", "NOPE", check=False)
    assert (unknown.returncode, unknown.stdout, unknown.stderr) == (2, "", "Error: no shipment 'NOPE'\n")
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps({"type": "object", "required": ["sender"]}), encoding="utf-8")
    target = tmp_path / "out.jsonld"
    refused = run("epcis", "export", "HG-2026-0044", "-o", str(target), "--schema", str(strict), check=False)
    assert refused.returncode == 2 and not target.exists()
    assert refused.stderr == ("Error: the document does not match strict.json: "
                              "$: 'sender' is a required property\n")
