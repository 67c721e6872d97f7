"""`logistics lanes load FILE`: the seed's lanes are recorded (or set again, by code), all or none; a bad
file or lane is a one-line error naming the lane and field."""

import sqlite3

LANE = """
[[lanes]]
code = "SZ-ROAD-PH"
name = "By road to the pharmacy"
origin = "HG-SZ"
destination = "SIRIRAJ-PH"
packaging = "Passive shipper, 2–8 °C"
packaging_hold_hours = {hold}
storage_profiles = ["refrigerated"]
coolant = "gel_packs"
legs = [
    {{ mode = "truck", origin = "HG-SZ", destination = "BKK", duration_hours = 40 }},
    {{ mode = "courier", origin = "BKK", destination = "SIRIRAJ-PH", wait_hours = 1, duration_hours = 2 }},
]
"""


def lanes_in(database):
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT code, packaging_hold_s FROM lanes ORDER BY code").fetchall()
    connection.close()
    return rows


def test_a_seed_file_is_loaded_and_loaded_again_sets_the_lanes_by_code(run, cli_demo, tmp_path):
    seed = tmp_path / "lanes.toml"
    seed.write_text(LANE.format(hold=48), encoding="utf-8")
    assert "1 lanes added, 0 changed" in run("lanes", "load", str(seed)).stdout
    seed.write_text(LANE.format(hold=72), encoding="utf-8")
    assert "0 lanes added, 1 changed" in run("lanes", "load", str(seed)).stdout
    assert ("SZ-ROAD-PH", 72 * 3600.0) in lanes_in(run.database)
    assert len(lanes_in(run.database)) == 5  # with the demo's four


def test_a_bad_seed_is_a_one_line_error_and_nothing_is_recorded(run, run_installed, cli_demo, tmp_path):
    seed = tmp_path / "lanes.toml"
    seed.write_text(LANE.format(hold=48).replace('destination = "BKK"', 'destination = "HKG"'),
                    encoding="utf-8")
    result = run_installed("lanes", "load", str(seed), check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "SZ-ROAD-PH.legs.1.origin: must be HKG, where the leg before arrives" in result.stderr
    seed.write_text("not TOML", encoding="utf-8")
    result = run("lanes", "load", str(seed), check=False)
    assert result.returncode == 1 and "lanes.toml" in result.stderr
    assert run("lanes", "load", str(tmp_path / "missing.toml"), check=False).returncode == 1
    assert len(lanes_in(run.database)) == 4
