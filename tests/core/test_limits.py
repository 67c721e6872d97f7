"""The bounds of core/limits.py, without a database."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.core.limits import (
    BUSINESS_TIME_EARLIEST,
    BUSINESS_TIME_LATEST,
    MAX_JSON_DEPTH,
    MAX_LINE_QUANTITY,
    TooDeep,
    business_time_problem,
    line_quantity_problem,
    loads_bounded,
)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-14:00",
                                  "9999-12-31T23:59:59+00:00", "1999-12-31T23:59:59+00:00",
                                  "2100-01-01T00:00:00+00:00", "2000-01-01T07:59:59+08:00"])
def test_times_outside_the_window_are_named_without_overflowing(text):
    problem = business_time_problem(datetime.fromisoformat(text))
    assert problem and "2000-01-01" in problem and "2100-01-01" in problem and text in problem


@pytest.mark.parametrize("moment", [BUSINESS_TIME_EARLIEST, BUSINESS_TIME_LATEST - timedelta(microseconds=1),
                                    datetime(2026, 12, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))])
def test_times_inside_the_window_pass(moment):
    assert business_time_problem(moment) is None


@given(st.datetimes(timezones=st.sampled_from([UTC, timezone(timedelta(hours=14)),
                                               timezone(timedelta(hours=-14))])))
def test_any_aware_time_is_judged_without_an_exception(moment):
    problem = business_time_problem(moment)
    assert (problem is None) == (BUSINESS_TIME_EARLIEST <= moment < BUSINESS_TIME_LATEST)


@pytest.mark.parametrize(("amount", "problem"), [(1e308, "at most 1,000,000"), (float("inf"), "more than"),
                                                 (float("nan"), "more than"), (0, "more than"),
                                                 (-1, "more than"), (MAX_LINE_QUANTITY + 1, "at most")])
def test_line_quantities_are_bounded(amount, problem):
    assert problem in line_quantity_problem(amount)


def test_a_line_quantity_up_to_the_bound_passes():
    assert line_quantity_problem(MAX_LINE_QUANTITY) is None and line_quantity_problem(0.001) is None


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 5000, 200_000])
def test_json_nested_too_deeply_is_a_value_error(depth):
    with pytest.raises(TooDeep, match="nested deeper than 32"):
        loads_bounded("[" * depth + "]" * depth)
    assert issubclass(TooDeep, ValueError)


def test_json_within_the_depth_reads_as_usual():
    document = {"a": [[{"b": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]]}
    assert loads_bounded(json.dumps(document)) == document
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert loads_bounded(nested.encode()) == json.loads(nested)
