"""`logistics analyze FILE`: logger files judged offline, the whole SPEC §2.2 object checked (no database)."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from logistics.cli.analyze import analyze, rule_name, with_limits
from logistics.readers.config_files import load_profiles

FILES = Path(__file__).parents[1] / "fixtures" / "logger-files"


def run(*args):
    return CliRunner().invoke(analyze, [str(arg) for arg in args], prog_name="logistics analyze")


def analysed(name, *options):
    result = run(FILES / name, *options, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def report(readings, start, end, low, high, mean, mkt, in_range, above, below, no_data, excursions,
           duplicates_dropped=0):
    return {"readings": readings, "start": start, "end": end, "min_c": low, "max_c": high, "mean_c": mean,
            "mkt_c": mkt, "time_in_range_s": in_range, "time_above_s": above, "time_below_s": below,
            "time_no_data_s": no_data, "excursions": excursions,
            "verdict": "alarm" if excursions else "pass", "duplicates_dropped": duplicates_dropped}


def entry(rule, kind, mode, severity, start, end, duration_s, peak):
    return {"rule": rule, "kind": kind, "mode": mode, "severity": severity, "start": start, "end": end,
            "duration_s": duration_s, "peak": peak}


# MKT figures below: (ΔH/R) / −ln(Σ wᵢ e^(−ΔH/(R·Tᵢ)) / Σ wᵢ) with ΔH/R = 10000 K, worked out separately.

def test_a_clean_refrigerated_trace_passes():
    # 12 readings every 5 min, 08:00 to 08:55 +07:00 = 01:00 to 01:55 Z; the last covers Δ = 5 min → 02:00.
    # All within 2–8 °C, limits included (8.0 and 2.0): 12 · 300 s in range.
    # mean = (4 + 4.5 + 5 + 5.5 + 6 + 8 + 7.5 + 6 + 5 + 4 + 3 + 2) / 12 = 60.5 / 12 = 5.0417
    assert analysed("refrigerated-clean.csv", "--profile", "refrigerated") == report(
        12, "2026-11-20T01:00:00Z", "2026-11-20T02:00:00Z", 2.0, 8.0, 5.04, 5.21,
        3600.0, 0.0, 0.0, 0.0, [])


def test_forty_minutes_above_8c_is_an_alarm():
    # 25 readings every 5 min from 00:00; 8 of them above 8 °C (00:30 … 01:05) → 8 · 300 = 2400 s = 40 min
    # ≥ 30 min: above_8c_30min from 00:30 to 01:05 + 5 min; 40 min < the 60-min cumulative budget.
    # mean = (17 · 5 + 8.5 + 9 + 9.5 + 10 + 10.2 + 9.6 + 9.1 + 8.4) / 25 = 159.3 / 25 = 6.372
    assert analysed("refrigerated-excursion-40min.csv", "--profile", "refrigerated") == report(
        25, "2026-11-21T00:00:00Z", "2026-11-21T02:05:00Z", 5.0, 10.2, 6.37, 6.64,
        5100.0, 2400.0, 0.0, 0.0,
        [entry("above_8c_30min", "above", "single", "major", "2026-11-21T00:30:00Z",
               "2026-11-21T01:10:00Z", 2400.0, 10.2)])


def test_fahrenheit_readings_are_converted():
    # °F 41, 39.2, 35.6, 33.8, 31.1, 35.6, 42.8, 46.4 = °C 5, 4, 2, 1, −0.5, 2, 6, 8, every 10 min.
    # below 2 °C: 1 and −0.5 → 2 · 600 s (20 min < 30); below 0 °C: −0.5 → freeze_below_0c (0 min).
    # mean = 27.5 / 8 = 3.4375
    assert analysed("refrigerated-fahrenheit.csv", "--profile", "refrigerated") == report(
        8, "2026-11-22T00:00:00Z", "2026-11-22T01:20:00Z", -0.5, 8.0, 3.44, 3.87,
        3600.0, 0.0, 1200.0, 0.0,
        [entry("freeze_below_0c", "below", "single", "critical", "2026-11-22T00:40:00Z",
               "2026-11-22T00:50:00Z", 600.0, -0.5)])


def test_unix_seconds_with_a_unit_column_shocks_and_the_cumulative_budget():
    # 1795392000 = 2026-11-23T00:00Z, every 10 min; 282.65 K = 9.5 °C, 278.15 K = 5 °C.
    # Above 8 °C in three 20-min runs (00:10–00:30, 00:50–01:10, 01:20–01:40): none reaches 30 min, but
    # 3 · 1200 s = 3600 s reaches the 60-min budget when the last covered minute ends, at 01:40.
    # 12.5 g at 00:40 is a shock (≥ 10 g); 3.0 g at 01:40 is not.
    # mean = (5 + 9 + 9.5 + 5 + 6 + 8.6 + 9.2 + 5 + 8.8 + 9.9 + 5 + 4) / 12 = 85 / 12 = 7.0833
    assert analysed("refrigerated-unix-seconds.csv", "--profile", "refrigerated") == report(
        12, "2026-11-23T00:00:00Z", "2026-11-23T02:00:00Z", 4.0, 9.9, 7.08, 7.36,
        3600.0, 3600.0, 0.0, 0.0,
        [entry("shock_10g", "shock", "event", "major", "2026-11-23T00:40:00Z", "2026-11-23T00:40:00Z",
               0.0, 12.5),
         entry("above_8c_cumulative_60min", "above", "cumulative", "critical", "2026-11-23T01:40:00Z",
               None, 3600.0, 9.9)])


def test_a_gap_is_reported_and_splits_the_run():
    # Readings at 0, 5, 10, 15, 20, 60, 65, 70, 75, 80 min: Δ = 5 min, H = 10 min.
    # The reading at 00:20 covers 10 min; 00:30 → 01:00 is a 1800-s gap.
    # Above 8 °C: 5, 10, 15 min (3 · 300) + 20 min (600) = 1500 s, then 60, 65 min = 600 s: no run of
    # 30 min, 2100 s in all. In range: 0, 70, 75, 80 min = 1200 s.
    # mean = (300·5 + 300·9 + 300·9 + 300·9.5 + 600·10 + 300·9 + 300·9 + 900·5) / 3300 = 25650 / 3300 = 7.7727
    assert analysed("refrigerated-gap.csv", "--profile", "refrigerated") == report(
        10, "2026-11-24T00:00:00Z", "2026-11-24T01:25:00Z", 5.0, 10.0, 7.77, 8.03,
        1200.0, 2100.0, 0.0, 1800.0,
        [entry("no_data_gap", "no_data", "gap", "major", "2026-11-24T00:30:00Z", "2026-11-24T01:00:00Z",
               1800.0, None)])


def test_a_longer_hold_bridges_the_gap():
    # --max-hold 60: the reading at 00:20 covers the whole 40-min step, so the run 00:05 → 01:05 is
    # 3·300 + 2400 + 2·300 = 3900 s and ends at 01:10. Cumulative: 900 + 2400 = 3300 s up to 01:00,
    # + 300 s of the reading at 01:00 → 3600 s at 01:05.
    # mean = (300·5 + 300·9 + 300·9 + 300·9.5 + 2400·10 + 300·9 + 300·9 + 900·5) / 5100
    #      = 43650 / 5100 = 8.5588
    assert analysed("refrigerated-gap.csv", "--profile", "refrigerated", "--max-hold", "60") == report(
        10, "2026-11-24T00:00:00Z", "2026-11-24T01:25:00Z", 5.0, 10.0, 8.56, 8.78,
        1200.0, 3900.0, 0.0, 0.0,
        [entry("above_8c_30min", "above", "single", "major", "2026-11-24T00:05:00Z", "2026-11-24T01:10:00Z",
               3900.0, 10.0),
         entry("above_8c_cumulative_60min", "above", "cumulative", "critical", "2026-11-24T01:05:00Z",
               None, 3900.0, 10.0)])


def test_a_range_without_a_profile_alarms_on_any_reading_beyond_it():
    # --min 4 --max 9: a profile "custom" with above_9c and below_4c at 0 minutes (major).
    # Above 9 °C: 9.5, 10.0, 10.2, 9.6, 9.1 at 00:40 … 01:00 → 5 · 300 = 1500 s, until 01:05.
    result = analysed("refrigerated-excursion-40min.csv", "--min", "4", "--max", "9")
    assert (result["time_above_s"], result["time_in_range_s"], result["verdict"]) == (1500.0, 6000.0, "alarm")
    assert result["excursions"] == [entry("above_9c", "above", "single", "major", "2026-11-21T00:40:00Z",
                                          "2026-11-21T01:05:00Z", 1500.0, 10.2)]


def test_max_replaces_the_profile_limit_and_moves_its_rules():
    # --max 10: above_8c_30min and above_8c_cumulative_60min move to 10 °C; only 10.2 °C (300 s) is above.
    result = analysed("refrigerated-excursion-40min.csv", "--profile", "refrigerated", "--max", "10")
    assert (result["time_above_s"], result["excursions"], result["verdict"]) == (300.0, [], "pass")
    moved = with_limits(load_profiles()["refrigerated"], 3.0, 10.0)
    assert [(rule.name, rule.threshold_c) for rule in moved.rules] == [
        ("above_10c_30min", 10.0), ("above_10c_cumulative_60min", 10.0), ("below_3c_30min", 3.0),
        ("freeze_below_0c", 0.0)]
    assert (moved.min_c, moved.max_c) == (3.0, 10.0)


def test_a_new_limit_on_a_profile_without_one_gets_a_rule():
    dry_ice = with_limits(load_profiles()["dry_ice"], -90.0, None)
    assert [(rule.name, rule.kind, rule.minutes, rule.severity) for rule in dry_ice.rules] == [
        ("above_minus60c_15min", "above", 15, "critical"), ("below_minus90c", "below", 0, "major")]
    assert rule_name("above", -15.0, "single", 30) == "above_minus15c_30min"
    assert rule_name("above", 8.5, "cumulative", 60) == "above_8.5c_cumulative_60min"


def test_the_report_for_people():
    result = run(FILES / "refrigerated-unix-seconds.csv", "--profile", "refrigerated")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "refrigerated-unix-seconds.csv: 12 readings",
        "  from 2026-11-23T00:00:00Z to 2026-11-23T02:00:00Z (2 h)",
        "  judged by refrigerated v1 (2 to 8 °C), reading interval 10 min, hold 20 min",
        "temperature  min 4.00 °C, max 9.90 °C, mean 7.08 °C, MKT 7.36 °C",
        "time         in range 1 h, above 1 h, below 0 s, no data 0 s",
        "excursions   2",
        "  major    shock_10g (shock, event): at 2026-11-23T00:40:00Z, peak 12.50 g",
        "  critical above_8c_cumulative_60min (above, cumulative): budget reached 2026-11-23T01:40:00Z, "
        "1 h beyond in all, peak 9.90 °C",
        "verdict      ALARM",
    ]


def test_the_report_for_people_on_a_clean_trace():
    result = run(FILES / "refrigerated-clean.csv", "--profile", "refrigerated")
    assert "excursions   none" in result.stdout and result.stdout.rstrip().endswith("verdict      PASS")


# --- Times shown at the file's offset, or in --tz ------------------------------------------------

BANGKOK_TRACE = ("timestamp,temperature_c\n"  # every 10 min from 08:00 +07:00; 40 min above 8 °C from 08:20
                 "2026-11-20T08:00:00+07:00,5\n2026-11-20T08:10:00+07:00,6\n2026-11-20T08:20:00+07:00,9\n"
                 "2026-11-20T08:30:00+07:00,9.5\n2026-11-20T08:40:00+07:00,10\n2026-11-20T08:50:00+07:00,9\n"
                 "2026-11-20T02:00:00Z,5\n")  # 09:00 +07:00, written in UTC by a later firmware


def bangkok_file(tmp_path):
    path = tmp_path / "bangkok.csv"
    path.write_text(BANGKOK_TRACE)
    return path


def test_the_report_shows_times_at_the_first_rows_offset(tmp_path):
    lines = run(bangkok_file(tmp_path), "--profile", "refrigerated").stdout.splitlines()
    assert lines[1] == "  from 2026-11-20T08:00:00+07:00 to 2026-11-20T09:10:00+07:00 (1 h 10 min)"
    assert lines[6] == ("  major    above_8c_30min (above, single): 2026-11-20T08:20:00+07:00 → "
                        "2026-11-20T09:00:00+07:00, 40 min, peak 10.00 °C")


def test_the_json_keeps_utc_unless_a_zone_is_asked_for(tmp_path):
    path = bangkok_file(tmp_path)
    utc = analysed_path(path)
    assert (utc["start"], utc["end"], utc["excursions"][0]["start"]) == (
        "2026-11-20T01:00:00Z", "2026-11-20T02:10:00Z", "2026-11-20T01:20:00Z")
    shanghai = json.loads(run(path, "--profile", "refrigerated", "--json", "--tz", "Asia/Shanghai").stdout)
    assert (shanghai["start"], shanghai["end"], shanghai["excursions"][0]["end"]) == (
        "2026-11-20T09:00:00+08:00", "2026-11-20T10:10:00+08:00", "2026-11-20T10:00:00+08:00")
    assert {key: value for key, value in shanghai.items() if key not in ("start", "end", "excursions")} == {
        key: value for key, value in utc.items() if key not in ("start", "end", "excursions")}


@pytest.mark.parametrize(("zone", "start"), [
    ("UTC", "2026-11-20T01:00:00Z"), ("z", "2026-11-20T01:00:00Z"), ("+05:30", "2026-11-20T06:30:00+05:30"),
    ("-0300", "2026-11-19T22:00:00-03:00"), (" Asia/Bangkok ", "2026-11-20T08:00:00+07:00"),
])
def test_tz_shows_the_report_in_that_zone(tmp_path, zone, start):
    lines = run(bangkok_file(tmp_path), "--profile", "refrigerated", "--tz", zone).stdout.splitlines()
    assert lines[1].startswith(f"  from {start} to ")


def test_unix_seconds_read_in_utc():
    result = run(FILES / "refrigerated-unix-seconds.csv", "--profile", "refrigerated")
    assert "  from 2026-11-23T00:00:00Z to 2026-11-23T02:00:00Z (2 h)" in result.stdout.splitlines()


def test_repeated_times_keep_the_first_row(tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("timestamp,temperature_c\n2026-11-20T00:00:00Z,5\n2026-11-20T00:05:00Z,6\n"
                    "2026-11-20T00:05:00Z,12\n2026-11-20T00:10:00Z,7\n")
    result = json.loads(run(path, "--profile", "refrigerated", "--json").stdout)
    assert (result["readings"], result["max_c"], result["duplicates_dropped"]) == (3, 7.0, 1)
    assert "(1 repeated times dropped)" in run(path, "--profile", "refrigerated").stdout


# --- Bad files: exit status 2 and one line naming the row ------------------------------------------

def assert_refused(result, message):
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"Error: {message}"]
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("name", "message"), [
    ("bad-temperature.csv", "bad-temperature.csv: row 5: temperature_c 'abc' is not a number"),
    ("bad-no-timestamp-column.csv", "bad-no-timestamp-column.csv: row 1: the header has no timestamp column"),
    ("bad-time.csv", "bad-time.csv: row 3: timestamp 'yesterday noon' is not a date and time "
                     "(ISO 8601 or Unix seconds)"),
])
def test_bad_fixture_files_are_refused(name, message):
    assert_refused(run(FILES / name, "--profile", "refrigerated", "--json"), message)


@pytest.mark.parametrize(("content", "message"), [
    ("", "the file is empty"),
    ("timestamp,temperature_c\n", "the file has a header but no data rows"),
    ("timestamp,temperature_c\n\n\n", "the file has a header but no data rows"),
    ("timestamp,humidity\n2026-11-20T00:00:00Z,50\n", "row 1: the header has no temperature column "
     "(temperature_c, temperature_f, temperature_k, or temperature with unit)"),
    ("timestamp,temperature_c,temperature_f\n", "row 1: the header has several temperature columns "
     "(temperature_c, temperature_f); keep one"),
    ("timestamp,temperature\n", "row 1: the temperature column needs a unit column (C, F or K)"),
    ("timestamp,Temperature_C,temperature_c\n",
     "row 1: the header has the column 'temperature_c' more than once"),
    ("timestamp,temperature_c\n2026-11-20T00:00:00,5\n",
     "row 2: timestamp '2026-11-20T00:00:00' has no UTC offset; add Z or an offset such as +07:00"),
    ("timestamp,temperature_c\n,5\n", "row 2: timestamp is empty"),
    ("timestamp,temperature\n1795392000,5\n",
     "row 1: the temperature column needs a unit column (C, F or K)"),
    ("timestamp,temperature,unit\n1795392000,5,R\n", "row 2: unit 'R' is not C, F or K"),
    ("timestamp,temperature,unit\n1795392000,5,\n", "row 2: unit is empty"),
    ("timestamp,temperature_k\n1795392000,-3\n",
     "row 2: temperature_k '-3' is -276.15 °C, outside the physical range -273.15 to +100 °C"),
    ("timestamp,temperature_c,shock_g\n1795392000,5,-1\n",
     "row 2: shock_g '-1' is negative, but a shock magnitude is never below 0"),
    ("timestamp,temperature_c,shock_g\n1795392000,5,lots\n", "row 2: shock_g 'lots' is not a number"),
    ("timestamp,temperature_c,shock_g\n1795392000,5,\n1795392600,,\n",
     "row 3: no temperature_c and no shock_g"),
    ("timestamp,temperature_c,shock_g\n1795392000,,12\n", "the file has no temperature readings"),
    ('timestamp,temperature_c\n1795392000,"5\n', "row 2: unexpected end of data"),
    ("timestamp,temperature_c\n2026-11-20T00:00:00Z,5\n9999-12-31T23:00:00Z,5\n",
     "row 3: timestamp '9999-12-31T23:00:00Z' is outside 1970 to 2099; no logger recorded it"),
    ("timestamp,temperature_c\n9999-12-31T23:59:59-14:00,5\n",
     "row 2: timestamp '9999-12-31T23:59:59-14:00' is not a date and time (ISO 8601 or Unix seconds)"),
    ("timestamp,temperature_c\n-1,5\n",
     "row 2: timestamp '-1' is outside 1970 to 2099; no logger recorded it"),
    ("timestamp,temperature_c,shock_g\n1795392000,5,\n1795392600,6\n",
     "row 3: 2 columns, but the header has 3; give every column a cell, an empty one if it has no value"),
    ("timestamp,temperature,unit\n1795392000,5\n",
     "row 2: 2 columns, but the header has 3; give every column a cell, an empty one if it has no value"),
])
def test_bad_files_are_refused_with_the_row_and_problem(tmp_path, content, message):
    path = tmp_path / "logger.csv"
    path.write_text(content, encoding="utf-8")
    assert_refused(run(path, "--profile", "refrigerated"), f"logger.csv: {message}")


def test_a_file_that_is_not_text_is_refused(tmp_path):
    path = tmp_path / "logger.csv"
    path.write_bytes(b"timestamp,temperature_c\n\xff\xfe,5\n")
    assert_refused(run(path, "--profile", "refrigerated"), "logger.csv: the file is not UTF-8 text")


def test_a_file_written_by_a_spreadsheet_is_read(tmp_path):
    # A byte-order mark, CRLF line ends, spaces around names and values, a lower-case unit, extra columns.
    path = tmp_path / "export.csv"
    path.write_bytes("\ufeff Timestamp , Temperature , Unit ,Battery\r\n"
                     "2026-11-20T00:00:00Z, 41 ,f,90\r\n2026-11-20T00:10:00+00:00,278.15, k ,90\r\n".encode())
    result = analysed_path(path)
    assert (result["readings"], result["min_c"], result["max_c"], result["end"]) == (
        2, 5.0, 5.0, "2026-11-20T00:20:00Z")


def test_a_header_ending_in_empty_cells_asks_no_cell_of_them(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text("timestamp,temperature_c,,\n2026-11-20T00:00:00Z,5\n2026-11-20T00:10:00Z,6,,\n")
    assert analysed_path(path)["readings"] == 2


def analysed_path(path):
    result = run(path, "--profile", "refrigerated", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(("options", "message"), [
    ([], "give --profile NAME, or a range with --min and/or --max"),
    (["--profile", "warm"],
     "'warm' is not a profile; choose from crt, dry_ice, frozen, ln2_vapour, refrigerated"),
    (["--min", "9", "--max", "3"], "the lower limit 9 °C is above the upper limit 3 °C"),
    (["--profile", "refrigerated", "--min", "9"], "the lower limit 9 °C is above the upper limit 8 °C"),
    (["--max", "nan"], "must be a finite number of °C"),
    (["--profile", "refrigerated", "--max-hold", "0"], "--max-hold"),
    (["--profile", "refrigerated", "--tz", "Mars/Olympus"],
     "'Mars/Olympus' is not a time zone: give an IANA name such as Asia/Bangkok, UTC, or an offset such as "
     "+07:00"),
    (["--profile", "refrigerated", "--tz", "+25:00"], "'+25:00' is not a time zone"),
])
def test_unusable_options_are_usage_errors(options, message):
    result = run(FILES / "refrigerated-clean.csv", *options)
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.output


def test_the_help_explains_the_range_options():
    result = run("--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "above_<max>c or below_<min>c: a single event after 0 minutes, severity major" in text
    assert "profile named \"custom\"" in text
