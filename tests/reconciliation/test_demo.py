"""The demo, with the local Stripe: last month reconciled with one open break (a transfer made outside Rapport) and
the month before closed by Fran."""

from __future__ import annotations

import datetime as dt

from shared.db.engine import RapportEngine
from shared.demo import seed_demo_data
from shared.reconciliation.rules import month_start, previous_month
from shared.settings import Settings
from tests.portal.test_payments import with_stripe
from tests.stripe_fixtures import StripeSim


async def test_the_demo_shows_a_closed_month_and_last_month_with_one_open_break(
    engine: RapportEngine, settings: Settings, sim: StripeSim
) -> None:
    sim.simulator.store.reset()
    sim.top_up(5_000_000)
    await seed_demo_data(with_stripe(settings, sim))
    last_month = previous_month(month_start(dt.datetime.now(dt.UTC).date()))
    periods = {
        r["starts_on"]: r["state"]
        for r in await engine.fetch("SELECT starts_on, state FROM reconciliation_period ORDER BY starts_on")
    }
    assert periods == {previous_month(last_month): "closed", last_month: "open"}
    rows = await engine.fetch(
        """
        SELECT p.starts_on, i.result, i.resolution, i.stripe_amount_minor FROM reconciliation_item i
        JOIN reconciliation_period p ON p.id = i.period WHERE i.kind = 'transfer' ORDER BY p.starts_on, i.result
        """
    )
    assert [(r["starts_on"], r["result"], r["resolution"]) for r in rows] == [
        (previous_month(last_month), "matched", ""),
        (last_month, "matched", ""),
        (last_month, "matched", ""),
        (last_month, "stripe_only", "open"),
    ]
    assert rows[-1]["stripe_amount_minor"] == 7500
