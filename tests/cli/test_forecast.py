"""`logistics forecast` from a scenario file without a database, or from the database; `logistics
recruitment`. Refusals also from the installed command."""

from __future__ import annotations

import io
import json
import math
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from logistics.cli.common import ProgressBar
from logistics.cli.forecast import forecast_command
from tests.core.test_forecast import negative_binomial, quantile

SPEC_EXAMPLE = Path(__file__).parents[1] / "fixtures" / "forecast" / "spec-example.toml"
ACCRUAL_EXAMPLE = Path(__file__).parents[1] / "fixtures" / "forecast" / "accrual-three-years.toml"
ITEM_KEYS = {"code", "unit", "window_days", "demand_mean", "demand_p50", "demand_p90", "demand_p95",
             "position", "reorder_point", "order_up_to", "order_quantity", "order_by", "stockout_probability",
             "expected_waste", "excluded"}


def test_the_spec_example_gives_the_spec_shape_and_the_same_answer_twice(run):
    first = run("forecast", "--scenario", str(SPEC_EXAMPLE), "--json")
    answer = json.loads(first.stdout)
    assert answer["as_of"] == "2026-06-01"
    assert set(answer["recruitment"]) == {"rate_per_30d", "remaining", "enrolments_mean", "enrolments_p50",
                                          "enrolments_p90", "enrolments_p95"}
    assert answer["recruitment"]["remaining"] == 7
    (kit,) = answer["items"]
    assert set(kit) == ITEM_KEYS and kit["code"] == "SEL-KIT" and kit["window_days"] == 111
    assert kit["position"] == 2 and kit["order_quantity"] == kit["order_up_to"] - 2
    assert kit["demand_p50"] <= kit["demand_p90"] <= kit["demand_p95"] <= 7  # 7 patients are left
    assert kit["excluded"] == [] and [slot["patient"] for slot in answer["slots"]] == [f"P{n:03d}"
                                                                                     for n in range(4, 11)]
    assert run("forecast", "--scenario", str(SPEC_EXAMPLE), "--json").stdout == first.stdout
    assert not run.database.exists()  # no database was needed, or made


def test_without_json_it_prints_a_table(run):
    text = run("forecast", "--scenario", str(SPEC_EXAMPLE)).stdout
    assert "7 patients still to enrol" in text and "SEL-KIT" in text


def test_a_bad_scenario_is_refused_with_its_problem_named(run, run_installed, tmp_path):
    typo = tmp_path / "typo.toml"
    typo.write_text(SPEC_EXAMPLE.read_text().replace("service_level", "service_levle"))
    refused = run_installed("forecast", "--scenario", str(typo), "--json", check=False)
    assert refused.returncode == 2 and refused.stdout == ""
    assert "[forecast]: unknown key service_levle" in refused.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text("as_of = 2026-06-01\n[recruitment\n")
    assert "not a TOML file" in run("forecast", "--scenario", str(broken), check=False).stderr
    units = tmp_path / "units.toml"
    units.write_text(SPEC_EXAMPLE.read_text().replace("per_patient = 1", 'per_patient = "500 mL"'))
    assert "cannot be expressed in kit" in run("forecast", "--scenario", str(units), check=False).stderr
    missing = run("forecast", "--scenario", str(tmp_path / "none.toml"), check=False)
    assert missing.returncode == 2 and "none.toml" in missing.stderr


@pytest.mark.parametrize(("name", "text", "problem"), [
    ("far.toml", SPEC_EXAMPLE.read_text().replace("as_of = 2026-06-01", "as_of = 9999-12-31"),
     "as_of: 9999-12-31 is outside 2000 to 2099"),
    ("seed.toml", SPEC_EXAMPLE.read_text().replace("seed = 1", "seed = -1"), "seed: a whole number"),
    ("deep.toml", "a = " + "[" * 5000 + "]" * 5000 + "\n", "not a usable TOML file (nested too deeply)"),
    ("deep.json", "[" * 100_000 + "]" * 100_000, "not a usable JSON file (nested too deeply)"),
])
def test_a_scenario_that_breaks_the_reader_or_the_calendar_is_one_line_and_exit_2(tmp_path, name, text,
                                                                                 problem):
    # In-process: the installed command's exit status and stderr are proven by the test above.
    (tmp_path / name).write_text(text)
    refused = CliRunner().invoke(forecast_command, ["--scenario", str(tmp_path / name), "--json"])
    assert refused.exit_code == 2 and refused.stdout == "", refused.output
    assert len(refused.stderr.splitlines()) == 1 and problem in refused.stderr, refused.stderr
    assert refused.exception is None or isinstance(refused.exception, SystemExit)


