"""The readings outside a range, paired with their successors by the database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from logistics.core.excursion_types import Window
from logistics.db.models import Logger
from logistics.services.readings import outside_with_next
from tests.services.test_excursions import START, send


def test_each_reading_outside_comes_with_the_next_reading_of_the_logger_in_the_window(demo_runtime):
    # Every 5 min: 5 °C, then 9.5 °C at 15 and 20 min, 5 °C again, and
    # 1.0 °C last at 35 min; one reading at 40 min lies beyond the window's end.
    minutes = {0: 5.0, 5: 5.0, 10: 5.0, 15: 9.5, 20: 9.5, 25: 5.0, 30: 5.0, 35: 1.0, 40: 9.9}
    send(demo_runtime, [(START + timedelta(minutes=m), c) for m, c in minutes.items()])
    window = Window(START, START + timedelta(minutes=40))
    with demo_runtime.sessions() as session:
        logger_id = session.exec(select(Logger.id).where(Logger.code == "LG-24003")).one()
        rows = outside_with_next(session, logger_id, window, demo_runtime.profiles["refrigerated"])
    at = lambda m: START + timedelta(minutes=m)  # noqa: E731
    assert rows == [(at(15), 9.5, at(20)), (at(20), 9.5, at(25)), (at(35), 1.0, None)]
