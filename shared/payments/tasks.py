"""Jobs for payments: send a released payable's transfer; the sweep that re-queues intents without a job."""

from __future__ import annotations

import logging

import procrastinate

from shared.integrations.stripe_connect import StripeConnect, is_configured
from shared.payments.actions.common import SEND_TRANSFER_TASK
from shared.payments.actions.transfers import requeue_lost_transfers, requeue_waiting_transfers
from shared.payments.sending import send_transfer
from shared.settings import Settings

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

# A worker beats every 10 s and is pruned after 30 s without; a job of one silent for 2 minutes is stalled.
STALLED_AFTER = 120.0


@blueprint.task(name=SEND_TRANSFER_TASK, queue="default",
                retry=procrastinate.RetryStrategy(max_attempts=10, exponential_wait=2))  # fmt: skip
async def send_payable_transfer(payable_id: int) -> None:
    """Make a released payable's transfer, exactly once (see shared.payments.sending)."""
    settings = Settings.from_env()
    if not is_configured(settings):
        log.warning("stripe is not configured: transfer left queued", extra={"payable": payable_id})
        return
    outcome = await send_transfer(StripeConnect(settings), payable_id)
    log.info("payable transfer", extra={"payable": payable_id, "outcome": outcome.value})


@blueprint.task(name="sweep_transfer_intents", queue="default", queueing_lock="sweep_transfer_intents",
                lock="sweep_transfer_intents", pass_context=True)  # fmt: skip
async def sweep_transfer_intents(
    context: procrastinate.JobContext, timestamp: int | None = None, stalled_after_seconds: float = STALLED_AFTER
) -> None:
    """Put back transfer jobs whose worker died mid-job (no heartbeat), queue any intent without a live job
    (e.g. its job failed for good), and retry those waiting for funds."""
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(
        task_name=SEND_TRANSFER_TASK, seconds_since_heartbeat=stalled_after_seconds
    )
    for job in stalled:
        await manager.retry_job(job)
    lost = await requeue_lost_transfers()
    waiting = await requeue_waiting_transfers()
    if stalled or lost or waiting:
        log.info("transfer intents re-queued", extra={"stalled": len(list(stalled)), "lost": lost, "waiting": waiting})