def test_from_the_database_the_forecast_is_stored_and_printed(run, cli_demo):
    answer = json.loads(run("forecast", "--json", LOGISTICS_FORECAST_RUNS="1000").stdout)
    assert answer["forecast_id"] == 1 and len(answer["items"]) == 14
    assert set(answer["items"][0]) >= ITEM_KEYS
    text = run("forecast", LOGISTICS_FORECAST_RUNS="1000").stdout
    assert "LV-BGLOB" in text and "order by" in text


def test_without_a_plan_the_database_forecast_says_what_is_missing(run):
    run("init")
    refused = run("forecast", check=False)
    assert refused.returncode == 2 and "recruitment plan" in refused.stderr


def test_enrolments_import_from_csv_all_or_nothing(run, cli_demo, run_installed, tmp_path):
    good = tmp_path / "enrolments.csv"
    yesterday = date.today() - timedelta(days=1)  # the demo's dates are relative to today
    good.write_text(f"patient_code,site,enrolled_on\nTDT-006,TH-01,{yesterday}\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(f"patient_code,site,enrolled_on\nTDT-007,TH-01,{yesterday}\nTDT-008,TH-77,{yesterday}\n",
                   encoding="utf-8")
    refused = run_installed("recruitment", "import", str(bad), check=False)
    assert refused.returncode == 2 and refused.stderr.endswith(
        "nothing recorded; row 3: site: no trial site 'TH-77' (known: TH-01, TH-02)\n")
    assert run("recruitment", "import", str(good)).stdout == "1 enrolments recorded, 0 already known\n"
    assert run("recruitment", "import", str(good)).stdout == "0 enrolments recorded, 1 already known\n"
    pulled = run("recruitment", "pull", check=False)
    assert pulled.returncode == 2 and "recruitment_url is not set" in pulled.stderr


def test_the_three_year_accrual_example_gives_the_negative_binomial_to_the_end_of_the_trial(run):
    """Gajewski, Simon & Carlson (2008): 41 of 350 patients enrolled by day 239 of 1,095, prior strength
    175: the enrolments over the last 856 days are NB(α + k, β / (β + w))."""
    answered = run("forecast", "--scenario", str(ACCRUAL_EXAMPLE), "--json")
    assert answered.stderr == ""  # no progress bar where no terminal shows it
    outlook = json.loads(answered.stdout)["recruitment"]
    alpha, k, w = 175, 41, 856
    beta = alpha / (350 / 1095) + 239
    p = beta / (beta + w)
    closed_form = negative_binomial(alpha + k, p)
    assert outlook["remaining"] == 309
    for key, level in (("enrolments_p50", 0.5), ("enrolments_p90", 0.9), ("enrolments_p95", 0.95)):
        assert abs(outlook[key] - quantile(closed_form, level)) <= 1, key
    assert math.isclose(outlook["enrolments_mean"], (alpha + k) * (1 - p) / p, rel_tol=0.02)


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_long_forecast_shows_a_progress_bar_and_a_short_one_none():
    clock = iter([0.0, 0.3, 0.6, 1.2, 1.5]).__next__
    terminal = Terminal()
    bar = ProgressBar("forecasting", after_seconds=1.0, file=terminal, clock=clock)
    bar(1, 4)  # 0.3 s in: too soon to show
    bar(2, 4)
    assert terminal.getvalue() == ""
    bar(3, 4)  # 1.2 s in
    bar(4, 4)
    bar.close()
    shown = terminal.getvalue()
    assert "forecasting" in shown and "75%" in shown and "100%" in shown
    quick = ProgressBar("forecasting", after_seconds=1.0, file=Terminal(), clock=iter([0.0, 0.2]).__next__)
    quick(1, 1)
    quick.close()
    assert quick.file.getvalue() == ""


def test_a_scenario_beyond_the_memory_budget_is_refused_in_one_line_naming_its_figures(tmp_path):
    scenario = tmp_path / "ten-years.toml"
    scenario.write_text(ACCRUAL_EXAMPLE.read_text().replace("horizon_days = 856", "horizon_days = 3650")
                        .replace("runs = 10000", "runs = 100000"))
    refused = CliRunner().invoke(forecast_command, ["--scenario", str(scenario), "--json"])
    assert refused.exit_code == 2 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        "Error: 100,000 runs over 3,672 simulated days (the horizon, the longest lead time and a day) need "
        "367,300,000 cells per matrix, more than the budget of 40,000,000 (about 800 MB); use fewer runs or "
        "a shorter horizon"]
