"""A shipment's route legs: how each one travels."""

from __future__ import annotations

from enum import StrEnum


class LegMode(StrEnum):
    TRUCK = "truck"
    AIR = "air"  # a logger may be silent in flight (flight mode: silence.py)
    CUSTOMS = "customs"  # held at a border: the dashboard shows for how long
    COURIER = "courier"
    STORAGE = "storage"
