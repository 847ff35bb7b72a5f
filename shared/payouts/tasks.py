"""Jobs for payouts: process a received Stripe event; re-read accounts still pending."""

from __future__ import annotations

import datetime as dt
import logging

import procrastinate

from shared.audit.context import system_actor
from shared.integrations.stripe_connect import StripeConnect, StripeUnavailable, is_configured
from shared.payments import webhooks as payment_webhooks
from shared.payouts.actions import do_mark_event_processed, do_sync_payout_account
from shared.payouts.queries import get_stripe_event, list_accounts_to_refresh
from shared.settings import Settings

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()

REFRESH_AFTER = dt.timedelta(minutes=10)


@blueprint.task(name="process_stripe_event", queue="default", retry=procrastinate.RetryStrategy(max_attempts=8,
                exponential_wait=5))  # fmt: skip
async def process_stripe_event(event_id: str) -> None:
    """Act on one stored event. Any order is fine: accounts, transfers and payouts are re-read from Stripe, not
    taken from the event."""
    event = await get_stripe_event(event_id)
    if event is None or event.processed_at is not None:
        return
    settings = Settings.from_env()
    obj = (event.payload.get("data") or {}).get("object") or {}
    if event.type.startswith("account.") and obj.get("object") == "account" and is_configured(settings):
        account = await StripeConnect(settings).retrieve_account(obj["id"])
        await do_sync_payout_account(system_actor("stripe webhook"), account)
    elif payment_webhooks.handles(event.type) and is_configured(settings):
        await payment_webhooks.apply_stripe_event(StripeConnect(settings), event.type, obj, event.account)
    else:
        log.info("stripe event kept, nothing to do", extra={"event": event_id, "type": event.type})
    await do_mark_event_processed(event_id)


@blueprint.task(name="refresh_pending_payout_accounts", queue="default",
                queueing_lock="refresh_pending_payout_accounts", lock="refresh_pending_payout_accounts")  # fmt: skip
async def refresh_pending_payout_accounts(timestamp: int | None = None) -> None:
    """Re-read accounts that are not ready yet, in case a webhook was lost."""
    settings = Settings.from_env()
    if not is_configured(settings):
        return
    connect = StripeConnect(settings)
    refreshed = 0
    for account_id in await list_accounts_to_refresh(dt.datetime.now(dt.UTC) - REFRESH_AFTER):
        try:
            await do_sync_payout_account(system_actor("stripe refresh"), await connect.retrieve_account(account_id))
            refreshed += 1
        except StripeUnavailable as exc:
            log.warning("could not re-read a payout account", extra={"account": account_id, "error": str(exc)})
    log.info("refreshed pending payout accounts", extra={"refreshed": refreshed})
