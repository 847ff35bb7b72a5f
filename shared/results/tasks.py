"""Results' jobs, on their procrastinate blueprint (shared.jobs adds it to the app and holds the schedule)."""

from __future__ import annotations

import logging

import procrastinate

from shared.results.checks import check_live_post, sweep
from shared.settings import Settings

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


@blueprint.task(name="check_live_post", queue="default")
async def check_live_post_task(live_post_id: int) -> None:
    """Queued when a creator submits a live URL: ask the platform about the post."""
    result = await check_live_post(Settings.from_env(), live_post_id)
    log.info("live post checked", extra={"live_post": live_post_id, "state": result.state})


@blueprint.task(name="results_sweep", queue="default", queueing_lock="results_sweep", lock="results_sweep")
async def results_sweep(timestamp: int | None = None) -> None:
    """Retry unanswered checks, read the metrics that are due, re-check verified posts daily."""
    report = await sweep(Settings.from_env())
    log.info("results sweep", extra={"checked": report.checked, "readings": report.readings})
