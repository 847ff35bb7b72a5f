"""Releasing a batch of payables end to end through the Stripe simulator: approve, release (one TOTP code for the
batch), the transfer jobs (procrastinate workers), each transfer recorded and journalled.

    uv run python bench/payout_bench.py [payables] [--workers N]

A throwaway embedded PostgreSQL and an in-process simulator (the real stripe SDK over HTTP on 127.0.0.1). The
setup (creators, deals, connected accounts, payables) goes through the real actions and is not timed. Printed:
payables per second for approval, release and the transfers, and the database statements our code sent per
payable (counted on the engine's pool; procrastinate's own statements — fetching and finishing each job, on its
own psycopg pool — come on top: about 3 per job).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import pyotp
import stripe

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.audit.context import system_actor
from shared.collaborations.actions import CreatorSide, check_send_offers, do_accept_offer
from shared.crypto import Encryptor
from shared.db.embedded import start_embedded_postgres
from shared.db.engine import configure_database, connection_pool, get_engine
from shared.db.migrate import apply_migrations
from shared.db.querycount import count_queries
from shared.demo_history import BRIEF
from shared.identity.actions import (
    SocialAccount,
    check_totp_enrolment,
    do_create_brand,
    do_create_creator,
    do_create_staff_user,
    do_grant_membership,
    do_start_totp_enrolment,
)
from shared.identity.queries import get_staff_context
from shared.identity.rules import Role
from shared.integrations.stripe_connect import ConnectAccount
from shared.integrations.stripe_simulator import Simulator, running_simulator
from shared.integrations.stripe_simulator.walkthrough import ready_account
from shared.jobs import job_queue
from shared.ledger.queries import count_unbalanced_journals
from shared.payments.actions import check_approve_payables, check_release_payables, record_milestone
from shared.payouts.actions import do_record_payout_account

KEY = "sk_test_rapport_bench"
ACTOR = system_actor("bench")
MILESTONES = ("signing", "approval", "go_live")


async def setup(payables: int, base_url: str) -> tuple[int, int, int, list[int], str]:
    """Acme with Olivia (owner, TOTP) and Fran (finance); payables/3 creators, each with a ready connected account
    and a deal paying on signing, approval and go-live; every milestone reached."""
    from shared.campaigns.actions import do_create_campaign, do_publish_brief, do_save_brief

    admin = await do_create_staff_user(ACTOR, email="ada@bench.test", name="Ada", password=None, is_admin=True)
    olivia = await do_create_staff_user(ACTOR, email="olivia@bench.test", name="Olivia", password=None)
    fran = await do_create_staff_user(ACTOR, email="fran@bench.test", name="Fran", password=None)
    bob = await do_create_staff_user(ACTOR, email="bob@bench.test", name="Bob", password=None)
    brand = await do_create_brand(ACTOR, await get_staff_context(int(admin.id)), name="Acme", currency="USD")
    for person, role in ((olivia, Role.OWNER), (fran, Role.FINANCE), (bob, Role.MANAGER)):
        await do_grant_membership(ACTOR, staff_id=int(person.id), brand_id=int(brand.id), role=role)
    encryptor = Encryptor("b" * 40)
    enrolment = await do_start_totp_enrolment(ACTOR, encryptor, staff_id=int(olivia.id))
    await check_totp_enrolment(ACTOR, encryptor, staff_id=int(olivia.id), code=pyotp.TOTP(enrolment.secret).now())
    bob_ctx = await get_staff_context(int(bob.id))
    campaign = await do_create_campaign(ACTOR, bob_ctx, brand_id=int(brand.id),
                                        form={"name": "Bench", "objective": "x", "budget": "10000000",
                                              "currency": "USD"})  # fmt: skip
    await do_save_brief(ACTOR, bob_ctx, brand_id=int(brand.id), campaign_id=campaign, form=BRIEF)
    await do_publish_brief(ACTOR, bob_ctx, brand_id=int(brand.id), campaign_id=campaign)
    client = stripe.StripeClient(KEY, base_addresses={"api": base_url, "connect": base_url})
    creators = []
    for n in range((payables + len(MILESTONES) - 1) // len(MILESTONES)):
        creator = await do_create_creator(ACTOR, display_name=f"Creator {n}", email=f"c{n}@bench.test", country="US",
                                          niches=["x"], accounts=[SocialAccount("instagram", f"ig-{n}", f"c{n}",
                                                                                5000, 100)])  # fmt: skip
        account = ready_account(client)
        await do_record_payout_account(ACTOR, int(creator.id), ConnectAccount.from_stripe(account.to_dict()))
        creators.append(int(creator.id))
    # Each deal pays a third on signing, approval and go-live: every payable is a different milestone.
    live_on = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=14)).isoformat()
    form = {"fee": "300", "pay_signing": "34", "pay_approval": "33", "pay_go_live": "33", "revision_rounds": "2",
            "review_days": "3", "d0_kind": "reel", "d0_platform": "instagram", "d0_title": "Reel",
            "d0_draft_due": live_on, "d0_live_due": live_on}  # fmt: skip
    deals = await check_send_offers(ACTOR, bob_ctx, brand_id=int(brand.id), campaign_id=campaign, creator_ids=creators,
                                    form=form)  # fmt: skip
    ids: list[int] = []
    for deal, creator in zip(deals, creators, strict=True):
        await do_accept_offer(ACTOR, CreatorSide(creator), collaboration_id=deal)
        for milestone in MILESTONES:
            if len(ids) < payables and (payable := await record_milestone(ACTOR, deal, milestone)) is not None:
                ids.append(payable)
    return int(brand.id), int(olivia.id), int(fran.id), ids, enrolment.secret


async def run(payables: int, workers: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        dsn = start_embedded_postgres(Path(folder) / "pgdata", "rapport_bench", cleanup="delete")
        engine = configure_database(dsn, pool_max=20)
        await apply_migrations(engine)
        simulator = Simulator()
        with running_simulator(simulator) as base_url:
            # The jobs read Stripe's settings from the environment, as `rapport worker` does.
            os.environ.update(STRIPE_API_KEY=KEY, STRIPE_API_BASE=base_url, STRIPE_WEBHOOK_SECRET="whsec_b",
                              STRIPE_CONNECT_WEBHOOK_SECRET="whsec_c")  # fmt: skip
            async with connection_pool(engine):
                started = time.perf_counter()
                brand, olivia, fran, ids, secret = await setup(payables, base_url)
                print(
                    f"setup: {len(ids)} payables for {len(ids) // 3} creators in {time.perf_counter() - started:.0f} s"
                )
                simulator.store.state.balance("", "usd")["available"] = 10**12
                encryptor = Encryptor("b" * 40)
                fran_ctx, olivia_ctx = await get_staff_context(fran), await get_staff_context(olivia)
                with count_queries() as approve_log:
                    t0 = time.perf_counter()
                    outcomes = await check_approve_payables(ACTOR, fran_ctx, brand_id=brand, payable_ids=ids)
                    t_approve = time.perf_counter() - t0
                assert all(o.done for o in outcomes)
                with count_queries() as release_log:
                    t0 = time.perf_counter()
                    outcomes = await check_release_payables(ACTOR, olivia_ctx, encryptor, brand_id=brand,
                                                            payable_ids=ids, code=pyotp.TOTP(secret).now())  # fmt: skip
                    t_release = time.perf_counter() - t0
                assert all(o.done for o in outcomes), [o.message for o in outcomes if not o.done][:3]
                with count_queries() as send_log:
                    t0 = time.perf_counter()
                    async with job_queue(dsn) as jobs:
                        await jobs.run_worker_async(wait=False, concurrency=workers, install_signal_handlers=False)
                    t_send = time.perf_counter() - t0
                rows = await get_engine().fetch("SELECT status, count(*) AS n FROM payable GROUP BY status")
                sent = {r["status"]: int(r["n"]) for r in rows}
                transfers = len(simulator.store.state.all("transfer"))
                n = len(ids)
                print(f"payables: {n}; states after: {sent}; transfers at the simulator: {transfers}; "
                      f"unbalanced journals: {await count_unbalanced_journals()}")  # fmt: skip
                print("| step | seconds | payables/s | our statements per payable |")
                print("|---|---:|---:|---:|")
                for name, seconds, log in (("approve (one batch)", t_approve, approve_log),
                                           ("release (one batch, TOTP once)", t_release, release_log),
                                           (f"transfer jobs ({workers} concurrent)", t_send, send_log)):  # fmt: skip
                    print(f"| {name} | {seconds:.2f} | {n / seconds:.0f} | {len(log.statements) / n:.1f} |")
                total = t_approve + t_release + t_send
                stmts = len(approve_log.statements) + len(release_log.statements) + len(send_log.statements)
                print(f"| end to end | {total:.2f} | {n / total:.0f} | {stmts / n:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("payables", nargs="?", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4, help="concurrent jobs in the worker")
    args = parser.parse_args()
    asyncio.run(run(args.payables, args.workers))


if __name__ == "__main__":
    main()
