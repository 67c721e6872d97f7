"""The shipments CSV against real databases of each kind: the import records a whole file or nothing, and
an exported file imported into a fresh database exports again as the same file."""

import csv
import io
from datetime import timedelta

import pytest
from sqlmodel import select

from logistics.db.engine import unit_of_work
from logistics.db.models import Shipment
from logistics.readers.config_files import load_demo_scenario
from logistics.services import catalogue, shipment_export, shipment_import
from logistics.services.shipment_rows import COLUMNS, RECORDED, RowProblem
from logistics.services.shipments import ShipmentFilter
from tests.conftest import NOW, _runtime_on

HEADER = ",".join(COLUMNS) + "\n"
# Planned shipments with what a round trip could lose: seconds and a fraction of one, an offset of another
# zone, a comma, quotes and a line break in a cell, text a spreadsheet would run as a formula, fractional
# hours, millilitres converted to litres, and two shipments with no departure (their order comes from the
# references, not from when they were recorded).
PLANNED = HEADER + (
    'HG-2026-0201,HG-SZ,SIRIRAJ-PH,160 4812203 4,2026-12-20T09:15:30.25+09:00,2026-12-22 10:00,'
    '"Passive shipper, 2–8 °C",1.1,TFDA-IMP-2026-00501,"=SUM(A1) said ""keep cold""\nsecond line",'
    'MED-BULK/MB-1=333 mL; SEL-CD34/SK2609-031=2\n'
    "HG-2026-0202,HG-SZ,SIRIRAJ-CM,,,,,,,-2 °C at the gate,MED-BULK/MB-1=0.00001 L\n"
    "HG-2026-0203,HG-SZ,SIRIRAJ-CM,,,,,,,@ dock 4,\n"
)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_runtime(request, tmp_path):
    """A migrated, empty database of each kind, beside the demo's (an export from either kind goes to
    either kind)."""
    folder = tmp_path / "fresh"
    folder.mkdir()
    with _runtime_on(request, "empty", folder) as built:
        yield built


def add_catalogue(runtime):
    """The demo's sites, items and lots, and no shipment."""
    scenario = load_demo_scenario()
    with unit_of_work(runtime.sessions, actor="test", reason="catalogue") as session:
        for site in scenario["sites"]:
            catalogue.add_site(session, **site)
        for item in scenario["items"]:
            catalogue.add_item(session, runtime.profiles, **item)
        session.flush()
        for lot in scenario["lots"]:
            catalogue.add_lot(session, item_code=lot["item"], lot_number=lot["lot_number"],
                              expiry=NOW.date() + timedelta(days=lot["expiry_days"]))


def add_bulk_medium(runtime):
    """A medium issued in litres, for quantities typed in millilitres."""
    with unit_of_work(runtime.sessions, actor="test", reason="catalogue") as session:
        catalogue.add_item(session, runtime.profiles, code="MED-BULK", name="Bulk medium", category="reagent",
                           storage_profile="refrigerated", unit="L")
        session.flush()
        catalogue.add_lot(session, item_code="MED-BULK", lot_number="MB-1", expiry=NOW.date())


def import_file(runtime, text):
    with unit_of_work(runtime.sessions, actor="li.wei", reason="imported") as session:
        report = shipment_import.import_csv(session, text)
        if not report.ok:
            session.rollback()
    return report


def export(runtime, **filters):
    with runtime.sessions() as session:
        return shipment_export.export_csv(session, ShipmentFilter(**filters))


def test_an_export_imported_into_a_fresh_database_exports_as_the_same_file(demo_runtime, fresh_runtime):
    add_bulk_medium(demo_runtime)
    assert import_file(demo_runtime, PLANNED).problems == []
    exported = export(demo_runtime, status="planned")
    assert "HG-2026-0048" in exported  # the demo's own planned shipment, with its lines
    add_catalogue(fresh_runtime)
    add_bulk_medium(fresh_runtime)
    created = import_file(fresh_runtime, exported).created
    assert created == ["HG-2026-0203", "HG-2026-0202", "HG-2026-0201", "HG-2026-0048"]
    assert export(fresh_runtime) == exported
    rows = {row["reference"]: row for row in csv.DictReader(io.StringIO(exported))}
    first = rows["HG-2026-0201"]
    assert first["planned_departure"] == "2026-12-20T08:15:30+08:00"  # Shenzhen's time, to the second
    assert first["planned_arrival"] == "2026-12-22T10:00:00+07:00"
    assert first["notes"] == "'=SUM(A1) said \"keep cold\"\nsecond line"  # shown as text by a spreadsheet
    assert first["lines"] == "MED-BULK/MB-1=0.333 L; SEL-CD34/SK2609-031=2 kit"
    assert first["packaging_validated_hours"] == "1.1" and first["air_waybill"] == "160-48122034"
    assert rows["HG-2026-0202"]["lines"] == "MED-BULK/MB-1=0.00001 L"  # in full, as the import reads it
    with fresh_runtime.sessions() as session:
        notes = session.exec(select(Shipment.notes).where(Shipment.reference == "HG-2026-0201")).one()
    assert notes == '=SUM(A1) said "keep cold"\nsecond line'  # as typed, without the export's quote


def test_a_whole_export_imports_as_planned_shipments_with_the_same_fields(demo_runtime, fresh_runtime):
    exported = export(demo_runtime)
    add_catalogue(fresh_runtime)
    report = import_file(fresh_runtime, exported)
    assert report.problems == [] and len(report.created) == 6
    again = list(csv.DictReader(io.StringIO(export(fresh_runtime))))
    before = list(csv.DictReader(io.StringIO(exported)))
    assert {row["status"] for row in before} > {"planned"} and {row["status"] for row in again} == {"planned"}
    assert all(row["actual_departure"] == row["actual_arrival"] == "" for row in again)
    kept = [name for name in before[0] if name not in RECORDED]
    assert [[row[name] for name in kept] for row in again] == [[row[name] for name in kept] for row in before]


def test_a_file_with_problems_records_nothing_and_reports_each_against_the_database(demo_runtime):
    text = "reference,origin,destination,lines\n" + (
        "HG-2026-0301,HG-SZ,SIRIRAJ-PH,SEL-CD34/SK2609-031=6 kit\n"
        "HG-2026-0045,HG-SZ,SIRIRAJ-PH,SEL-CD34/SK2609-031=6 L; SEL-CD34/NO-SUCH=1; QC-ENDO/LAL-26-3341=0\n"
    )
    report = import_file(demo_runtime, text)
    assert report.problems == [
        RowProblem(3, "reference", "'HG-2026-0045' is already used"),
        RowProblem(3, "lines", "SEL-CD34/SK2609-031: '6 L' cannot be expressed in kit (this item is issued "
                               "in kit)"),
        RowProblem(3, "lines", "no lot 'SEL-CD34/NO-SUCH' (write ITEM/LOT, e.g. SEL-CD34/SK2609-031)"),
        RowProblem(3, "lines", "QC-ENDO/LAL-26-3341: must be more than nothing (this item is issued in kit)"),
    ]
    with demo_runtime.sessions() as session:
        assert session.exec(select(Shipment).where(Shipment.reference == "HG-2026-0301")).first() is None
