"""Jobs for payments: send a released payable's transfer; the sweep that re-queues intents without a job."""

from __future__ import annotations

import datetime as dt
import logging

import procrastinate

from shared.integrations.stripe_connect import StripeConnect, is_configured
from shared.payments.actions.common import SEND_TRANSFER_TASK
from shared.payments.actions.transfers import requeue_lost_transfers, requeue_waiting_transfers
from shared.payments.sending import send_transfer
from shared.settings import Settings

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

STALE_AFTER = dt.timedelta(minutes=5)


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
                lock="sweep_transfer_intents")  # fmt: skip
async def sweep_transfer_intents(timestamp: int | None = None) -> None:
    """Queue any transfer intent that has no live job (a crash between commit and queueing, a dead worker),
    and retry those waiting for funds."""
    lost = await requeue_lost_transfers(STALE_AFTER)
    waiting = await requeue_waiting_transfers()
    if lost or waiting:
        log.info("transfer intents re-queued", extra={"lost": lost, "waiting": waiting})
