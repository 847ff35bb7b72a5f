"""Identity's jobs, on its procrastinate blueprint (shared.jobs adds it to the app and holds the schedules)."""

from __future__ import annotations

import logging

import procrastinate

from shared.identity.sessions import delete_expired_sessions

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


@blueprint.task(name="sweep_sessions", queue="default", queueing_lock="sweep_sessions")
async def sweep_sessions(timestamp: int | None = None) -> None:
    """Delete expired sessions (they are already refused when read; this keeps the table small)."""
    removed = await delete_expired_sessions()
    log.info("swept expired sessions", extra={"removed": removed})
