"""Reconciliation runs against the Stripe simulator (the real SDK over HTTP): a month of 100 transfers with three
seeded breaks, partial pages, reruns that change nothing, resolutions that survive reruns, fees journaled once."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bench.reconciliation_data import add_transfer, build_month
from shared.audit.context import system_actor
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.errors import IllegalTransition
from shared.identity.queries import get_staff_context
from shared.integrations.stripe_connect import StripeConnect
from shared.ledger.queries import count_unbalanced_journals, list_balances
from shared.reconciliation.actions import do_close_period, do_correct_break, do_note_break, do_request_run
from shared.reconciliation.rules import month_start
from shared.settings import Settings
from tests.conftest import Cast
from tests.payment_helpers import (
    approved,
    olivia_totp,
    point_jobs_at,
    ready_creator,
    release,
    run_jobs,
    signing_payable,
)
from tests.portal.test_payments import with_stripe
from tests.reconciliation.helpers import breaks, items, reconcile
from tests.stripe_fixtures import StripeSim

ACTOR = system_actor("test")
MARCH = dt.date(2025, 3, 1)


@pytest.fixture
def connect(settings: Settings, sim: StripeSim) -> StripeConnect:
    sim.simulator.store.reset()  # the session's simulator: other tests' transfers are not this brand's month
    return StripeConnect(with_stripe(settings, sim))


async def test_it_finds_exactly_the_three_seeded_breaks_among_100_transfers(
    cast: Cast, sim: StripeSim, connect: StripeConnect
) -> None:
    month = await build_month(sim.simulator, brand_id=cast.acme_id, month=MARCH, transfers=100)
    state = sim.simulator.state
    # 1. A transfer made outside Rapport (in Stripe's dashboard) to one of the brand's creators.
    outside = add_transfer(sim.simulator, created=int(dt.datetime(2025, 3, 9, tzinfo=dt.UTC).timestamp()),
                           amount=4200, currency="USD", destination=month.accounts[3], metadata={})  # fmt: skip
    # 2. A transfer we recorded that Stripe does not have.
    gone = month.payable_ids[10]
    [row] = await get_engine().fetch("SELECT stripe_transfer_id FROM payable WHERE id = $1", gone)
    del state.objects[row["stripe_transfer_id"]]
    # 3. A transfer whose amount is not the payable's.
    differs = month.payable_ids[50]
    [row] = await get_engine().fetch("SELECT stripe_transfer_id FROM payable WHERE id = $1", differs)
    state.objects[row["stripe_transfer_id"]]["amount"] += 1

    run = await reconcile(connect, cast.acme_id, MARCH)
    found = await items(cast.acme_id, MARCH)
    assert breaks(found) == {outside: "stripe_only", f"payable:{gone}": "ours_only", f"payable:{differs}": "differs"}
    assert sum(1 for i in found.values() if i["result"] == "matched") == 98
    assert run["state"] == "done" and run["changed"] == 101
    assert run["pages_read"] >= 2  # 100 transfers at Stripe: a full page and a partial one
    assert json.loads(str(run["summary"]))["matched"]["USD"]["count"] == 98

    rerun = await reconcile(connect, cast.acme_id, MARCH)
    assert rerun["changed"] == 0
    assert await items(cast.acme_id, MARCH) == found


async def test_a_break_keeps_its_resolution_and_a_fixed_one_changes_class_in_place(
    cast: Cast, sim: StripeSim, connect: StripeConnect
) -> None:
    month = await build_month(sim.simulator, brand_id=cast.acme_id, month=MARCH, transfers=5)
    outside = add_transfer(sim.simulator, created=int(dt.datetime(2025, 3, 2, tzinfo=dt.UTC).timestamp()),
                           amount=999, currency="USD", destination=month.accounts[0], metadata={})  # fmt: skip
    await reconcile(connect, cast.acme_id, MARCH)
    fran = await get_staff_context(cast.fran_id)
    item_id = int((await items(cast.acme_id, MARCH))[outside]["id"])  # type: ignore[call-overload]
    await do_note_break(ACTOR, fran, brand_id=cast.acme_id, item_id=item_id, note="Paid by hand in the dashboard")
    await reconcile(connect, cast.acme_id, MARCH)
    after = (await items(cast.acme_id, MARCH))[outside]
    assert (after["result"], after["resolution"], after["note"]) == ("stripe_only", "noted",
                                                                     "Paid by hand in the dashboard")  # fmt: skip
    with pytest.raises(IllegalTransition):
        await do_note_break(ACTOR, fran, brand_id=cast.acme_id, item_id=item_id, note="again")
    # A payable whose transfer went missing, then was found: the same item, matched again, no longer open.
    payable_id = month.payable_ids[0]
    [row] = await get_engine().fetch("SELECT stripe_transfer_id FROM payable WHERE id = $1", payable_id)
    kept = sim.simulator.state.objects.pop(row["stripe_transfer_id"])
    await reconcile(connect, cast.acme_id, MARCH)
    assert (await items(cast.acme_id, MARCH))[f"payable:{payable_id}"]["resolution"] == "open"
    sim.simulator.state.objects[kept["id"]] = kept
    await reconcile(connect, cast.acme_id, MARCH)
    again = (await items(cast.acme_id, MARCH))[f"payable:{payable_id}"]
    assert (again["result"], again["resolution"]) == ("matched", "")


async def test_it_reconciles_a_real_transfer_its_reversal_and_a_correcting_journal(
    cast: Cast, sim: StripeSim, connect: StripeConnect, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_jobs_at(sim, monkeypatch)
    sim.top_up(1_000_000)
    encryptor = Encryptor("e" * 40)
    secret = await olivia_totp(cast, encryptor)
    payable_id = await signing_payable(cast)
    await ready_creator(sim, cast.alice_id)
    await approved(cast, payable_id)
    assert await release(cast, encryptor, secret, payable_id)
    await run_jobs(database_url)
    now = month_start(dt.datetime.now(dt.UTC).date())
    fran = await get_staff_context(cast.fran_id)

    # On demand, as the page does: the run is queued with its job, and a worker does it.
    await do_request_run(ACTOR, fran, brand_id=cast.acme_id, starts_on=now)
    await run_jobs(database_url)
    found = await items(cast.acme_id, now)
    assert found[f"payable:{payable_id}"]["result"] == "matched"
    [run] = await get_engine().fetch("SELECT state, requested_by FROM reconciliation_run")
    assert (run["state"], run["requested_by"]) == ("done", cast.fran_id)

    [row] = await get_engine().fetch("SELECT stripe_transfer_id FROM payable WHERE id = $1", payable_id)
    sim.client().v1.transfers.reversals.create(row["stripe_transfer_id"])
    sim.control("fees", amount=125, currency="usd", source=row["stripe_transfer_id"])
    await reconcile(connect, cast.acme_id, now)
    found = await items(cast.acme_id, now)
    item = found[f"payable:{payable_id}"]
    assert item["result"] == "reversed_failed" and "Reversals: trr_" in str(item["detail"])
    [fee] = [i for i in found.values() if i["kind"] == "fee"]
    assert (fee["result"], fee["stripe_amount_minor"]) == ("matched", 125)

    journal_id = await do_correct_break(ACTOR, fran, brand_id=cast.acme_id, item_id=int(item["id"]),  # type: ignore[call-overload]
                                        note="Stripe reversed it; the webhook was lost")  # fmt: skip
    await reconcile(connect, cast.acme_id, now)  # again: the fee is journaled once, the resolution stays
    item = (await items(cast.acme_id, now))[f"payable:{payable_id}"]
    assert (item["resolution"], item["journal"]) == ("corrected", journal_id)
    journals = await get_engine().fetch("SELECT kind, reverses FROM ledger_journal ORDER BY id")
    assert [j["kind"] for j in journals].count("fee") == 1
    assert journals[-1]["kind"] == "correction" and journals[-1]["reverses"] is not None
    balances = {(b.code, b.currency): b.balance_minor for b in await list_balances(cast.acme_id)}
    assert balances[("fees", "USD")] == 125
    assert balances[(f"in_transit:{cast.alice_id}", "USD")] == 0
    assert await count_unbalanced_journals() == 0
    audit = await get_engine().fetch("SELECT action FROM audit_log WHERE action LIKE 'reconciliation.%' ORDER BY id")
    assert [a["action"] for a in audit] == ["reconciliation.run_requested", "reconciliation.break_corrected"]
    with pytest.raises(IllegalTransition, match="once it has ended"):
        await do_close_period(ACTOR, fran, brand_id=cast.acme_id, starts_on=now)


async def test_other_brands_and_strangers_see_nothing_of_each_other(
    cast: Cast, sim: StripeSim, connect: StripeConnect
) -> None:
    await build_month(sim.simulator, brand_id=cast.acme_id, month=MARCH, transfers=7)
    await reconcile(connect, cast.globex_id, MARCH)
    assert await items(cast.globex_id, MARCH) == {}


async def test_payouts_and_conversions_are_read_and_conversions_journaled_once(
    cast: Cast, sim: StripeSim, connect: StripeConnect
) -> None:
    from shared.integrations.stripe_simulator import objects as sim_objects

    month = await build_month(sim.simulator, brand_id=cast.acme_id, month=MARCH, transfers=8)  # two creators
    state = sim.simulator.state
    at = int(dt.datetime(2025, 3, 20, tzinfo=dt.UTC).timestamp())
    for account, status in ((month.accounts[0], "paid"), (month.accounts[1], "failed")):
        payout = sim_objects.payout(at, amount=5000, currency="usd", destination=None, automatic=True,
                                    arrival_date=at + 86400, description=None, metadata={},
                                    statement_descriptor=None)  # fmt: skip
        payout.update(status=status, failure_code="account_closed" if status == "failed" else None)
        state.add(payout, owner=account)
    # The platform settles in EUR: the first transfer's balance line was converted (0.92 EUR per USD).
    [row] = await get_engine().fetch("SELECT stripe_transfer_id, amount_minor FROM payable WHERE id = $1",
                                     month.payable_ids[0])  # fmt: skip
    txn = state.objects[state.objects[row["stripe_transfer_id"]]["balance_transaction"]]
    settled = round(int(row["amount_minor"]) * 0.92)
    txn.update(currency="eur", amount=-settled, net=-settled, exchange_rate=0.92)

    await reconcile(connect, cast.acme_id, MARCH)
    found = await items(cast.acme_id, MARCH)
    payouts = sorted((str(i["result"]), str(i["detail"])) for i in found.values() if i["kind"] == "payout")
    assert payouts == [
        ("matched", ""),
        ("reversed_failed", "The payout to the creator's bank failed (account closed)."),
    ]
    [fx] = [i for i in found.values() if i["kind"] == "fx"]
    assert (fx["result"], fx["currency"], fx["stripe_amount_minor"]) == ("matched", "EUR", settled)
    await reconcile(connect, cast.acme_id, MARCH)
    journals = await get_engine().fetch("SELECT id FROM ledger_journal WHERE kind = 'fx'")
    assert len(journals) == 1
    balances = {(b.code, b.currency): b.balance_minor for b in await list_balances(cast.acme_id)}
    assert balances[("fx", "USD")] == -int(row["amount_minor"]) and balances[("fx", "EUR")] == settled
    assert balances[("platform_balance", "EUR")] == -settled
    assert await count_unbalanced_journals() == 0
