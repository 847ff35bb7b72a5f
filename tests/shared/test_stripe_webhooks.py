"""POST /webhooks/stripe: signatures on the raw body, stale timestamps, duplicates, any order, unknown types."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from shared.audit.context import system_actor
from shared.db.tables import PayoutAccount, StripeEvent
from shared.integrations.stripe_connect import ConnectAccount
from shared.integrations.stripe_simulator import sign
from shared.jobs import job_queue
from shared.payouts.actions import do_record_payout_account
from shared.payouts.queries import get_stripe_event
from shared.payouts.tasks import refresh_pending_payout_accounts
from shared.settings import Settings
from tests.conftest import Cast, app_client, reused_app
from tests.portal.test_payments import CONNECT_SECRET, PLATFORM_SECRET, with_stripe
from tests.stripe.helpers import fill_onboarding, ready_account
from tests.stripe_fixtures import SIM_KEY, StripeSim

Client = httpx.AsyncClient


@pytest.fixture
def hook_app(settings: Settings, stripe_sim: StripeSim, monkeypatch: pytest.MonkeyPatch) -> Litestar:
    # Jobs read the environment (like `rapport worker`), so it says the same as the app's settings.
    for name, value in {"STRIPE_API_KEY": SIM_KEY, "STRIPE_API_BASE": stripe_sim.base_url,
                        "STRIPE_WEBHOOK_SECRET": PLATFORM_SECRET,
                        "STRIPE_CONNECT_WEBHOOK_SECRET": CONNECT_SECRET}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    return reused_app(with_stripe(settings, stripe_sim))


@pytest.fixture
async def hooks(hook_app: Litestar) -> AsyncIterator[Client]:
    async with app_client(hook_app) as client:
        yield client


def event(type_: str, obj: dict[str, Any], *, account: str | None = None, event_id: str | None = None) -> str:
    data: dict[str, Any] = {
        "id": event_id or f"evt_1test{time.monotonic_ns()}",
        "object": "event",
        "type": type_,
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
    }
    if account:
        data["account"] = account
    return json.dumps(data)


async def deliver(client: Client, payload: str, secret: str = CONNECT_SECRET, at: int | None = None) -> httpx.Response:
    return await client.post(
        "/webhooks/stripe",
        content=payload.encode(),
        headers={"Stripe-Signature": sign(payload, secret, at), "Content-Type": "application/json"},
    )


async def run_jobs(database_url: str) -> None:
    async with job_queue(database_url) as jobs:
        await jobs.run_worker_async(wait=False, install_signal_handlers=False)


async def job_count() -> int:
    rows = await StripeEvent.raw(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE task_name = 'process_stripe_event'"
    )
    return int(rows[0]["n"])


async def test_it_refuses_a_bad_signature_and_stores_nothing(hooks: Client) -> None:
    payload = event("account.updated", {"id": "acct_1x", "object": "account"}, account="acct_1x")
    assert (await deliver(hooks, payload, secret="whsec_wrong")).status_code == 400
    tampered = await hooks.post(
        "/webhooks/stripe",
        content=payload.replace("acct_1x", "acct_1y").encode(),
        headers={"Stripe-Signature": sign(payload, CONNECT_SECRET)},
    )
    assert tampered.status_code == 400
    assert (await hooks.post("/webhooks/stripe", content=payload.encode())).status_code == 400
    assert await StripeEvent.count() == 0 and await job_count() == 0


async def test_it_refuses_a_stale_timestamp(hooks: Client) -> None:
    payload = event("account.updated", {"id": "acct_1x", "object": "account"}, account="acct_1x")
    response = await deliver(hooks, payload, at=int(time.time()) - 301)
    assert response.status_code == 400 and await StripeEvent.count() == 0


async def test_a_duplicate_is_a_200_no_op(hooks: Client) -> None:
    payload = event("payout.paid", {"id": "po_1x", "object": "payout"}, account="acct_1x", event_id="evt_1dup")
    first = await deliver(hooks, payload)
    again = await deliver(hooks, payload)
    assert first.status_code == 200 and first.json() == {"received": True, "duplicate": False}
    assert again.status_code == 200 and again.json() == {"received": True, "duplicate": True}
    assert await StripeEvent.count() == 1 and await job_count() == 1


async def test_platform_events_verify_with_the_platform_secret(hooks: Client) -> None:
    payload = event("balance.available", {"object": "balance"})
    assert (await deliver(hooks, payload, secret=PLATFORM_SECRET)).status_code == 200


async def test_an_unknown_event_type_is_kept_and_processed_as_nothing(hooks: Client, database_url: str) -> None:
    payload = event("radar.early_fraud_warning.created", {"id": "issfr_1", "object": "x"}, event_id="evt_1unknown")
    assert (await deliver(hooks, payload, secret=PLATFORM_SECRET)).status_code == 200
    await run_jobs(database_url)
    stored = await get_stripe_event("evt_1unknown")
    assert stored is not None and stored.processed_at is not None
    assert stored.payload["type"] == "radar.early_fraud_warning.created"


async def test_account_updates_sync_whatever_the_order(
    hooks: Client, database_url: str, cast: Cast, stripe_sim: StripeSim
) -> None:
    client = stripe_sim.client()
    account = client.v1.accounts.create({"type": "express", "country": "US",
                                         "capabilities": {"transfers": {"requested": True}}})  # fmt: skip
    await do_record_payout_account(system_actor("test"), cast.alice_id, ConnectAccount.from_stripe(account.to_dict()))
    stale = account.to_dict()
    ready = ready_account(client)  # a second account, only to have Stripe's "ready" shape at hand
    # The onboarding finished: Stripe now says "ready" for Alice's account too.
    link = client.v1.account_links.create(
        {"account": account.id, "type": "account_onboarding", "return_url": "http://x/r", "refresh_url": "http://x/f"}
    )
    fill_onboarding(link.url)
    newer = {**ready.to_dict(), "id": account.id}
    # Delivered newest first, then the stale one: processing re-reads the account, so the end state is right.
    await deliver(hooks, event("account.updated", newer, account=account.id, event_id="evt_1new"))
    await deliver(hooks, event("account.updated", stale, account=account.id, event_id="evt_1old"))
    await run_jobs(database_url)
    row = await PayoutAccount.select().where(PayoutAccount.stripe_account_id == account.id).first()
    assert row is not None and row["payouts_enabled"] is True and row["currently_due"] == []


async def test_pending_accounts_are_re_read_periodically(
    hook_app: Litestar, database_url: str, cast: Cast, stripe_sim: StripeSim
) -> None:
    client = stripe_sim.client()
    account = client.v1.accounts.create(
        {"type": "express", "country": "US", "capabilities": {"transfers": {"requested": True}}}
    )
    await do_record_payout_account(system_actor("test"), cast.alice_id, ConnectAccount.from_stripe(account.to_dict()))
    await PayoutAccount.update({PayoutAccount.synced_at: dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)}).where(
        PayoutAccount.creator == cast.alice_id
    )
    link = client.v1.account_links.create(
        {"account": account.id, "type": "account_onboarding", "return_url": "http://x/r", "refresh_url": "http://x/f"}
    )
    fill_onboarding(link.url)  # no webhook reaches the app: only the periodic re-read can notice
    async with job_queue(database_url) as jobs:
        await refresh_pending_payout_accounts.defer_async(timestamp=0)
        await jobs.run_worker_async(wait=False, install_signal_handlers=False)
    row = await PayoutAccount.select().where(PayoutAccount.creator == cast.alice_id).first()
    assert row is not None and row["payouts_enabled"] is True
