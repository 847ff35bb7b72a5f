"""Closed periods: finance closes a reconciled month without open breaks, and then no journal may be dated inside it
(the database's trigger refuses, whoever writes it; the app says so in words)."""

from __future__ import annotations

import datetime as dt

import asyncpg
import pytest

from bench.reconciliation_data import add_transfer, build_month
from shared.audit.context import system_actor
from shared.db.engine import get_engine
from shared.errors import IllegalTransition, PermissionDenied
from shared.identity.queries import get_staff_context
from shared.integrations.stripe_connect import StripeConnect
from shared.ledger.actions import PeriodClosed, post_journal
from shared.ledger.rules import fee_lines
from shared.reconciliation.actions import do_close_period, do_note_break, do_request_run
from shared.reconciliation.queue import queue_run
from shared.settings import Settings
from tests.conftest import Cast
from tests.portal.test_payments import with_stripe
from tests.reconciliation.helpers import items, reconcile
from tests.stripe_fixtures import StripeSim

ACTOR = system_actor("test")
APRIL = dt.date(2025, 4, 1)


@pytest.fixture
def connect(settings: Settings, sim: StripeSim) -> StripeConnect:
    sim.simulator.store.reset()
    return StripeConnect(with_stripe(settings, sim))


def _at(day: int) -> dt.datetime:
    return dt.datetime(2025, 4, day, 12, tzinfo=dt.UTC)


async def test_a_closed_period_refuses_journals_dated_inside_it(cast: Cast, sim: StripeSim,
                                                                connect: StripeConnect) -> None:  # fmt: skip
    month = await build_month(sim.simulator, brand_id=cast.acme_id, month=APRIL, transfers=4)
    outside = add_transfer(sim.simulator, created=int(_at(3).timestamp()), amount=500, currency="USD",
                           destination=month.accounts[1], metadata={})  # fmt: skip
    await reconcile(connect, cast.acme_id, APRIL)
    fran = await get_staff_context(cast.fran_id)
    bob = await get_staff_context(cast.bob_id)
    with pytest.raises(IllegalTransition, match="1 break still open"):
        await do_close_period(ACTOR, fran, brand_id=cast.acme_id, starts_on=APRIL)
    item_id = int((await items(cast.acme_id, APRIL))[outside]["id"])  # type: ignore[call-overload]
    await do_note_break(ACTOR, fran, brand_id=cast.acme_id, item_id=item_id, note="A refund agreed by phone")
    with pytest.raises(PermissionDenied):
        await do_close_period(ACTOR, bob, brand_id=cast.acme_id, starts_on=APRIL)
    await do_close_period(ACTOR, fran, brand_id=cast.acme_id, starts_on=APRIL)

    # Inside: refused by the app's ledger, in words…
    with pytest.raises(PeriodClosed, match="The books for April 2025 are closed"):
        await post_journal(key="late-fee", brand_id=cast.acme_id, currency="USD", kind="fee", lines=fee_lines(10),
                           dated=_at(30))  # fmt: skip
    # …and by the database, whoever writes.
    with pytest.raises(asyncpg.PostgresError) as refused:
        await get_engine().fetch(
            "INSERT INTO ledger_journal (brand, key, kind, description, stripe_object, created_at) "
            "VALUES ($1, 'raw', 'fee', '', '', $2)",
            cast.acme_id,
            _at(1),
        )
    assert getattr(refused.value, "sqlstate", "") == "RPC01"
    # Outside it (the next month, another brand's April): fine.
    await post_journal(key="may-fee", brand_id=cast.acme_id, currency="USD", kind="fee", lines=fee_lines(10),
                       dated=dt.datetime(2025, 5, 1, tzinfo=dt.UTC))  # fmt: skip
    await post_journal(key="globex-fee", brand_id=cast.globex_id, currency="USD", kind="fee", lines=fee_lines(10),
                       dated=_at(15))  # fmt: skip
    # A closed month is final: no more runs.
    assert await queue_run(cast.acme_id, APRIL, None) is None
    with pytest.raises(IllegalTransition, match="closed"):
        await do_request_run(ACTOR, fran, brand_id=cast.acme_id, starts_on=APRIL)
    audit = await get_engine().fetch(
        "SELECT action, after FROM audit_log WHERE action = 'reconciliation.period_closed'"
    )
    assert len(audit) == 1


async def test_the_daily_job_queues_this_month_and_last_until_it_is_closed(cast: Cast) -> None:
    from shared.reconciliation.queue import queue_daily_runs
    from shared.reconciliation.rules import month_start, previous_month

    this_month = month_start(dt.datetime.now(dt.UTC).date())
    assert await queue_daily_runs() == 4  # Acme and Globex, last month and this one
    assert await queue_daily_runs() == 4  # the same runs, still waiting: joined, not doubled
    runs = await get_engine().fetch("SELECT count(*) AS n FROM reconciliation_run")
    jobs = await get_engine().fetch("SELECT count(*) AS n FROM procrastinate_jobs WHERE task_name = 'reconcile_run'")
    assert runs[0]["n"] == jobs[0]["n"] == 4
    await get_engine().fetch(
        "UPDATE reconciliation_period SET state = 'closed' WHERE starts_on = $1", previous_month(this_month)
    )
    await get_engine().fetch("UPDATE reconciliation_run SET state = 'done'")
    assert await queue_daily_runs() == 2  # closed months are final
