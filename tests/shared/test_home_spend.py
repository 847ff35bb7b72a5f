"""The brand home's spend block: budget against committed, approved and paid, cost per creator and per deliverable,
exact in minor units, the charts drawing the same numbers as the tables, in one query whatever the data's size."""

from __future__ import annotations

import re

import httpx

from shared.db.querycount import count_queries
from shared.workspace.chart import cost_chart, spend_chart
from shared.workspace.queries import list_campaign_spend
from tests.backoffice.board_helpers import deal_in, new_creator
from tests.conftest import Cast
from tests.factories import agreed_deal
from tests.payment_helpers import ACTOR, approved
from tests.personas import act_as_staff


async def _campaign(cast: Cast) -> int:
    """Alice agreed US$1,200.00 for 2 deliverables; her signing payable (US$600.00) is approved. Bruno agreed
    US$800.50 for 1 deliverable."""
    from shared.payments.actions import record_milestone

    alice = await agreed_deal(cast, fee="1200", deliverables=2)
    payable = await record_milestone(ACTOR, alice.collaboration_id, "signing")
    assert payable is not None
    await approved(cast, payable)
    await deal_in(cast, alice.campaign_id, await new_creator("Bruno Diaz", "bruno.climbs"), fee="800.50")
    return alice.campaign_id


async def test_it_sums_spend_and_costs_exactly(cast: Cast) -> None:
    campaign = await _campaign(cast)
    [row] = await list_campaign_spend(cast.acme_id)
    assert row.campaign_id == campaign and row.currency == "USD"
    assert (row.committed_minor, row.approved_minor, row.paid_minor, row.offered_minor) == (200_050, 60_000, 0, 0)
    assert (row.creators, row.deliverables) == (2, 3)
    assert row.per_creator_minor == 100_025 and row.per_deliverable_minor == 66_683
    spend = spend_chart((row,))
    assert spend is not None
    assert [d["data"] for d in spend["data"]["datasets"]] == [[row.budget_minor / 100], [2000.5], [600.0], [0.0], [0.0]]
    costs = cost_chart((row,))
    assert costs is not None
    assert [d["data"] for d in costs["data"]["datasets"]] == [[1000.25], [666.83]]


async def test_it_reads_the_spend_in_one_query_whatever_the_size(client: httpx.AsyncClient, cast: Cast) -> None:
    await _campaign(cast)
    with count_queries() as small:
        assert len(await list_campaign_spend(cast.acme_id)) == 1
    for _ in range(3):
        await _campaign_with_more(cast)
    with count_queries() as large:
        assert len(await list_campaign_spend(cast.acme_id)) == 4
    assert small.count == large.count == 1


async def _campaign_with_more(cast: Cast) -> None:
    deal = await agreed_deal(cast, fee="300", deliverables=3)
    for index in range(2):
        creator = await new_creator(f"Extra {deal.campaign_id}-{index}", f"extra.{deal.campaign_id}.{index}")
        await deal_in(cast, deal.campaign_id, creator, fee="100")


async def test_the_home_shows_both_charts_and_the_same_numbers_in_tables(client: httpx.AsyncClient, cast: Cast) -> None:
    await _campaign(cast)
    await act_as_staff(client, cast.fran_id)
    html = (await client.get("/backoffice/b/acme")).text
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert 'data-chart="home-spend-chart"' in html and 'data-chart="home-cost-chart"' in html
    assert "US$2,000.50" in text and "US$600.00" in text  # committed, approved to pay
    assert "US$1,000.25" in text and "US$666.83" in text  # per creator, per deliverable
