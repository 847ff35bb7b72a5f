"""Payables at a given step, built through the real actions; the simulator as the only Stripe."""

from __future__ import annotations

import pyotp
import pytest

from shared.audit.context import system_actor
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.identity.queries import StaffContext, get_staff_context
from shared.integrations.stripe_connect import ConnectAccount
from shared.jobs import job_queue
from shared.payments.actions import check_approve_payables, check_release_payables, record_milestone
from shared.payments.tasks import sweep_transfer_intents
from shared.payouts.actions import do_record_payout_account
from tests.conftest import Cast
from tests.contract_helpers import enable_totp
from tests.factories import agreed_deal
from tests.portal.test_payments import CONNECT_SECRET, PLATFORM_SECRET
from tests.stripe.helpers import ready_account
from tests.stripe_fixtures import SIM_KEY, StripeSim

ACTOR = system_actor("test")


def point_jobs_at(sim: StripeSim, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jobs read the environment (like `rapport worker`): point them at the simulator."""
    monkeypatch.setenv("STRIPE_API_KEY", SIM_KEY)
    monkeypatch.setenv("STRIPE_API_BASE", sim.base_url)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", PLATFORM_SECRET)
    monkeypatch.setenv("STRIPE_CONNECT_WEBHOOK_SECRET", CONNECT_SECRET)


async def signing_payable(cast: Cast, fee: str = "1200") -> int:
    """Alice's deal with Acme (negotiated by Bob) reached its signing milestone: its payable (50% of the fee)."""
    deal = await agreed_deal(cast, fee=fee)
    payable_id = await record_milestone(ACTOR, deal.collaboration_id, "signing")
    assert payable_id is not None
    return payable_id


async def ready_creator(sim: StripeSim, creator_id: int) -> str:
    """The creator finished Stripe onboarding: a connected account that can receive transfers."""
    account = ready_account(sim.client())
    await do_record_payout_account(ACTOR, creator_id, ConnectAccount.from_stripe(account.to_dict()))
    return str(account.id)


async def staff(staff_id: int) -> StaffContext:
    return await get_staff_context(staff_id)


async def approved(cast: Cast, payable_id: int) -> None:
    """Fran approves (the default policy needs one approver)."""
    [outcome] = await check_approve_payables(ACTOR, await staff(cast.fran_id), brand_id=cast.acme_id,
                                             payable_ids=[payable_id])  # fmt: skip
    assert outcome.done, outcome.message


async def release(cast: Cast, encryptor: Encryptor, secret: str, payable_id: int) -> bool:
    """Olivia (owner, TOTP) releases it; True when this call released it."""
    [outcome] = await check_release_payables(ACTOR, await staff(cast.olivia_id), encryptor, brand_id=cast.acme_id,
                                             payable_ids=[payable_id], code=pyotp.TOTP(secret).now())  # fmt: skip
    return outcome.done


async def olivia_totp(cast: Cast, encryptor: Encryptor) -> str:
    return await enable_totp(encryptor, cast.olivia_id)


async def run_jobs(database_url: str) -> None:
    """A worker that runs every job queued now, then stops (failed jobs with a retry wait are left)."""
    async with job_queue(database_url) as jobs:
        await jobs.run_worker_async(wait=False, install_signal_handlers=False)


async def run_sweep(database_url: str, stalled_after_seconds: float = 120.0) -> None:
    """The periodic sweep, queued and run by a worker (with whatever it queues in turn)."""
    # A periodic run queued by another worker would hold the queueing lock: this one replaces it.
    await get_engine().fetch(
        "DELETE FROM procrastinate_jobs WHERE task_name = 'sweep_transfer_intents' AND status = 'todo'"
    )
    async with job_queue(database_url) as jobs:
        await sweep_transfer_intents.defer_async(stalled_after_seconds=stalled_after_seconds)
        await jobs.run_worker_async(wait=False, install_signal_handlers=False)


async def payable_row(payable_id: int) -> dict[str, object]:
    rows = await get_engine().fetch("SELECT * FROM payable WHERE id = $1", payable_id)
    return dict(rows[0])


async def intent_row(payable_id: int) -> dict[str, object]:
    rows = await get_engine().fetch("SELECT * FROM transfer_intent WHERE payable = $1", payable_id)
    return dict(rows[0])


def transfers_to(sim: StripeSim, account_id: str) -> list[dict[str, object]]:
    return [t for t in sim.simulator.state.all("transfer") if t["destination"] == account_id]
