"""Readiness: is the database reachable, is the schema current, has a worker run jobs lately."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from shared.db.engine import RapportEngine
from shared.db.migrate import pending_migrations
from shared.jobs import HEARTBEAT_STALE_AFTER, latest_heartbeat


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)
    ok: bool = True

    def fail(self, name: str, reason: str) -> None:
        self.checks[name] = reason
        self.ok = False


async def check_readiness(engine: RapportEngine) -> Readiness:
    readiness = Readiness()
    try:
        await engine.fetch("SELECT 1")
        readiness.checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the reason is reported
        readiness.fail("database", f"unreachable: {type(exc).__name__}")
        readiness.fail("migrations", "unknown")
        readiness.fail("worker", "unknown")
        return readiness
    pending = await pending_migrations(engine)
    if pending:
        readiness.fail("migrations", f"{len(pending)} pending; run `rapport migrate`")
        # The heartbeat table may not exist yet; the worker cannot be judged before migrating.
        readiness.fail("worker", "unknown until migrations are applied")
        return readiness
    readiness.checks["migrations"] = "ok"
    beat = await latest_heartbeat()
    if beat is None:
        readiness.fail("worker", "no heartbeat yet; start `rapport worker`")
    elif dt.datetime.now(dt.UTC) - beat > HEARTBEAT_STALE_AFTER:
        readiness.fail("worker", f"last heartbeat {beat.isoformat()}; is `rapport worker` running?")
    else:
        readiness.checks["worker"] = "ok"
    return readiness
