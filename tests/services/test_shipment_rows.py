"""The shipments CSV format without a database: a file's problems all found in one pass, its header
checked column by column, and the export's cells read back by the import to the same values."""

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from logistics.core.quantities import QuantityRule
from logistics.core.spreadsheet import safe_cell
from logistics.core.units import parse_quantity
from logistics.services.csv_rows import read_rows
from logistics.services.shipment_rows import (
    COLUMNS,
    Lookups,
    RowProblem,
    cell,
    check_file,
    hours_cell,
    lines_cell,
    named_lots,
    named_references,
    quantity_text,
    split_lines,
    time_cell,
)

LOOKUPS = Lookups(
    site_zones={"HG-SZ": "Asia/Shanghai", "SIRIRAJ-PH": "Asia/Bangkok", "SIRIRAJ-CM": "Asia/Bangkok"},
    lot_rules={("SEL-CD34", "SK2609-031"): QuantityRule("SEL-CD34", "kit", 10_000),
               ("MED-HSC", "M26K05"): QuantityRule("MED-HSC", "bottle", 10_000),
               ("MED-X", "MX-1"): QuantityRule("MED-X", "L", 10_000)},
    references_used=frozenset({"HG-2026-0045"}),
)
HEADER = "reference,origin,destination,air_waybill,planned_departure,planned_arrival,lines\n"
# The clerk's file: four rows, nine problems, which used to take five uploads to find.
TROUBLED = HEADER + (
    "HG-2026-0301,HG-SZ,SIRIRAJ-PH,160-48122035,2026-13-01 09:00,2026-12-12 15:00,"
    "SEL-CD34/SK2609-031=6 L; MED-HSC/M26K05\n"
    "HG-2026-0301,HG-SZ,NOWHERE,,,,SEL-CD34/SK2609-999=2 kit\n"
    "HG-2026-0045,HG-SZ,SIRIRAJ-CM,,2026-12-10 09:00,2026-12-09 09:00,\n"
    "HG-2026-0304,HG-SZ,SIRIRAJ-CM,160-48122034,2026-12-10 09:00,2026-12-12 15:00,MED-X/MX-1=500 mL\n"
)


def check(text, lookups=LOOKUPS):
    header, rows = read_rows(text)
    return check_file(header, rows, lookups)


def test_every_problem_of_a_file_is_reported_at_once_by_row_and_column():
    checked = check(TROUBLED)
    assert checked.rows == ()
    assert list(checked.problems) == [
        RowProblem(2, "planned_departure", "expected a date and time such as 2026-12-01 09:30, "
                                           "got '2026-13-01 09:00'"),
        RowProblem(2, "air_waybill", "check digit should be 4, not 5"),
        RowProblem(2, "lines", "SEL-CD34/SK2609-031: '6 L' cannot be expressed in kit "
                               "(this item is issued in kit)"),
        RowProblem(2, "lines", "write each line as ITEM/LOT=QUANTITY, e.g. SEL-CD34/SK2609-031=6 kit; "
                               "MED-HSC/M26K05=12 bottle; got 'MED-HSC/M26K05'"),
        RowProblem(3, "destination", "no site with code 'NOWHERE'"),
        RowProblem(3, "reference", "'HG-2026-0301' is also in row 2"),
        RowProblem(3, "lines", "no lot 'SEL-CD34/SK2609-999' (write ITEM/LOT, e.g. SEL-CD34/SK2609-031)"),
        RowProblem(4, "planned_arrival", "must not be before the planned departure"),
        RowProblem(4, "reference", "'HG-2026-0045' is already used"),
    ]


def test_a_sound_file_gives_each_row_as_a_draft_with_its_lines():
    fixed = HEADER + (
        "HG-2026-0301,HG-SZ,SIRIRAJ-PH,160-48122034,2026-12-01 09:00,2026-12-12 15:00,"
        "SEL-CD34/SK2609-031=6 kit; MED-HSC/M26K05=12 bottles\n"
        "HG-2026-0302,HG-SZ,SIRIRAJ-PH,,,,SEL-CD34/SK2609-031=2 kit\n"
        "HG-2026-0303,HG-SZ,SIRIRAJ-CM,,2026-12-10 09:00,2026-12-11 09:00,\n"
        "HG-2026-0304,HG-SZ,SIRIRAJ-CM,160-48122034,2026-12-10 09:00,2026-12-12 15:00,MED-X/MX-1=500 mL\n"
    )
    checked = check(fixed)
    assert checked.problems == ()
    assert [row.number for row in checked.rows] == [2, 3, 4, 5]
    first = checked.rows[0]
    assert first.draft.reference == "HG-2026-0301" and first.draft.air_waybill == "160-48122034"
    assert first.draft.planned_departure == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shenzhen
    assert first.draft.planned_arrival == datetime(2026, 12, 12, 8, 0, tzinfo=UTC)  # 15:00 in Bangkok
    assert [(line.lot, line.quantity) for line in first.lines] == [
        ("SEL-CD34/SK2609-031", "6 kit"), ("MED-HSC/M26K05", "12 bottles")]
    assert checked.rows[3].lines[0].quantity == "500 mL"


