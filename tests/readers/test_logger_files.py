"""Logger files read quickly read as the careful path reads them, row by row, problems included."""

from __future__ import annotations

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from logistics.readers import logger_files
from logistics.readers.logger_files import LoggerFile, LoggerFileError, read_logger_csv

# Times and numbers near the edges of what the careful path accepts, and some it refuses.
TIMES = ["2026-03-01T02:00:00+07:00", "2026-03-01T02:00:00.5Z", "2026-03-01T02:00:00z", "2026-03-01 02:00Z",
         "2026-03-01T02:00:00", "1772330400", "1772330400.25", " 2026-03-01T02:00:00+07:00 ", "2026-03-01",
         "1969-12-31T23:59:59Z", "2099-12-31T23:59:59+00:00", "2100-01-01T06:00:00+07:00",
         "2026-W09-1T02:00:00Z", "2026-13-01T00:00:00Z", "1.e-1234   ", "", "   ", "soon"]
NUMBERS = ["5.25", "-71", "+.5", "5.", " 4.5 ", "1e00001", "1_0", "nan", "inf", "1e400", "abc", "", "101",
           "-300", "٣", "0x10"]
UNITS = ["C", "f", "°K", "X", ""]


def careful(text: str) -> LoggerFile | str:
    """The file read the careful way alone (each row through `_sample`), or the problem it names."""
    rows = list(csv.reader(io.StringIO(text), strict=True))
    try:
        layout = logger_files._layout(rows[0])
        samples, first = [], ""
        for number, row in enumerate(rows[1:], start=2):
            if not logger_files._blank(row):
                samples.append(logger_files._sample(row, layout, number))
                first = first or logger_files._cell(row, layout.timestamp)
        if not samples or all(sample.temperature_c is None for sample in samples):
            return "no readings"
        return LoggerFile(samples, offset=logger_files._written_offset(first))
    except LoggerFileError as error:
        return str(error)


def read(text: str) -> LoggerFile | str:
    try:
        return read_logger_csv(io.StringIO(text))
    except LoggerFileError as error:
        message = str(error)
        whole_file = ("the file has a header but no data rows", "the file has no temperature readings")
        return "no readings" if message in whole_file else message


rows = st.lists(st.tuples(st.sampled_from(TIMES), st.sampled_from(NUMBERS), st.sampled_from(NUMBERS),
                          st.sampled_from(UNITS)), min_size=1, max_size=8)


@given(rows, st.booleans())
def test_every_row_reads_as_the_careful_path_reads_it(cells, with_unit_column):
    header = "timestamp,temperature,unit,shock_g" if with_unit_column else "timestamp,temperature_c,shock_g"
    lines = [header] + [",".join(f'"{cell}"' for cell in ((time, temperature, unit, shock) if with_unit_column
                                                           else (time, temperature, shock)))
                        for time, temperature, shock, unit in cells]
    text = "\n".join(lines) + "\n"
    assert read(text) == careful(text)


def test_a_short_row_and_a_blank_line_among_plain_ones():
    text = ("timestamp,temperature_c,shock_g\n2026-03-01T02:00:00+07:00,5.0,\n\n"
            "2026-03-01T02:01:00+07:00,5.5\n")
    refused = ("row 4: 2 columns, but the header has 3; give every column a cell, an empty one if it has "
               "no value")
    assert read(text) == careful(text) == refused


# Times that the quick path reads without their offset, and counts from their digits when all are
# written alike: each must read as the careful path reads it, or be left to it.
OFFSET_TIMES = ["2026-03-01T02:00:00+07:00", "2026-03-01T02:00:00+07:00", "2026-03-01T23:59:59+07:00",
                "2024-02-29T12:00:00+07:00", "2026-02-29T12:00:00+07:00", "2026-03-01 02:00:00+07:00",
                "2026-03-01T02:00:00.250+07:00", "2026-03-01T02:00:00.5+07:00", "2026-03-01T02+07:00",
                "2026-03-01T02:00:00,5+07:00", "2026-03-01+07:00", "2026-03-01T02:00:00+07:00+07:00",
                "2026-03-01T02:00:00+08:00", "2026-03-01T02:00:00Z", "1970-01-01T06:59:59+07:00",
                "2100-01-01T06:59:59+07:00", "0001-01-01T00:00:00+07:00", "2026-03-01T02:00:00-03:30",
                "２026-03-01T02:00:00+07:00"]


@given(st.lists(st.sampled_from(OFFSET_TIMES), min_size=1, max_size=8), st.sampled_from(["", "-03:30", "Z"]))
def test_times_read_without_their_offset_read_as_the_careful_path_reads_them(times, other_offset):
    rows = [time.replace("+07:00", other_offset) if other_offset and index % 2 else time
            for index, time in enumerate(times)]
    text = "timestamp,temperature_c\n" + "".join(f"{time},5.0\n" for time in rows)
    assert read(text) == careful(text)
