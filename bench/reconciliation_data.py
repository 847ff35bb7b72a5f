"""A month of transfers on both sides, fast: payables of ours (set-based SQL) and their transfers at an in-process
Stripe simulator (written into its state, as its own API would have made them), for the reconciliation bench and
its scale test. Not through the real actions: 100,000 deals and transfers that way take hours; what is built is
exactly what the real flow leaves behind (payable `transfer_sent` with its Stripe id and `sent_at`; a transfer with
our `rapport_payable` metadata, its balance transaction, the destination's payment).

    await build_month(sim, brand_id=..., month=dt.date(2025, 3, 1), transfers=100_000)
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from shared.db.engine import get_engine
from shared.integrations.stripe_simulator import Simulator
from shared.integrations.stripe_simulator import objects as sim_objects
from shared.payments.rules import payable_ref

MILESTONES = ("signing", "approval", "go_live", "bonus")
CREATORS = 100
CHUNK = 5_000


@dataclass(frozen=True)
class Month:
    brand_id: int
    creator_ids: list[int]
    accounts: list[str]  # connected account per creator, same order
    payable_ids: list[int]


def _account(sim: Simulator, now: int, n: int) -> str:
    acct = sim_objects.account(now, country="US", email=f"bench{n}@example.com", account_type="express",
                               requested=["transfers"], metadata={})  # fmt: skip
    acct["details_submitted"] = True
    sim_objects.set_requirements(acct, [])
    sim.state.add(acct)
    return str(acct["id"])


def add_transfer(sim: Simulator, *, created: int, amount: int, currency: str, destination: str,
                 metadata: dict[str, str]) -> str:  # fmt: skip
    """A transfer as POST /v1/transfers makes it (balance transactions on both sides), dated `created`."""
    cur = currency.lower()
    txn = sim_objects.balance_transaction(created, amount=-amount, currency=cur, type_="transfer",
                                          reporting_category="transfer", source=None)  # fmt: skip
    payment_id = f"py_{txn['id'][4:]}"
    transfer = sim_objects.transfer(created, amount=amount, currency=cur, destination=destination, description=None,
                                    transfer_group=None, metadata=metadata, balance_txn=txn["id"],
                                    destination_payment=payment_id)  # fmt: skip
    txn["source"] = transfer["id"]
    sim.state.add(txn)
    sim.state.add(transfer)
    return str(transfer["id"])


async def build_month(sim: Simulator, *, brand_id: int, month: dt.date, transfers: int, seed: int = 7) -> Month:
    """`transfers` payables of the brand sent within `month`, each with its transfer at the simulator (matched)."""
    rng = random.Random(seed)
    engine = get_engine()
    tag = f"{brand_id}-{month:%Y%m}-{seed}"
    creators = await engine.fetch(
        "INSERT INTO creator (display_name, email, country) SELECT 'Bench creator ' || n, 'bench-' || $1 || '-' || n "
        "|| '@example.com', 'US' FROM generate_series(1, $2) n RETURNING id",
        tag,
        CREATORS,
    )
    creator_ids = [int(r["id"]) for r in creators]
    now = sim.state.now()
    accounts = [_account(sim, now, n) for n in range(CREATORS)]
    await engine.fetch(
        "INSERT INTO payout_account (creator, stripe_account_id, country, details_submitted, payouts_enabled) "
        "SELECT c, a, 'US', true, true FROM unnest($1::int[], $2::text[]) AS t(c, a)",
        creator_ids,
        accounts,
    )
    per_campaign = CREATORS * len(MILESTONES)
    campaigns = await engine.fetch(
        "INSERT INTO campaign (brand, name, status) SELECT $1, 'Bench ' || $2 || ' #' || n, 'active' "
        "FROM generate_series(1, $3) n RETURNING id",
        brand_id,
        tag,
        (transfers + per_campaign - 1) // per_campaign,
    )
    collabs = await engine.fetch(
        "INSERT INTO collaboration (brand, campaign, creator, status, currency) "
        "SELECT $1, c, cr, 'contracted', 'USD' FROM unnest($2::int[]) c CROSS JOIN unnest($3::int[]) cr "
        "RETURNING id, creator",
        brand_id,
        [int(r["id"]) for r in campaigns],
        creator_ids,
    )
    account_of = dict(zip(creator_ids, accounts, strict=True))
    begin = dt.datetime.combine(month, dt.time(), tzinfo=dt.UTC)
    seconds = int(((month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - month).total_seconds())
    slots = [(int(c["id"]), int(c["creator"]), m) for c in collabs for m in MILESTONES][:transfers]
    # Stripe lists newest first by `created`: the simulator keeps creation order, so transfers are added in time order.
    times = sorted(rng.randrange(0, seconds - 1) for _ in slots)
    payable_ids: list[int] = []
    for start in range(0, len(slots), CHUNK):
        chunk = slots[start : start + CHUNK]
        sent = [begin + dt.timedelta(seconds=t) for t in times[start : start + CHUNK]]
        amounts = [rng.randrange(5_000, 500_000) for _ in chunk]
        rows = await engine.fetch(
            """
            INSERT INTO payable (brand, collaboration, campaign, creator, milestone, amount_minor, currency, status,
                                 milestone_at, due_on, sent_at, created_at)
            SELECT $1, t.collab, c.campaign, t.creator, t.m, t.amount, 'USD', 'transfer_sent', t.sent, t.sent::date,
                   t.sent, t.sent - interval '1 day'
            FROM unnest($2::int[], $3::int[], $4::text[], $5::bigint[], $6::timestamptz[])
                 AS t(collab, creator, m, amount, sent)
            JOIN collaboration c ON c.id = t.collab
            RETURNING id, created_at, amount_minor, creator, sent_at
            """,
            brand_id,
            [s[0] for s in chunk],
            [s[1] for s in chunk],
            [s[2] for s in chunk],
            amounts,
            sent,
        )
        rows = sorted(rows, key=lambda r: (r["sent_at"], r["id"]))
        ids, transfer_ids = [], []
        for r in rows:
            transfer_ids.append(
                add_transfer(
                    sim,
                    created=int(r["sent_at"].timestamp()),
                    amount=int(r["amount_minor"]),
                    currency="USD",
                    destination=account_of[int(r["creator"])],
                    metadata={"rapport_payable": payable_ref(int(r["id"]), r["created_at"])},
                )
            )
            ids.append(int(r["id"]))
        await engine.fetch(
            "UPDATE payable p SET stripe_transfer_id = t.tr FROM unnest($1::int[], $2::text[]) AS t(id, tr) "
            "WHERE p.id = t.id",
            ids,
            transfer_ids,
        )
        payable_ids.extend(ids)
    return Month(brand_id, creator_ids, accounts, payable_ids)
