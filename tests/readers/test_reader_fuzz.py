"""Every reader of outside input answers hostile or broken input with its own clear error, never a crash:
logger CSV files, status messages, scenario documents, and the shipment and enrolment CSV imports
(these against a real database file, rolled back after each example)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logistics.core.forecast_inputs import ForecastError
from logistics.core.forecast_scenario import read_scenario
from logistics.readers.logger_files import LoggerFileError, read_logger_csv
from logistics.services import recruitment, shipment_import
from sensors.readings import DecodeError
from sensors.status import decode_status

KNOWN_CELLS = ["", "2026-03-01 02:00:00", "2026-03-01T02:00:00+07:00", "5.5", "-80", "NaN", "1e999", "C", "F",
               "K", "°C", "Temperature", "Date/Time", "Time", "Shock (g)", "x", '"', "\\", "HG-2026-0045",
               "SEL-CD34/SK2609-031=2 kit", "TH-01", "TDT-001", "reference", "origin", "destination", "lines",
               "patient_code", "site", "enrolled_on"]
CELLS = st.sampled_from(KNOWN_CELLS) | st.text(max_size=12)
ROWS = st.lists(st.lists(CELLS, max_size=7), max_size=8)


def as_csv(rows: list[list[str]], separator: str) -> str:
    return "".join(separator.join(row) + "\n" for row in rows)


@settings(max_examples=300, deadline=None)
@given(rows=ROWS, separator=st.sampled_from([",", ";", "\t"]), raw=st.text(max_size=200))
def test_logger_files_are_read_or_refused_with_a_reason(rows, separator, raw):
    for text in (as_csv(rows, separator), raw):
        try:
            loaded = read_logger_csv(io.StringIO(text))
        except LoggerFileError as error:
            assert str(error)
        else:
            assert loaded.samples and all(sample.time.tzinfo is not None for sample in loaded.samples)
            assert abs(loaded.offset) < timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(payload=st.binary(max_size=200) | st.text(max_size=200).map(str.encode)
       | st.sampled_from([b'{"state": "online", "battery": 1e999}', b'{"battery": "full"}', b"[]", b"null",
                          b'{"online": "maybe"}', b'{"firmware": 12}']))
def test_status_messages_are_read_or_refused_with_a_reason(payload):
    try:
        status = decode_status(payload)
    except DecodeError as error:
        assert str(error)
    else:
        assert status.battery is None or 0 <= status.battery <= 100


leaves = (st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.floats() | st.text(max_size=10)
          | st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)))
values = st.recursive(leaves, lambda children: st.lists(children, max_size=4)
                      | st.dictionaries(st.text(max_size=8), children, max_size=4), max_leaves=20)
KEYS = st.sampled_from(["as_of", "recruitment", "items", "forecast", "target", "planned_rate", "sites",
                        "code", "unit", "per_patient", "uses", "on_hand", "lead_time_days", "runs",
                        "horizon_days"])
documents = st.dictionaries(KEYS, values, max_size=6)


@settings(max_examples=300, deadline=None)
@given(document=documents)
def test_scenario_documents_are_read_or_refused_by_name(document):
    try:
        read_scenario(document)
    except ForecastError as error:
        assert str(error)


@pytest.fixture(scope="module")
def sqlite_session(tmp_path_factory):
    from logistics.app import build_runtime
    from logistics.db import migrate
    from logistics.db.engine import unit_of_work
    from logistics.services import demo
    from tests.conftest import NOW, settings_for

    runtime = build_runtime(settings_for(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}"))
    migrate.upgrade(runtime.engine)
    with unit_of_work(runtime.sessions, actor="demo") as session:
        demo.load_demo(session, runtime.profiles, now=NOW)
    yield runtime
    runtime.close()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS)
def test_csv_imports_report_problems_by_row_and_never_crash(sqlite_session, rows):
    text = as_csv(rows, ",")
    with sqlite_session.sessions() as session:
        shipments = shipment_import.import_csv(session, text)
        assert all(problem.row >= 1 and problem.problem for problem in shipments.problems)
        session.rollback()
        enrolments = recruitment.import_enrolments_csv(session, text, by="fuzz", today=date(2026, 11, 24))
        assert all(problem.startswith("row ") for problem in enrolments.problems)
        session.rollback()


SPEC_EXAMPLE = {
    "as_of": date(2026, 6, 1),
    "recruitment": {"target": 10, "planned_rate": 1.5, "prior_strength": 2.0, "fixed_rate": False,
                    "activated": date(2026, 1, 1), "enrolled": [date(2026, 1, 20), date(2026, 2, 15)]},
    "items": [{"code": "SEL-KIT", "unit": "kit", "per_patient": 1, "pack_size": 1, "minimum_order": 1,
               "on_hand": 2, "in_transit": 0, "lead_time_days": 21}],
    "forecast": {"horizon_days": 90, "service_level": 0.95, "runs": 100, "seed": 1},
}
PLACES = [("as_of",), ("recruitment", "target"), ("recruitment", "planned_rate"), ("recruitment", "enrolled"),
          ("recruitment", "activated"), ("recruitment", "prior_strength"), ("recruitment", "fixed_rate"),
          ("items",), ("forecast", "runs"), ("forecast", "service_level"), ("forecast", "horizon_days")]
ITEM_KEYS = ["code", "unit", "per_patient", "pack_size", "minimum_order", "on_hand", "in_transit",
             "lead_time_days", "uses", "overage", "per_batch", "offset_days"]


@settings(max_examples=300, deadline=None)
@given(place=st.sampled_from(PLACES), item_key=st.sampled_from(ITEM_KEYS), value=values,
       in_item=st.booleans())
def test_a_scenario_broken_in_one_place_is_refused_by_name_or_computed(place, item_key, value, in_item):
    import copy

    from logistics.core.forecast import forecast

    document = copy.deepcopy(SPEC_EXAMPLE)
    if in_item:
        document["items"][0][item_key] = value
    else:
        target = document
        for key in place[:-1]:
            target = target[key]
        target[place[-1]] = value
    try:
        scenario = read_scenario(document)
        forecast(scenario.as_of, scenario.recruitment, scenario.items, scenario.lead_time, scenario.policy,
                 scenario.what_if)
    except ForecastError as error:
        assert str(error)
