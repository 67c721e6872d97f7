"""The stock page, its CSV and the API say of each available lot whether the reorder forecast counts it,
why not (expired, within the item's do-not-count days) and, with do-not-dispense days, its last usable day."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from logistics.core.expiry_cut_offs import CutOffs
from logistics.db.engine import unit_of_work
from logistics.db.models import Item, Lot
from logistics.services import catalogue
from tests.web.conftest import login
from tests.web.test_api import bearer
from tests.web.test_languages import choose


def lot_expiry(app, item):
    with app.extensions["logistics"].sessions() as session:
        return session.exec(select(Lot.expiry).join(Item).where(Item.code == item)).first()


def cut_offs(app, item, cut):
    with unit_of_work(app.extensions["logistics"].sessions, actor="logistics", reason="test") as session:
        catalogue.set_cut_offs(session, item=item, cut_offs=cut)


def exported(client):
    return list(csv.DictReader(io.StringIO(client.get("/stock.csv").get_data(as_text=True))))


def test_each_available_lot_says_whether_the_forecast_counts_it(app, token_for):
    today = datetime.now(UTC).date()
    # CRYO-CS10 within its do-not-count days from today; CYT-SCF counted, with a last usable day
    counted_until = (lot_expiry(app, "CRYO-CS10") - today).days
    cut_offs(app, "CRYO-CS10", CutOffs(do_not_count_days=counted_until + 1))
    cut_offs(app, "CYT-SCF", CutOffs(do_not_dispense_days=30))
    last_day = lot_expiry(app, "CYT-SCF") - timedelta(days=30)
    client = login(app.test_client(), "pharmacy")
    rows = {row["item"]: (row["forecast_counts"], row["not_counted_because"], row["last_usable_day"])
            for row in exported(client)}
    assert rows["CRYO-CS10"] == ("no", "do-not-count", "")
    assert rows["CYT-SCF"] == ("yes", "", last_day.isoformat())
    assert rows["CRYO-BAG"] == ("yes", "", "")
    page = client.get("/stock?item=CRYO-CS10").get_data(as_text=True)
    assert "not counted: within the do-not-count window" in page
    assert "last usable day" in client.get("/stock?item=CYT-SCF").get_data(as_text=True)
    answer = app.test_client().get("/api/v1/stock?item=CRYO-CS10", headers=bearer(token_for("pharmacy")))
    (shown,) = answer.get_json()["items"]
    assert (shown["forecast_counts"], shown["not_counted_because"], shown["last_usable_day"]) == (
        False, "do-not-count", None)
    cut_offs(app, "CRYO-CS10", CutOffs(do_not_count_days=counted_until))  # the day it stops counting
    again = app.test_client().get("/api/v1/stock?item=CRYO-CS10", headers=bearer(token_for("pharmacy")))
    assert again.get_json()["items"][0]["forecast_counts"] is True


def test_an_expired_lot_is_not_counted_and_stock_not_available_is_not_judged(app):
    with unit_of_work(app.extensions["logistics"].sessions, actor="logistics", reason="test") as session:
        lot = session.exec(select(Lot).join(Item).where(Item.code == "QC-ENDO")).first()
        lot.expiry = date(2026, 1, 31)  # before any run of this test
        session.add(lot)
    client = login(app.test_client(), "pharmacy")
    rows = exported(client)
    endo = next(row for row in rows if row["item"] == "QC-ENDO")
    assert (endo["status"], endo["forecast_counts"], endo["not_counted_because"]) == (
        "expired", "no", "expired")
    assert "not counted: expired" in client.get("/stock?item=QC-ENDO").get_data(as_text=True)
    assert {row["forecast_counts"] for row in rows if row["status"] not in ("available", "expired")} <= {""}


def test_why_a_lot_is_not_counted_reads_in_the_readers_language(app):
    today = datetime.now(UTC).date()
    cut_offs(app, "CRYO-CS10", CutOffs(do_not_count_days=(lot_expiry(app, "CRYO-CS10") - today).days + 1))
    client = login(app.test_client(), "pharmacy")
    choose(client, "th")
    assert "ไม่นับรวม: อยู่ในช่วงไม่นับเป็นสต็อก" in client.get("/stock?item=CRYO-CS10").get_data(as_text=True)
    choose(client, "zh_CN")
    assert "不计入：处于效期前不计库存期内" in client.get("/stock?item=CRYO-CS10").get_data(as_text=True)
