"""Transfers happen exactly once: concurrent releases, a worker killed mid-job, Stripe failing after the fact,
webhooks twice and out of order. Real PostgreSQL, the real stripe SDK, the simulator's fault injection."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from litestar import Litestar

from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.integrations.stripe_connect import StripeConnect
from shared.integrations.stripe_simulator import sign
from shared.ledger.queries import count_unbalanced_journals, list_payable_journals
from shared.payments.actions import check_release_payables
from shared.payments.actions.transfers import begin_attempt
from shared.payments.sending import Sent, send_transfer
from shared.payments.webhooks import PayoutAheadOfTransfer, apply_stripe_event
from shared.settings import Settings
from tests.conftest import Cast, app_client, reused_app
from tests.payment_helpers import (
    ACTOR,
    approved,
    intent_row,
    olivia_totp,
    payable_row,
    point_jobs_at,
    ready_creator,
    release,
    run_jobs,
    run_sweep,
    signing_payable,
    staff,
    transfers_to,
)
from tests.portal.test_payments import CONNECT_SECRET, with_stripe
from tests.stripe_fixtures import StripeSim
from tests.worker_process import kill, start_worker, worker_env


@pytest.fixture
def encryptor(settings: Settings) -> Encryptor:
    return Encryptor(settings.secret_key)


@pytest.fixture
def funded(sim: StripeSim, monkeypatch: pytest.MonkeyPatch) -> StripeSim:
    point_jobs_at(sim, monkeypatch)
    sim.top_up(10_000_000)
    return sim


async def _journal_kinds(payable_id: int) -> list[str]:
    return sorted({line.kind for line in await list_payable_journals(payable_id)})


async def _journal_count(payable_id: int, kind: str) -> int:
    rows = await get_engine().fetch(
        "SELECT count(*) AS n FROM ledger_journal WHERE payable = $1 AND kind = $2", payable_id, kind
    )
    return int(rows[0]["n"])


async def _approved_payable(cast: Cast, sim: StripeSim) -> tuple[int, str]:
    account = await ready_creator(sim, cast.alice_id)
    payable_id = await signing_payable(cast)
    await approved(cast, payable_id)
    return payable_id, account


async def test_50_concurrent_releases_make_one_transfer_and_one_journal(
    cast: Cast, encryptor: Encryptor, funded: StripeSim, database_url: str, settings: Settings
) -> None:
    payable_id, account = await _approved_payable(cast, funded)
    secret = await olivia_totp(cast, encryptor)
    olivia = await staff(cast.olivia_id)
    code = pyotp.TOTP(secret).now()

    async def one() -> bool:
        [outcome] = await check_release_payables(ACTOR, olivia, encryptor, brand_id=cast.acme_id,
                                                 payable_ids=[payable_id], code=code)  # fmt: skip
        return outcome.done

    results = await asyncio.gather(*(one() for _ in range(50)))
    assert results.count(True) == 1
    jobs = await get_engine().fetch(
        "SELECT count(*) AS n FROM procrastinate_jobs WHERE task_name = 'send_payable_transfer'"
    )
    assert jobs[0]["n"] == 1
    # Even the job run five times at once (as if several workers raced) sends one transfer.
    connect = StripeConnect(with_stripe(settings, funded))
    outcomes = await asyncio.gather(*(send_transfer(connect, payable_id) for _ in range(5)), return_exceptions=True)
    await run_jobs(database_url)
    assert len(transfers_to(funded, account)) == 1, outcomes
    assert (await payable_row(payable_id))["status"] == "transfer_sent"
    assert await _journal_count(payable_id, "transfer_sent") == 1
    assert await count_unbalanced_journals() == 0


async def test_a_worker_killed_after_stripe_made_the_transfer_is_finished_by_another(
    cast: Cast, encryptor: Encryptor, funded: StripeSim, database_url: str, tmp_path: Path
) -> None:
    payable_id, account = await _approved_payable(cast, funded)
    secret = await olivia_totp(cast, encryptor)
    assert await release(cast, encryptor, secret, payable_id)
    engine = get_engine()
    env = worker_env(database_url, tmp_path / "storage")
    log_path = tmp_path / "worker.log"
    # Hold the payable's row: the worker can call Stripe, but it can't record the answer until we let go.
    async with engine.transaction():
        await engine.fetch("SELECT id FROM payable WHERE id = $1 FOR UPDATE", payable_id)
        worker = start_worker(env, log_path)
        try:
            deadline = time.monotonic() + 30
            while not transfers_to(funded, account) or not await _worker_waits_on_a_lock(engine):
                assert worker.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, log_path.read_text()
                await asyncio.sleep(0.05)
        finally:
            kill(worker)
    # Stripe made the transfer; we recorded nothing: the intent says 'sending', the payable 'released'.
    assert len(transfers_to(funded, account)) == 1
    assert (await intent_row(payable_id))["state"] == "sending"
    assert (await payable_row(payable_id))["status"] == "released"
    assert await _journal_count(payable_id, "transfer_sent") == 0
    # The job is stuck 'doing' under a dead worker: the sweep puts it back; a new worker finishes it.
    await asyncio.sleep(1.1)
    await run_sweep(database_url, stalled_after_seconds=1)
    assert len(transfers_to(funded, account)) == 1
    row = await payable_row(payable_id)
    assert row["status"] == "transfer_sent" and row["stripe_transfer_id"] == transfers_to(funded, account)[0]["id"]
    assert await _journal_count(payable_id, "transfer_sent") == 1 and await count_unbalanced_journals() == 0


async def _worker_waits_on_a_lock(engine: Any) -> bool:
    # Statistics views are read once per transaction unless the snapshot is cleared (we are inside one).
    await engine.fetch("SELECT pg_stat_clear_snapshot()")
    rows = await engine.fetch(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM payable p%'"
    )
    return int(rows[0]["n"]) > 0


async def test_a_connection_dropped_after_the_transfer_is_retried_with_the_same_key(
    cast: Cast, encryptor: Encryptor, funded: StripeSim, database_url: str
) -> None:
    payable_id, account = await _approved_payable(cast, funded)
    secret = await olivia_totp(cast, encryptor)
    # Stripe makes the transfer, then the connection drops before the answer: the SDK retries with the same key.
    funded.control("faults", path="/v1/transfers", method="POST", count=1, status="drop")
    assert await release(cast, encryptor, secret, payable_id)
    await run_jobs(database_url)
    assert len(transfers_to(funded, account)) == 1
    assert (await payable_row(payable_id))["status"] == "transfer_sent"
    assert (await intent_row(payable_id))["generation"] == 1  # one key all along
    assert await _journal_count(payable_id, "transfer_sent") == 1


async def test_answered_500s_are_retried_and_still_make_one_transfer(
    cast: Cast, encryptor: Encryptor, funded: StripeSim, database_url: str
) -> None:
    payable_id, account = await _approved_payable(cast, funded)
    secret = await olivia_totp(cast, encryptor)
    # Three 500s: the SDK's own retries get the same saved answer; our job looks for the transfer, finds none,
    # and its retry uses the next key (Stripe keeps a 500 under its key).
    funded.control("faults", path="/v1/transfers", method="POST", count=3, status=500)
    assert await release(cast, encryptor, secret, payable_id)
    await run_jobs(database_url)
    intent = await intent_row(payable_id)
    assert intent["state"] == "sending" and intent["generation"] == 2 and "500" in str(intent["last_error"])
    # procrastinate retries the job after its wait; here, the worker runs it now.
    await get_engine().fetch("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
    await run_jobs(database_url)
    assert len(transfers_to(funded, account)) == 1
    assert (await payable_row(payable_id))["status"] == "transfer_sent"
    assert await _journal_count(payable_id, "transfer_sent") == 1


async def test_a_lost_job_is_queued_again_by_the_sweep(
    cast: Cast, encryptor: Encryptor, funded: StripeSim, database_url: str
) -> None:
    payable_id, account = await _approved_payable(cast, funded)
    secret = await olivia_totp(cast, encryptor)
    assert await release(cast, encryptor, secret, payable_id)
    # As if the job row were lost (a crash between the commit and the queueing, in a design without our
    # same-transaction queueing, or an operator clearing the queue).
    await get_engine().fetch("DELETE FROM procrastinate_jobs")
    assert transfers_to(funded, account) == []
    await run_sweep(database_url)
    assert len(transfers_to(funded, account)) == 1
    assert (await payable_row(payable_id))["status"] == "transfer_sent"


# --- webhooks: twice, out of order -------------------------------------------------------------------------


@pytest.fixture
def hook_app(settings: Settings, funded: StripeSim) -> Litestar:
    return reused_app(with_stripe(settings, funded))


@pytest.fixture
async def hooks(hook_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(hook_app) as client:
        yield client


async def _deliver(client: httpx.AsyncClient, event: dict[str, Any]) -> None:
    payload = json.dumps(event)
    response = await client.post(
        "/webhooks/stripe",
        content=payload.encode(),
        headers={"Stripe-Signature": sign(payload, CONNECT_SECRET), "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text


async def _paid_out_events(cast: Cast, encryptor: Encryptor, sim: StripeSim, database_url: str) -> tuple[int, list]:
    payable_id, account = await _approved_payable(cast, sim)
    secret = await olivia_totp(cast, encryptor)
    assert await release(cast, encryptor, secret, payable_id)
    await run_jobs(database_url)
    sim.control("clock/advance", days=1)  # the daily automatic payout leaves
    sim.control("clock/advance", days=3)  # and arrives
    events = [e for e in sim.simulator.state.all("event", owner=account) if e["type"].startswith("payout.")]
    platform = sim.simulator.state.all("event", owner="")
    transfer_events = [
        e for e in platform if e["type"] == "transfer.created" and e["data"]["object"]["destination"] == account
    ]
    assert any(e["type"] == "payout.paid" for e in events), [e["type"] for e in events]
    return payable_id, [*transfer_events, *[{**e, "account": account} for e in events]]


async def _state(payable_id: int) -> tuple[str, list[str], dict[str, int]]:
    row = await payable_row(payable_id)
    counts = {k: await _journal_count(payable_id, k) for k in ("accrued", "transfer_sent", "paid_out", "reversed")}
    return str(row["status"]), await _journal_kinds(payable_id), counts


EXPECTED = ("paid_out", ["accrued", "paid_out", "transfer_sent"],
            {"accrued": 1, "transfer_sent": 1, "paid_out": 1, "reversed": 0})  # fmt: skip


@pytest.mark.parametrize("order", ["in_order", "reversed_and_twice"])
async def test_webhooks_twice_and_out_of_order_reach_the_in_order_state(
    order: str, cast: Cast, encryptor: Encryptor, funded: StripeSim, database_url: str, hooks: httpx.AsyncClient
) -> None:
    payable_id, events = await _paid_out_events(cast, encryptor, funded, database_url)
    if order == "reversed_and_twice":
        events = [*reversed(events), *events]
    for event in events:
        await _deliver(hooks, event)
    await run_jobs(database_url)
    assert await _state(payable_id) == EXPECTED
    assert await count_unbalanced_journals() == 0
    assert (await payable_row(payable_id))["stripe_payout_id"]


async def test_a_reversed_transfer_reverses_the_payable_and_its_money(
    cast: Cast, encryptor: Encryptor, funded: StripeSim, database_url: str, hooks: httpx.AsyncClient
) -> None:
    payable_id, _account = await _approved_payable(cast, funded)
    secret = await olivia_totp(cast, encryptor)
    assert await release(cast, encryptor, secret, payable_id)
    await run_jobs(database_url)
    transfer_id = str((await payable_row(payable_id))["stripe_transfer_id"])
    funded.client().v1.transfers.reversals.create(transfer_id)
    [event] = [e for e in funded.simulator.state.all("event", owner="") if e["type"] == "transfer.reversed"
               and e["data"]["object"]["id"] == transfer_id]  # fmt: skip
    await _deliver(hooks, event)
    await _deliver(hooks, {**event, "id": event["id"] + "dup"})  # the same news under another event id
    await run_jobs(database_url)
    status, _kinds, counts = await _state(payable_id)
    assert status == "reversed" and counts["reversed"] == 1
    assert sent_minus_reversed(funded, transfer_id) == 0


def sent_minus_reversed(sim: StripeSim, transfer_id: str) -> int:
    transfer = sim.simulator.state.get(transfer_id, "transfer")
    assert transfer is not None
    return int(transfer["amount"]) - int(transfer["amount_reversed"])


async def test_the_send_job_does_nothing_for_a_payable_not_released(
    cast: Cast, funded: StripeSim, settings: Settings
) -> None:
    payable_id, _account = await _approved_payable(cast, funded)
    assert await send_transfer(StripeConnect(with_stripe(settings, funded)), payable_id) is Sent.NOTHING


async def test_a_payout_ahead_of_our_transfer_record_waits_for_it(
    cast: Cast, encryptor: Encryptor, funded: StripeSim, database_url: str, hooks: httpx.AsyncClient,
    settings: Settings,
) -> None:  # fmt: skip
    payable_id, account = await _approved_payable(cast, funded)
    secret = await olivia_totp(cast, encryptor)
    assert await release(cast, encryptor, secret, payable_id)
    await get_engine().fetch("DELETE FROM procrastinate_jobs")  # we play the worker, and it dies after the call
    attempt = await begin_attempt(payable_id)
    assert attempt is not None and attempt.destination == account
    connect = StripeConnect(with_stripe(settings, funded))
    await connect.create_transfer(amount_minor=attempt.amount_minor, currency=attempt.currency, destination=account,
                                  transfer_group=attempt.transfer_group, metadata={"rapport_payable": attempt.ref},
                                  idempotency_key=attempt.idempotency_key)  # fmt: skip
    funded.control("clock/advance", days=1)
    funded.control("clock/advance", days=3)  # Stripe pays the creator out before we recorded the transfer
    [paid] = [e for e in funded.simulator.state.all("event", owner=account) if e["type"] == "payout.paid"]
    with pytest.raises(PayoutAheadOfTransfer):
        await apply_stripe_event(connect, "payout.paid", paid["data"]["object"], account)
    await _deliver(hooks, {**paid, "account": account})
    await run_sweep(database_url)  # records the transfer Stripe made (found by its metadata), no second one
    await get_engine().fetch("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
    await run_jobs(database_url)  # the event's retry now finds the payable
    assert await _state(payable_id) == EXPECTED
    assert len(transfers_to(funded, account)) == 1


async def test_a_transfer_refused_for_want_of_an_account_is_released_again_once_it_exists(
    cast: Cast, encryptor: Encryptor, funded: StripeSim, database_url: str
) -> None:
    payable_id = await signing_payable(cast)
    await approved(cast, payable_id)
    secret = await olivia_totp(cast, encryptor)
    assert await release(cast, encryptor, secret, payable_id)
    await run_jobs(database_url)
    row = await payable_row(payable_id)
    assert row["status"] == "failed" and "has not set up payouts" in str(row["reason"])
    account = await ready_creator(funded, cast.alice_id)  # Alice sets up payouts
    assert await release(cast, encryptor, secret, payable_id)  # finance releases it again
    await run_jobs(database_url)
    assert (await payable_row(payable_id))["status"] == "transfer_sent"
    assert len(transfers_to(funded, account)) == 1
    assert not await release(cast, encryptor, secret, payable_id)  # sent: nothing to release
