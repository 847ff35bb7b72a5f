"""Creators' jobs, on their procrastinate blueprint (shared.jobs adds it to the app and holds the schedules)."""

from __future__ import annotations

import logging

import procrastinate

from shared.creators.refresh import refresh_expiring_tokens
from shared.settings import Settings

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


# `lock` keeps two runs from overlapping (a slow run and the next tick): TikTok rotates refresh
# tokens, so refreshing the same account twice at once would spend one and mark it "reconnect".
@blueprint.task(
    name="refresh_social_tokens", queue="default", queueing_lock="refresh_social_tokens", lock="refresh_social_tokens"
)
async def refresh_social_tokens(timestamp: int | None = None) -> None:
    """Renew linked accounts' tokens nearing expiry; a refused refresh asks the creator to reconnect."""
    # Workers are started from the environment too (`rapport worker`), so this is the same configuration.
    report = await refresh_expiring_tokens(Settings.from_env())
    log.info(
        "refreshed social tokens",
        extra={"refreshed": report.refreshed, "reconnect_needed": report.reconnect_needed, "skipped": report.skipped},
    )
