"""The shipment lifecycle as a state machine."""

from __future__ import annotations

from enum import StrEnum


class ShipmentStatus(StrEnum):
    PLANNED = "planned"
    PACKED = "packed"
    IN_TRANSIT = "in_transit"
    ARRIVED = "arrived"
    RECEIVED = "received"
    CLOSED = "closed"
    CANCELLED = "cancelled"


S = ShipmentStatus

# Goods that have left the warehouse cannot be cancelled: they must be received (and rejected if need be).
ALLOWED: dict[ShipmentStatus, frozenset[ShipmentStatus]] = {
    S.PLANNED: frozenset({S.PACKED, S.CANCELLED}),
    S.PACKED: frozenset({S.PLANNED, S.IN_TRANSIT, S.CANCELLED}),
    S.IN_TRANSIT: frozenset({S.ARRIVED}),
    S.ARRIVED: frozenset({S.RECEIVED}),
    S.RECEIVED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}

ACTIVE = frozenset({S.PACKED, S.IN_TRANSIT, S.ARRIVED})
# Goods that have left the warehouse and are not received yet: a logger must be recording them.
UNDER_WAY = frozenset({S.IN_TRANSIT, S.ARRIVED})


class InvalidTransition(ValueError):
    """A status change the lifecycle does not allow."""


def next_statuses(current: ShipmentStatus | str) -> list[ShipmentStatus]:
    """The statuses a shipment may move to from `current`, in lifecycle order."""
    allowed = ALLOWED[ShipmentStatus(current)]
    return [status for status in ShipmentStatus if status in allowed]


def transition(current: ShipmentStatus | str, target: ShipmentStatus | str) -> ShipmentStatus:
    """Return `target` if the lifecycle allows moving there from `current`, else raise."""
    try:
        source, goal = ShipmentStatus(current), ShipmentStatus(target)
    except ValueError as error:
        known = ", ".join(status.value for status in ShipmentStatus)
        raise InvalidTransition(f"{error}; known statuses: {known}") from None
    if goal in ALLOWED[source]:
        return goal
    options = ", ".join(status.value for status in next_statuses(source)) or "none (final)"
    raise InvalidTransition(
        f"a shipment cannot go from {source.value} to {goal.value}; allowed next: {options}"
    )
