"""Sign-in throttling rules."""

from datetime import UTC, datetime, timedelta

from logistics.core.throttle import ThrottlePolicy, locked_until

NOW = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)
POLICY = ThrottlePolicy(failures_per_name=3, failures_per_address=5, window=timedelta(minutes=15))


def minutes_ago(*values):
    return [NOW - timedelta(minutes=value) for value in values]


def test_below_the_limit_attempts_go_on():
    assert locked_until(minutes_ago(1, 2), minutes_ago(1, 2, 3, 4), POLICY, NOW) is None


def test_at_the_limit_the_name_is_locked_until_the_oldest_counted_failure_leaves_the_window():
    assert locked_until(minutes_ago(1, 2, 10), [], POLICY, NOW) == NOW + timedelta(minutes=5)
    assert locked_until(minutes_ago(1, 2, 10, 14), [], POLICY, NOW) == NOW + timedelta(minutes=5)


def test_an_address_failing_over_many_names_is_locked_too():
    assert locked_until([], minutes_ago(1, 2, 3, 4, 5), POLICY, NOW) == NOW + timedelta(minutes=10)


def test_a_lock_that_has_run_out_is_no_lock():
    assert locked_until(minutes_ago(16, 17, 18), [], POLICY, NOW) is None
