from datetime import UTC, datetime, timedelta

from logistics.core.openings import LightReading, Opening, OpenState, openings

T = datetime(2026, 6, 1, tzinfo=UTC)


def hours(value: float) -> datetime:
    return T + timedelta(hours=value)


def test_openings_from_light_and_door():
    readings = [LightReading(hours(0), 0.0), LightReading(hours(1), 400.0), LightReading(hours(2), 30.0),
                LightReading(hours(3), 500.0),  # still open: 30 lx is between closed and open
                LightReading(hours(4), 2.0), LightReading(hours(5), None, True),
                LightReading(hours(6), 900.0, False),  # the door says shut
                LightReading(hours(7), 60.0)]
    state, found = openings(OpenState(), readings)
    assert found == [Opening(hours(1), 400.0, None), Opening(hours(5), None, True),
                     Opening(hours(7), 60.0, None)]
    assert state == OpenState(True, hours(7))
    assert openings(state, readings) == (state, [])  # nothing taken twice
