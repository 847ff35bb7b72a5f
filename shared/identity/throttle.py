"""Sign-in throttling (SignInThrottle rows): growing locks per account and per IP address.

Used inside the sign-in actions' transactions; the rules (thresholds, lock lengths) are in rules.py.
"""

from __future__ import annotations

import datetime as dt
import math

from shared.db.tables import SignInThrottle
from shared.errors import DomainError
from shared.identity.rules import THROTTLE_MEMORY_SECONDS, lock_seconds


class TooManyAttempts(DomainError):
    """Refused without checking the password: too many recent failures for this account or address."""

    def __init__(self, retry_after_seconds: int) -> None:
        self.retry_after_seconds = max(1, retry_after_seconds)
        minutes = max(1, math.ceil(self.retry_after_seconds / 60))
        unit = "minute" if minutes == 1 else "minutes"
        super().__init__(f"Too many attempts, try again in {minutes} {unit}.")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def seconds_locked(keys: list[str]) -> int:
    """The longest remaining lock among these keys (0 when none is locked)."""
    rows = await SignInThrottle.select(SignInThrottle.locked_until).where(
        SignInThrottle.key.is_in(keys) & SignInThrottle.locked_until.is_not_null()
    )
    now = _now()
    remaining: list[float] = [(row["locked_until"] - now).total_seconds() for row in rows]
    return math.ceil(max([0.0, *remaining]))


async def record_failure(key: str, threshold: int) -> None:
    """Count one more failure (forgetting failures older than a day) and lock when past the threshold."""
    rows = await SignInThrottle.raw(
        """
        INSERT INTO sign_in_throttle (key, failures, last_failure_at, locked_until)
        VALUES ({}, 1, now(), NULL)
        ON CONFLICT (key) DO UPDATE SET
            failures = CASE WHEN sign_in_throttle.last_failure_at < now() - make_interval(secs => {})
                            THEN 1 ELSE sign_in_throttle.failures + 1 END,
            last_failure_at = now()
        RETURNING failures
        """,
        key,
        THROTTLE_MEMORY_SECONDS,
    )
    seconds = lock_seconds(int(rows[0]["failures"]), threshold)
    if seconds:
        await SignInThrottle.update({SignInThrottle.locked_until: _now() + dt.timedelta(seconds=seconds)}).where(
            SignInThrottle.key == key
        )


async def reset(key: str) -> None:
    await SignInThrottle.delete().where(SignInThrottle.key == key)
