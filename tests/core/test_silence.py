from datetime import UTC, datetime, timedelta

from logistics.core.silence import AirLeg, silence

T = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
H = timedelta(hours=1)
ALLOWED, GRACE = timedelta(minutes=30), timedelta(minutes=60)
FLIGHT = AirLeg(planned_start=T - H, planned_end=T + 2 * H, actual_start=T - H, actual_end=None)


def check(last_seen, now, legs=(), assigned=T - 10 * H):
    return silence(last_seen, assigned, list(legs), now=now, allowed=ALLOWED, grace=GRACE)


def test_a_logger_heard_recently_is_fine():
    assert check(T - timedelta(minutes=29), T) is None


def test_a_logger_silent_on_the_ground_is_an_alarm_since_it_was_last_heard():
    found = check(T - H, T)
    assert found.since == T - H and found.overrun_leg is None


def test_silence_during_a_planned_flight_is_flight_mode():
    assert check(T - H, T + H, [FLIGHT]) is None
    assert check(T - H, T + 2 * H + GRACE, [FLIGHT]) is None  # landed late, within the grace


def test_a_flight_that_overruns_its_plan_raises_the_alarm():
    found = check(T - H, T + 2 * H + GRACE + timedelta(minutes=1), [FLIGHT])
    assert found.overrun_leg == FLIGHT


def test_after_landing_the_flight_no_longer_excuses_silence():
    landed = AirLeg(T - H, T + 2 * H, T - H, T + 2 * H)
    assert check(T - H, T + 3 * H, [landed]).overrun_leg is None


def test_a_logger_never_heard_counts_from_its_assignment():
    assert check(None, T, assigned=T - timedelta(minutes=10)) is None
    assert check(None, T, assigned=T - H).since == T - H
