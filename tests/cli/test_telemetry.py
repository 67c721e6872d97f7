"""`logistics loggers ...` and `logistics readings export`; their refusals also from the installed command."""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

from logistics.db.engine import make_engine
from logistics.services.telemetry import TelemetryStore
from sensors.intake import IncomingMessage

NOW = datetime.now(UTC).replace(microsecond=0)


def store_readings(database, logger, times):
    engine = make_engine(f"sqlite:///{database}")
    payload = json.dumps({"readings": [{"ts": t.isoformat(), "temp": 5.0 + i / 10}
                                       for i, t in enumerate(times)]}).encode()
    TelemetryStore(engine).store([IncomingMessage(source="http", logger_code=logger, payload=payload,
                                                  received_at=NOW)])
    engine.dispose()


def test_register_rotate_assign_unassign_and_watch_a_zone(run, cli_demo):
    secret = run("loggers", "add", "LG-30001", "--serial", "TT4G-30001", "--model", "TempTrack 4G",
                 "--calibration-due", "2027-06-30")
    assert len(secret.stdout.strip()) == 43 and "shown only now" in secret.stderr
    rotated = run("loggers", "rotate-secret", "LG-30001").stdout.strip()
    assert rotated != secret.stdout.strip()
    start = (NOW - timedelta(hours=1)).isoformat()
    run("loggers", "assign", "LG-30001", "HG-2026-0048", "--from", start)
    listed = json.loads(run("loggers", "list", "--json").stdout)
    mine = next(row for row in listed if row["code"] == "LG-30001")
    assert (mine["shipment"], mine["calibration_due"]) == ("HG-2026-0048", "2027-06-30")
    clash = run("loggers", "assign", "LG-30001", "HG-2026-0047", "--from", start, check=False)
    assert clash.returncode == 1 and "already assigned to HG-2026-0048" in clash.stderr
    run("loggers", "unassign", "LG-30001")
    listed = json.loads(run("loggers", "list", "--json").stdout)
    assert next(row for row in listed if row["code"] == "LG-30001")["shipment"] is None
    watching = run("loggers", "watch", "LG-30001", "SIR-LN2-1").stdout
    assert watching.startswith("LG-30001 watches SIR-LN2-1 from ")
    listed = json.loads(run("loggers", "list", "--json").stdout)
    assert next(row for row in listed if row["code"] == "LG-30001")["storage_zone"] == "SIR-LN2-1"
    nowhere = run("loggers", "watch", "LG-30001", "NOWHERE", check=False)
    assert nowhere.returncode == 1 and "no storage zone 'NOWHERE'" in nowhere.stderr


def test_bad_logger_input_is_one_line(run, run_installed):
    run("init")
    bad_id = run_installed("loggers", "add", "LG/1", "--serial", "x", check=False)
    assert bad_id.returncode == 1 and "letters, digits" in bad_id.stderr
    bad_date = run("loggers", "add", "LG-1", "--serial", "x", "--calibration-due", "soon", check=False)
    assert bad_date.returncode == 2 and "not a date" in bad_date.stderr
    unknown = run("loggers", "rotate-secret", "LG-NOPE", check=False)
    assert unknown.returncode == 1 and "no logger 'LG-NOPE'" in unknown.stderr
    assert "Traceback" not in bad_id.stderr + bad_date.stderr + unknown.stderr


def test_export_by_window_and_shipment(run, cli_demo, tmp_path):
    times = [NOW - timedelta(hours=h) for h in (30, 20, 9, 5, 1)]  # LG-24003 joined HG-2026-0045 ~10 h ago
    store_readings(run.database, "LG-24003", times)
    everything = list(csv.DictReader(io.StringIO(run("readings", "export", "--logger", "LG-24003").stdout)))
    assert [row["temperature_c"] for row in everything] == ["5.0", "5.1", "5.2", "5.3", "5.4"]
    assert everything[0]["device_time"] == times[0].isoformat()
    in_shipment = json.loads(run("readings", "export", "--logger", "LG-24003", "--shipment", "HG-2026-0045",
                                 "--format", "json").stdout)
    assert [row["temperature_c"] for row in in_shipment] == [5.2, 5.3, 5.4]
    window = json.loads(run("readings", "export", "--logger", "LG-24003", "--format", "json",
                            "--from", (NOW - timedelta(hours=21)).isoformat(),
                            "--to", (NOW - timedelta(hours=4)).isoformat()).stdout)
    assert [row["temperature_c"] for row in window] == [5.1, 5.2, 5.3]
    out = tmp_path / "export.csv"
    written = run("readings", "export", "--logger", "LG-24003", "--out", str(out))
    assert "exporting 5 readings" in written.stderr
    assert len(out.read_text().splitlines()) == 6


def test_export_explains_what_is_wrong(run, cli_demo, run_installed):
    never = run_installed("readings", "export", "--logger", "LG-24001", "--shipment", "HG-2026-0045",
                          check=False)
    assert never.returncode == 1 and "never assigned" in never.stderr
    bad_time = run("readings", "export", "--logger", "LG-24001", "--from", "yesterday", check=False)
    assert bad_time.returncode == 2 and "ISO 8601" in bad_time.stderr


def test_the_ingests_names_are_refused_naming_the_field(run):
    run("init")
    settings = {"LOGISTICS_MQTT_URL": "mqtt://tracker:pw@10.0.0.5:1883",
                "LOGISTICS_INGEST_CLIENT_ID": "worker-7"}
    for code in ("ingest", "tracker", "worker-7", "Worker-7"):
        refused = run("loggers", "add", code, "--serial", "x", check=False, **settings)
        assert refused.returncode == 1, code
        assert f"code: {code!r} is reserved for the ingest's MQTT user name or client id" in refused.stderr
    assert "tracker" in run("loggers", "add", "tracker", "--serial", "x").stderr  # not reserved elsewhere


def test_retire_keeps_the_logger_listed_and_out_of_shipments(run, cli_demo):
    run("loggers", "add", "LG-R1", "--serial", "SN-R1")
    run("loggers", "assign", "LG-R1", "HG-2026-0048", "--from", (NOW - timedelta(hours=2)).isoformat())
    busy = run("loggers", "retire", "LG-R1", check=False)
    assert busy.returncode == 1 and "LG-R1 is assigned to HG-2026-0048: stop it there first" in busy.stderr
    run("loggers", "unassign", "LG-R1")

    retired = run("loggers", "retire", "LG-R1")

    assert "LG-R1 retired" in retired.stdout
    listed = {row["code"]: row for row in json.loads(run("loggers", "list", "--json").stdout)}
    assert listed["LG-R1"]["status"] == "retired"
    again = run("loggers", "retire", "LG-R1", check=False)
    assert again.returncode == 1 and "already retired" in again.stderr
    assign = run("loggers", "assign", "LG-R1", "HG-2026-0047", check=False)
    assert assign.returncode == 1 and "logger: LG-R1 is retired" in assign.stderr
    unknown = run("loggers", "retire", "LG-NOPE", check=False)
    assert unknown.returncode == 1 and "no logger 'LG-NOPE'" in unknown.stderr
