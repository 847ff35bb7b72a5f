"""Reconciliation's jobs: a queued run (from the page or the daily schedule), and the daily schedule itself."""

from __future__ import annotations

import logging

import procrastinate

from shared.integrations.stripe_connect import StripeConnect, is_configured
from shared.reconciliation.engine import run_reconciliation
from shared.reconciliation.queue import RUN_TASK, mark_run_failed, queue_daily_runs
from shared.settings import Settings

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


@blueprint.task(name=RUN_TASK, queue="default",
                retry=procrastinate.RetryStrategy(max_attempts=3, exponential_wait=5))  # fmt: skip
async def reconcile_run(run_id: int) -> None:
    """Read Stripe for the run's brand and month and class every item (see shared.reconciliation.engine)."""
    settings = Settings.from_env()
    if not is_configured(settings):
        await mark_run_failed(run_id, "Stripe is not configured (STRIPE_API_KEY).")
        log.warning("stripe is not configured: reconciliation run failed", extra={"run": run_id})
        return
    await run_reconciliation(StripeConnect(settings), run_id)


@blueprint.task(name="reconcile_daily", queue="default", queueing_lock="reconcile_daily",
                lock="reconcile_daily")  # fmt: skip
async def reconcile_daily(timestamp: int | None = None) -> None:
    """Every brand's current month, and last month until finance closes it."""
    queued = await queue_daily_runs()
    log.info("daily reconciliation queued", extra={"runs": queued})
