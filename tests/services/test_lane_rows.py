"""The lanes CSV format without a database: a row per leg read into lane drafts, every problem of a file
named by its row (the header is row 1) and column at once, and refusals of a lane's fields placed back on
the rows they came from."""

from __future__ import annotations

import csv
import io

from logistics.services.lane_rows import COLUMNS, LaneRows, check_file, place

LANE = {"code": "RT-1", "name": "By road", "origin": "HG-SZ", "destination": "SIRIRAJ-PH",
        "packaging": "Passive shipper", "packaging_hold_hours": "48", "storage_profiles": "refrigerated; crt",
        "loggers_per_box": "1", "coolant": "gel_packs", "coolant_kg": "", "no_free_liquid": "false",
        "notes": ""}
LEGS = [{"leg": "1", "leg_mode": "truck", "leg_origin": "HG-SZ", "leg_destination": "BKK",
         "leg_carrier": "Kerry", "leg_wait_hours": "0", "leg_duration_hours": "40"},
        {"leg": "2", "leg_mode": "courier", "leg_origin": "BKK", "leg_destination": "SIRIRAJ-PH",
         "leg_carrier": "", "leg_wait_hours": "1", "leg_duration_hours": "2.5"}]


def checked(rows, header=COLUMNS):
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    reader = csv.DictReader(io.StringIO(out.getvalue()))
    return check_file(list(reader.fieldnames or []), list(reader))


def problems(result):
    return {(problem.row, problem.column, problem.problem.split(":")[0]) for problem in result.problems}


def test_a_lane_is_read_from_its_rows_in_the_order_of_their_leg_numbers():
    result = checked([{**LANE, **LEGS[1]}, {**LANE, **LEGS[0]}])
    assert result.problems == ()
    [lane] = result.drafts
    assert (lane.code, lane.storage_profiles, lane.packaging_hold_hours, lane.coolant_kg) == (
        "RT-1", ["refrigerated", "crt"], 48, None)
    assert [(leg.mode, leg.carrier, leg.wait_hours, leg.duration_hours) for leg in lane.legs] == [
        ("truck", "Kerry", 0, 40), ("courier", None, 1, 2.5)]
    assert result.lanes["RT-1"].rows_of_legs() == [3, 2]


def test_every_problem_of_the_file_is_named_by_row_and_column_at_once():
    other = {**LANE, "code": "RT-2"}
    result = checked([
        {**LANE, **LEGS[0], "leg_duration_hours": "4e1"},  # row 2: scientific notation
        {**LANE, **LEGS[1], "name": "By road, again"},  # row 3: a lane column differing from row 2
        {**other, **LEGS[0]}, {**other, **LEGS[0], "leg_mode": "boat"},  # rows 4, 5: leg 1 twice
        {**LANE, "code": "RT-3", **LEGS[1]},  # row 6: its legs numbered 2 alone
        {**LANE, "code": "RT-4", "no_free_liquid": "maybe", **LEGS[0]},  # row 7
        {**LANE, "code": "", **LEGS[0]},  # row 8: no code
        {**LANE, "code": "RT-5", "coolant": "snow", **LEGS[0], "leg_duration_hours": "0"},  # row 9
    ])
    assert result.drafts == ()
    assert problems(result) == {
        (2, "leg_duration_hours", "write the number out in full, not in scientific notation ('4e1')"),
        (3, "name", "differs from row 2, the first row of RT-1"),
        (5, "leg", "leg 1 of RT-2 is also in row 4"),
        (6, "leg", "the legs of RT-3 are numbered 2"),
        (7, "no_free_liquid", "write true or false, not 'maybe'"),
        (8, "code", "required"),
        (9, "coolant", "choose one of none, gel_packs, dry_ice, ln2_dry_shipper"),
        (9, "leg_duration_hours", "Input should be greater than 0"),
    }


def test_the_header_is_checked_first_and_a_lane_read_whole_is_kept_for_the_database_checks():
    header = [name for name in COLUMNS if name != "leg"] + ["colour", "code"]
    result = checked([{**LANE, **LEGS[0]}], header=header)
    assert problems(result) == {(1, "leg", "missing column 'leg' (columns"),
                                (1, "colour", "unknown column 'colour' (columns"),
                                (1, "code", "column 'code' is given twice")}
    result = checked([{**LANE, **LEGS[0]}, {**LANE, **LEGS[1]}, {**LANE, "code": "RT-2", **LEGS[0],
                                                                 "leg": "1.5"}])
    assert [lane.code for lane in result.drafts] == ["RT-1"]  # RT-2's row has a problem of its own
    assert problems(result) == {(4, "leg", "must be a whole number, from 1")}


def test_refusals_of_a_lane_are_placed_on_the_rows_of_its_fields():
    lane = LaneRows(first_row=5, lane={}, legs={1: (5, {}), 2: (9, {})})
    placed = place(lane, {"storage_profiles": "no storage profile 'tepid'", "legs.1.origin": "must be BKK",
                          "legs": "give the lane its legs", "legs.0": "a leg"})
    assert {(problem.row, problem.column) for problem in placed} == {
        (5, "storage_profiles"), (9, "leg_origin"), (5, "leg")}