def test_an_unexpected_column_is_named_with_the_expected_ones_and_the_rows_are_still_checked():
    text = "reference,origin,destination,ETA,lines\nHG-2026-0301,HG-SZ,SIRIRAJ-PH,tomorrow,X/Y=1\n"
    problems = check(text).problems
    [unknown] = [problem for problem in problems if problem.row == 1]
    assert unknown.column == "ETA" and unknown.problem.startswith("unknown column 'ETA' (columns: ")
    assert all(name in unknown.problem for name in COLUMNS)
    assert RowProblem(2, "lines", "no lot 'X/Y' (write ITEM/LOT, e.g. SEL-CD34/SK2609-031)") in problems


def test_columns_missing_unnamed_or_given_twice_and_cells_beyond_the_header_are_problems():
    missing = check("reference,from\nHG-2026-0301,HG-SZ\n").problems
    assert [(problem.row, problem.column) for problem in missing] == [(1, "origin"), (1, "destination"),
                                                                       (1, "from")]
    assert missing[0].problem.startswith("missing column 'origin' (columns: reference, origin, ")
    shaky = check("reference,origin,destination,notes,,notes\n"
                  "HG-2026-0301,HG-SZ,SIRIRAJ-PH,a,,b,stray\n").problems
    assert [(problem.row, problem.column) for problem in shaky] == [(1, "#5"), (1, "notes"), (2, "row")]
    assert shaky[1].problem == "column 'notes' is given twice"
    assert shaky[2].problem == "more cells than the header has columns (left over: 'stray')"


def test_the_columns_an_export_adds_from_the_record_are_read_past():
    text = ("reference,status,origin,destination,actual_departure,actual_arrival\n"
            "HG-2026-0301,in_transit,HG-SZ,SIRIRAJ-PH,2026-12-01T09:00:00+08:00,\n")
    checked = check(text)
    assert checked.problems == () and checked.rows[0].draft.reference == "HG-2026-0301"


def test_a_required_cell_left_empty_is_named():
    problems = check(HEADER + ",HG-SZ,,,,,\n").problems
    assert [(problem.column, problem.problem) for problem in problems] == [("reference", "required"),
                                                                           ("destination", "required")]


def test_a_file_names_what_the_import_looks_up():
    header, rows = read_rows(TROUBLED + "not a reference!,HG-SZ,SIRIRAJ-PH,,,,\n")
    assert named_references(rows) == {"HG-2026-0301", "HG-2026-0045", "HG-2026-0304"}
    assert named_lots(rows) == {"SK2609-031", "M26K05", "SK2609-999", "MX-1"}
    assert split_lines(" A/1 = 2 kit ;; B/x=y=3 ") == [("A/1", "2 kit"), ("B/x=y", "3")]


def test_the_export_cells_are_what_the_import_reads_back():
    moment = datetime(2026, 12, 1, 1, 0, 7, 123456, tzinfo=UTC)
    assert time_cell(moment, "Asia/Shanghai") == "2026-12-01T09:00:07+08:00"
    assert time_cell(None, "Asia/Shanghai") == ""
    assert time_cell(datetime(9999, 12, 31, 23, tzinfo=UTC), "Asia/Shanghai") == "9999-12-31T23:00:00+00:00"
    assert hours_cell(96 * 3600.0) == "96" and hours_cell(1.1 * 3600) == "1.1" and hours_cell(None) == ""
    assert hours_cell(3.6e-3) == "0.000001"  # in full: the import refuses scientific notation
    assert lines_cell([("SEL-CD34", "SK2609-031", 6.0, "kit"), ("MED-X", "MX-1", 0.5, "L")]) == (
        "SEL-CD34/SK2609-031=6 kit; MED-X/MX-1=0.5 L")
    text = HEADER + f"HG-2026-0301,HG-SZ,SIRIRAJ-PH,,{time_cell(moment, 'Asia/Shanghai')},,\n"
    assert check(text).rows[0].draft.planned_departure == moment.replace(microsecond=0)


@given(st.floats(min_value=1e-9, max_value=1e6))
def test_a_quantity_is_written_as_text_that_reads_back_to_the_same_number(amount):
    assert parse_quantity(quantity_text(amount), "kit") == amount


@given(st.text(max_size=30).filter(lambda text: text == text.strip()))
def test_a_cell_guarded_against_spreadsheet_formulas_reads_back_as_it_was(text):
    assert cell(safe_cell(text)) == text


def test_a_time_with_its_own_offset_is_kept_and_one_without_is_the_sites():
    text = HEADER + "HG-2026-0301,HG-SZ,SIRIRAJ-PH,,2026-12-01T09:00:00+09:00,2026-12-02 09:00,\n"
    draft = check(text).rows[0].draft
    assert draft.planned_departure == datetime(2026, 12, 1, 9, tzinfo=timezone(timedelta(hours=9)))
    assert draft.planned_arrival == datetime(2026, 12, 2, 2, tzinfo=UTC)
