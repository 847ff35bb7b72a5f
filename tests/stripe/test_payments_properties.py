"""A property over random histories: approvals, releases, Stripe faults, an empty balance, reversals, payouts,
and webhooks delivered twice and in any order. Whatever happens, every journal balances, the money the ledger
says left the platform for each payable is what the simulator transferred (minus reversals), and no payable
is transferred or paid twice."""

from __future__ import annotations

import json
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar import Litestar

from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.integrations.stripe_simulator import sign
from shared.ledger.queries import count_unbalanced_journals
from shared.payments.rules import payable_ref
from shared.settings import Settings
from tests.conftest import Cast, app_client, reused_app
from tests.payment_helpers import (
    approved,
    olivia_totp,
    payable_row,
    point_jobs_at,
    ready_creator,
    release,
    run_jobs,
    run_sweep,
    signing_payable,
)
from tests.portal.test_payments import CONNECT_SECRET, with_stripe
from tests.stripe_fixtures import StripeSim

OPS = ("release0", "release1", "jobs", "sweep", "fault500", "drop", "drain", "fund", "reverse0", "reverse1",
       "payout", "webhooks")  # fmt: skip


@pytest.fixture
def hook_app(settings: Settings, sim: StripeSim, monkeypatch: pytest.MonkeyPatch) -> Litestar:
    point_jobs_at(sim, monkeypatch)
    return reused_app(with_stripe(settings, sim))


@pytest.fixture
async def hooks(hook_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(hook_app) as client:
        yield client


class World:
    """One example's history: two approved payables of Alice, the simulator, the webhooks not yet delivered."""

    def __init__(self, sim: StripeSim, hooks: httpx.AsyncClient, database_url: str, account: str) -> None:
        self.sim, self.hooks, self.database_url, self.account = sim, hooks, database_url, account
        self.payables: list[int] = []
        self.delivered: set[str] = set()

    async def jobs(self) -> None:
        # A retry's wait is skipped: the worker runs what is due, now.
        await get_engine().fetch("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
        await run_jobs(self.database_url)

    def events(self) -> list[dict[str, Any]]:
        mine = [e for e in self.sim.simulator.state.all("event", owner=self.account) if e["type"].startswith("payout.")]
        transfers = [e for e in self.sim.simulator.state.all("event", owner="") if e["type"].startswith("transfer.")
                     and e["data"]["object"].get("destination") == self.account]  # fmt: skip
        return [*transfers, *[{**e, "account": self.account} for e in mine]]

    async def deliver(self, rnd: random.Random) -> None:
        events = self.events()
        batch = events + rnd.sample(events, k=len(events) // 2)  # some twice
        rnd.shuffle(batch)
        for event in batch:
            payload = json.dumps(event)
            response = await self.hooks.post("/webhooks/stripe", content=payload.encode(),
                                             headers={"Stripe-Signature": sign(payload, CONNECT_SECRET)})  # fmt: skip
            assert response.status_code == 200
        await self.jobs()

    def transfers_of(self, ref: str) -> list[dict[str, Any]]:
        return [t for t in self.sim.simulator.state.all("transfer") if t["metadata"].get("rapport_payable") == ref]


async def _left_platform(payable_id: int) -> int:
    """What the ledger says left the platform's Stripe balance for this payable (credits are negative)."""
    rows = await get_engine().fetch(
        """
        SELECT coalesce(-sum(e.amount_minor), 0)::bigint AS n FROM ledger_entry e
        JOIN ledger_journal j ON j.id = e.journal JOIN ledger_account a ON a.id = e.account
        WHERE j.payable = $1 AND a.kind = 'platform_balance'
        """,
        payable_id,
    )
    return int(rows[0]["n"])


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])  # fmt: skip
@given(ops=st.lists(st.sampled_from(OPS), min_size=1, max_size=10), seed=st.integers(0, 2**16))
async def test_any_history_keeps_the_money_consistent(
    ops: list[str], seed: int, cast: Cast, sim: StripeSim, hooks: httpx.AsyncClient, database_url: str,
    settings: Settings,
) -> None:  # fmt: skip
    rnd = random.Random(seed)
    encryptor = Encryptor(settings.secret_key)
    sim.reset_switches()
    sim.top_up(1_000_000)
    # One connected account for Alice across examples (our database keeps the first one she set up).
    known = await get_engine().fetch("SELECT stripe_account_id FROM payout_account WHERE creator = $1", cast.alice_id)
    account = str(known[0]["stripe_account_id"]) if known else await ready_creator(sim, cast.alice_id)
    existing = await get_engine().fetch("SELECT totp_enabled_at FROM staff_user WHERE id = $1", cast.olivia_id)
    if existing[0]["totp_enabled_at"] is None:
        await olivia_totp(cast, encryptor)
    secret_rows = await get_engine().fetch("SELECT totp_secret_enc FROM staff_user WHERE id = $1", cast.olivia_id)
    secret = encryptor.decrypt(secret_rows[0]["totp_secret_enc"])
    assert secret is not None
    world = World(sim, hooks, database_url, account)
    for _ in range(2):
        payable_id = await signing_payable(cast)
        await approved(cast, payable_id)
        world.payables.append(payable_id)

    for op in ops:
        if op.startswith("release"):
            await release(cast, encryptor, secret, world.payables[int(op[-1])])
        elif op == "jobs":
            await world.jobs()
        elif op == "sweep":
            await run_sweep(database_url)
        elif op in ("fault500", "drop"):
            sim.control(
                "faults", path="/v1/transfers", method="POST", count=1, status=500 if op == "fault500" else "drop"
            )
        elif op == "drain":
            sim.simulator.state.balance("", "usd")["available"] = 0
        elif op == "fund":
            sim.top_up(1_000_000)
        elif op.startswith("reverse"):
            row = await payable_row(world.payables[int(op[-1])])
            transfer = row["stripe_transfer_id"]
            if transfer and sim.simulator.state.get(str(transfer), "transfer")["amount_reversed"] == 0:
                sim.simulator.state.faults.clear()  # the faults are meant for our transfers, not the brand's reversal
                sim.client().v1.transfers.reversals.create(str(transfer))
        elif op == "payout":
            sim.control("clock/advance", days=1)
            sim.control("clock/advance", days=3)
        elif op == "webhooks":
            await world.deliver(rnd)

    # Let everything settle: funds, the sweep, the jobs, every webhook.
    sim.reset_switches()
    sim.top_up(1_000_000)
    await run_sweep(database_url)
    await world.jobs()
    await world.deliver(rnd)

    assert await count_unbalanced_journals() == 0
    for payable_id in world.payables:
        row = await payable_row(payable_id)
        transfers = world.transfers_of(payable_ref(payable_id, row["created_at"]))  # type: ignore[arg-type]
        assert len(transfers) <= 1, f"payable {payable_id} transferred {len(transfers)} times"
        at_stripe = sum(int(t["amount"]) - int(t["amount_reversed"]) for t in transfers)
        assert await _left_platform(payable_id) == at_stripe, (ops, row["status"])
        paid = await get_engine().fetch(
            "SELECT count(*) AS n FROM ledger_journal WHERE payable = $1 AND kind = 'paid_out'", payable_id
        )
        assert int(paid[0]["n"]) <= 1
        if row["status"] == "released" or row["status"] == "approved":
            assert not transfers
