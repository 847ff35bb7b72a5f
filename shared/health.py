"""Readiness: is the database reachable, is the schema current, has a worker run jobs lately.

The last question is answered by the heartbeat task below, on this module's procrastinate blueprint
(shared.jobs adds it to the app and schedules it every 30 seconds).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
from dataclasses import dataclass, field

import procrastinate

from shared.db.engine import RapportEngine
from shared.db.migrate import pending_migrations
from shared.db.tables import WorkerHeartbeat

HEARTBEAT_EVERY_SECONDS = 30
# /readyz says the worker is down when its last heartbeat is older than this.
HEARTBEAT_STALE_AFTER = dt.timedelta(seconds=HEARTBEAT_EVERY_SECONDS * 4)

blueprint = procrastinate.Blueprint()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@blueprint.task(name="heartbeat", queue="default", queueing_lock="heartbeat")
async def heartbeat(timestamp: int | None = None) -> None:
    """Record that a worker is executing jobs right now (readiness depends on it)."""
    now = dt.datetime.now(dt.UTC)
    await WorkerHeartbeat.insert(WorkerHeartbeat(worker=worker_name(), beat_at=now)).on_conflict(
        target=WorkerHeartbeat.worker, action="DO UPDATE", values=[WorkerHeartbeat.beat_at]
    )


async def latest_heartbeat() -> dt.datetime | None:
    row = (
        await WorkerHeartbeat.select(WorkerHeartbeat.beat_at).order_by(WorkerHeartbeat.beat_at, ascending=False).first()
    )
    return row["beat_at"] if row else None


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
