"""The campaign overview: exact counts and money (minor units), only agreed deals as committed spend."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from shared.campaigns.overview import get_campaign_overview
from shared.collaborations.actions import BrandSide, do_decline_offer, do_withdraw_offer
from shared.db.querycount import count_queries
from shared.errors import NotFound
from shared.identity.queries import get_staff_context
from shared.web.static_assets import asset
from tests.backoffice.board_helpers import deal_in, deliverable_ids, globex_deal, new_creator, set_deliverable
from tests.conftest import Cast
from tests.factories import ACTOR, agreed_deal, offer_to
from tests.personas import act_as_staff


async def _campaign(cast: Cast) -> int:
    """Budget $10,000.00. Alice: agreed $1,200.00 (2 deliverables: one live, one overdue).
    Bruno: agreed $800.50. Cleo: offered $500.00 (open). Dana: declined $300.00. Eve: withdrawn $250.00."""
    alice = await agreed_deal(cast, deliverables=2)
    campaign = alice.campaign_id
    live, late = await deliverable_ids(alice.collaboration_id)
    # The content-review actions come in issue #5: statuses set directly (see board_helpers).
    await set_deliverable(live, status="live", due_in_days=None)
    await set_deliverable(late, due_in_days=-1)
    await deal_in(cast, campaign, await new_creator("Bruno Diaz", "bruno.climbs"), fee="800.50")
    await offer_to(cast, await new_creator("Cleo Park", "cleo.trails"), campaign_id=campaign, fee="500")
    dana = await new_creator("Dana Reyes", "dana.rides")
    declined = await offer_to(cast, dana, campaign_id=campaign, fee="300")
    await do_decline_offer(ACTOR, dana, collaboration_id=declined.collaboration_id, reason="Busy")
    withdrawn = await offer_to(cast, await new_creator("Eve Stone", "eve.stone"), campaign_id=campaign, fee="250")
    bob = await get_staff_context(cast.bob_id)
    await do_withdraw_offer(ACTOR, BrandSide(bob, cast.acme_id), collaboration_id=withdrawn.collaboration_id, reason="")
    return campaign


async def test_it_counts_creators_deliverables_and_spend_exactly(cast: Cast) -> None:
    campaign = await _campaign(cast)
    await globex_deal(cast, cast.alice_id)  # another brand's deal never counts here
    overview = await get_campaign_overview(cast.acme_id, campaign)
    assert overview.name == "Spring trail" and overview.currency == "USD"
    assert overview.budget_minor == 1_000_000
    assert overview.committed_minor == 120_000 + 80_050  # agreed deals only
    assert overview.open_offers_minor == 50_000  # declined and withdrawn offers count nowhere
    assert overview.remaining_minor == 1_000_000 - 200_050
    assert overview.committed_percent == 20 and not overview.over_budget
    assert {c.key: c.count for c in overview.creators_by_stage if c.count} == {
        "invited": 1,
        "accepted": 2,
        "declined": 1,
        "withdrawn": 1,
    }
    assert overview.creators_total == 5
    assert {c.key: c.count for c in overview.deliverables_by_status if c.count} == {"pending": 2, "live": 1}
    assert overview.overdue == 1
    assert overview.other_currencies == {}


async def test_it_counts_what_each_creator_and_deliverable_costs(cast: Cast) -> None:
    campaign = await _campaign(cast)
    overview = await get_campaign_overview(cast.acme_id, campaign)
    assert [(c.creator_name, c.fee_minor, c.deliverables, c.per_deliverable_minor, c.paid_minor)
            for c in overview.creator_costs] == [
        ("Alice Rivera", 120_000, 2, 60_000, 0),
        ("Bruno Diaz", 80_050, 1, 80_050, 0),
    ]  # fmt: skip
    assert (overview.agreed_creators, overview.agreed_deliverables) == (2, 3)
    assert overview.per_creator_minor == 100_025  # 2,000.50 / 2
    assert overview.per_deliverable_minor == 66_683  # 2,000.50 / 3 = 666.8333…, to the nearest cent
    costs = overview.charts()[f"campaign-{campaign}-costs"]["data"]
    assert costs["labels"] == ["Alice Rivera", "Bruno Diaz"]
    assert [d["data"] for d in costs["datasets"]] == [[1_200.0, 800.5], [600.0, 800.5], [0.0, 0.0]]


async def test_it_draws_the_same_numbers_it_tabulates(cast: Cast) -> None:
    overview = await get_campaign_overview(cast.acme_id, await _campaign(cast))
    charts = overview.charts()
    prefix = f"campaign-{overview.campaign_id}"
    assert charts[f"{prefix}-spend"]["data"]["datasets"][0]["data"] == [10_000.0, 2_000.5, 500.0, 0.0, 0.0]
    assert sum(charts[f"{prefix}-creators"]["data"]["datasets"][0]["data"]) == 5
    assert charts[f"{prefix}-deliverables"]["data"]["labels"][0] == "Waiting for the draft"
    json.dumps(charts)  # plain JSON: no functions, nothing Chart.js would have to evaluate


async def test_it_reads_an_empty_campaign(cast: Cast) -> None:
    deal = await offer_to(cast, cast.alice_id)
    bob = await get_staff_context(cast.bob_id)
    await do_withdraw_offer(ACTOR, BrandSide(bob, cast.acme_id), collaboration_id=deal.collaboration_id, reason="")
    overview = await get_campaign_overview(cast.acme_id, deal.campaign_id)
    assert overview.committed_minor == overview.open_offers_minor == overview.overdue == 0
    assert overview.deliverables_total == 0


async def test_it_uses_a_handful_of_queries_whatever_the_size(client: httpx.AsyncClient, cast: Cast) -> None:
    campaign = await _campaign(cast)
    with count_queries() as log:
        await get_campaign_overview(cast.acme_id, campaign)
    assert log.count == 4
    for name in ("Fay Lin", "Gus Moor", "Hana Ito"):  # more agreed deals: the same four statements
        await deal_in(cast, campaign, await new_creator(name, name.lower().replace(" ", ".")), fee="100")
    with count_queries() as log:
        bigger = await get_campaign_overview(cast.acme_id, campaign)
    assert log.count == 4 and bigger.agreed_creators == 5


async def test_it_hides_another_brands_campaign(cast: Cast) -> None:
    globex = await globex_deal(cast, cast.alice_id)
    with pytest.raises(NotFound):
        await get_campaign_overview(cast.acme_id, globex.campaign_id)


async def test_it_shows_the_overview_on_the_campaign_page(client: httpx.AsyncClient, cast: Cast) -> None:
    campaign = await _campaign(cast)
    await act_as_staff(client, cast.vic_id)
    response = await client.get(f"/backoffice/b/acme/campaigns/{campaign}")
    assert response.status_code == 200
    html = response.text
    assert 'class="card overview"' in html
    assert "$2,000.50" in html and "$10,000.00" in html and "$500.00" in html
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "US$2,000.50 committed of US$10,000.00 budget" in text
    assert "1 overdue deliverable" in text
    blocks = re.findall(r'<script type="application/json" id="([^"]+)">(.*?)</script>', html, re.S)
    assert {name for name, _ in blocks} == {
        f"campaign-{campaign}-{k}" for k in ("spend", "creators", "deliverables", "costs")
    }
    for _, body in blocks:
        assert json.loads(body)["type"] == "bar"
    assert f'src="{asset("charts.js")}"' in html
    assert f"/backoffice/b/acme/deliverables?campaign={campaign}" in html
