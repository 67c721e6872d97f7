"""Sign-in throttling: after too many failed attempts for one user name, or from one address, further
attempts are refused for a while without the password being checked (OWASP's advice against guessing).
Counting by name protects an account from a spread-out attack; counting by address slows one machine
trying many names."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    failures_per_name: int = 5
    failures_per_address: int = 20
    window: timedelta = timedelta(minutes=15)


def locked_until(name_failures: Sequence[datetime], address_failures: Sequence[datetime],
                 policy: ThrottlePolicy, now: datetime) -> datetime | None:
    """When attempts may start again, or None if they may now. The failures are those within the
    window (for the name: since its last successful sign-in), in any order."""
    until = [_unlocks(name_failures, policy.failures_per_name, policy.window),
             _unlocks(address_failures, policy.failures_per_address, policy.window)]
    latest = max((moment for moment in until if moment is not None), default=None)
    return latest if latest is not None and latest > now else None


def _unlocks(failures: Sequence[datetime], limit: int, window: timedelta) -> datetime | None:
    """The limit-th most recent failure leaves the window then; until it does, the limit is reached."""
    if len(failures) < limit:
        return None
    return sorted(failures)[-limit] + window
