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


def test_the_csv_export_loads_again_as_the_same_lanes(run, cli_demo, tmp_path):
    exported = run("lanes", "export").stdout
    header, *rows = exported.splitlines()
    assert header.startswith("code,name,origin,destination,packaging,packaging_hold_hours,storage_profiles,")
    assert len(rows) == 16  # the demo's four lanes of four legs
    assert 'SZ-SZX-BKK-CM,"Shenzhen → Siriraj cell manufacturing via Shenzhen airport, dry ice",' in exported
    assert "dry_ice; frozen,2,dry_ice,12,false" in exported and ",true,,1,truck,HG-SZ,HKG," in exported
    copy = tmp_path / "lanes.csv"
    copy.write_text(exported.replace("SZ-", "RT-"), encoding="utf-8")  # the same lanes under other codes
    assert "4 lanes added, 0 changed" in run("lanes", "load", str(copy)).stdout
    again = run("lanes", "export", "--out", str(tmp_path / "again.csv"))
    assert again.returncode == 0 and "lanes written to" in again.stderr
    both = (tmp_path / "again.csv").read_text(encoding="utf-8").splitlines()
    assert both[1:] == sorted([*rows, *(row.replace("SZ-", "RT-") for row in rows)])
    assert "0 lanes added, 4 changed" in run("lanes", "load", str(copy)).stdout


def test_a_bad_csv_names_every_problem_by_row_and_nothing_is_recorded(run, cli_demo, tmp_path):
    lines = run("lanes", "export").stdout.replace("SZ-", "RT-").splitlines()
    lines[0] += ",colour"
    lines[2] = lines[2].replace("Cathay Cargo,3.5,3", "Cathay Cargo,3.5,three")  # leg 2 of RT-HKG-BKK-CM
    lines[4] = lines[4].replace("BKK,SIRIRAJ-CM", "BKK,SIRIRAJ-XX")  # its leg 4
    lines[6] = lines[6].replace(",96,", ",72,", 1)  # a lane column differing on one of RT-HKG-BKK-PH's rows
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("lanes", "load", str(bad), check=False)
    assert result.returncode == 1 and "nothing was recorded" in result.stderr
    assert "row 1, colour: unknown column 'colour'" in result.stderr
    assert "row 3, leg_duration_hours: enter a number written out in full" in result.stderr
    assert "row 7, packaging_hold_hours: differs from row 6, the first row of RT-HKG-BKK-PH" in result.stderr
    lines[0], lines[2] = lines[0].removesuffix(",colour"), lines[2].replace("three", "3")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("lanes", "load", str(bad), check=False)  # a site the database does not know, on its row
    assert result.returncode == 1
    assert "row 5, leg_destination: no site with code 'SIRIRAJ-XX'" in result.stderr
    assert "row 7, packaging_hold_hours: differs from row 6" in result.stderr  # and the other lane's
    assert len(lanes_in(run.database)) == 4
