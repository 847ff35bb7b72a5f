"""Conversions on a campaign's results: a discount code per creator, orders imported from the shop's CSV (all or
nothing; each order id once), cost per acquisition and ROI from them, earned media value at the brand's rates,
tracked-link clicks per day; the results page's statements stay the same with codes and orders."""

from __future__ import annotations

import datetime as dt

import httpx

from shared.audit.context import system_actor
from shared.db.engine import get_engine
from shared.db.querycount import count_queries
from shared.payments.actions import record_milestone
from shared.results.links import do_create_tracked_link, follow_link, list_click_days
from shared.results.queries import get_campaign_results
from tests.conftest import Cast, csrf_token_from
from tests.payment_helpers import staff
from tests.personas import act_as_creator, act_as_staff
from tests.results_fixtures import live_reel

ACTOR = system_actor("test")
ORDERS = (
    "order_id,code,amount,currency,ordered_at\n"
    "1001,alice10,49.90,USD,2026-11-02\n"
    "1002,ALICE10,150.10,USD,2026-11-03T10:00:00Z\n"
    "1003,OTHER5,20.00,USD,2026-11-03\n"
    "1004,ALICE10,30.00,EUR,2026-11-04\n"
)


async def _campaign_with_spend(cast: Cast) -> tuple[int, int]:
    """Alice's reel live; her signing payable (US$600.00) is the campaign's spend: (campaign, collaboration)."""
    reel, _post = await live_reel(cast)
    [row] = await get_engine().fetch("SELECT campaign, collaboration FROM deliverable WHERE id = $1", reel)
    assert await record_milestone(ACTOR, int(row["collaboration"]), "signing") is not None
    return int(row["campaign"]), int(row["collaboration"])


async def _upload(client: httpx.AsyncClient, body: str | bytes, token: str) -> httpx.Response:
    data = body.encode() if isinstance(body, str) else body
    return await client.post("/backoffice/b/acme/results/orders", data={"_csrf_token": token},
                             files={"file": ("orders.csv", data, "text/csv")})  # fmt: skip


async def test_codes_and_imported_orders_give_cost_per_acquisition_and_roi(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    campaign, _ = await _campaign_with_spend(cast)
    page_url = f"/backoffice/b/acme/results/{campaign}"
    await act_as_staff(client, cast.bob_id)
    token = csrf_token_from((await client.get(page_url)).text)

    refused = await client.post(f"{page_url}/codes", data={"_csrf_token": token, "creator": str(cast.alice_id),
                                                           "code": "alice 10"})  # fmt: skip
    assert refused.status_code == 400 and "letters, digits" in refused.text and 'value="alice 10"' in refused.text
    added = await client.post(f"{page_url}/codes", data={"_csrf_token": token, "creator": str(cast.alice_id),
                                                         "code": "alice10"})  # fmt: skip
    assert added.status_code == 200 and "Discount code added" in added.text and "<code>ALICE10</code>" in added.text
    again = await client.post(f"{page_url}/codes", data={"_csrf_token": token, "creator": str(cast.alice_id),
                                                         "code": "Alice10"})  # fmt: skip
    assert again.status_code == 400 and "ALICE10 is already given" in again.text

    # Fran imports the shop's export; one bad line refuses the whole file, saying which.
    await act_as_staff(client, cast.fran_id)
    bad = await _upload(client, ORDERS + "1005,ALICE10,ten,USD,2026-11-05\n", token)
    assert bad.status_code == 400 and "Line 6: amount “ten” is not a number" in bad.text
    assert "Nothing was imported." in bad.text
    assert await get_engine().fetch("SELECT id FROM sale_order") == []
    missing = await _upload(client, "id,amount\n1,2\n", token)
    assert missing.status_code == 400 and "missing: order_id, code, currency, ordered_at" in missing.text
    done = await _upload(client, ORDERS, token)
    assert done.status_code == 200 and "4 orders read: 4 added." in done.text
    assert "<code>OTHER5</code> — 1 order" in done.text  # a code no creator has, shown so someone adds it
    twice = await _upload(client, ORDERS, token)
    assert "4 orders read: 0 added, 4 already imported (counted once)." in twice.text

    # Two USD orders with ALICE10: US$200.00 of revenue for US$600.00 of spend; the EUR one is left out.
    results = await get_campaign_results(cast.acme_id, campaign)
    assert results.conversions.orders == 2 and results.conversions.revenue_minor == 20_000
    assert results.conversions.other_currency_orders == 1
    figures = {f.name: f for f in results.formulas}
    assert figures["Cost per acquisition"].value == "US$300.00"
    assert figures["Return on investment (ROI)"].value == "−66.67%"
    await act_as_staff(client, cast.bob_id)
    page = await client.get(page_url)
    assert "US$300.00" in page.text and "−66.67%" in page.text and "1 order in another currency" in page.text
    audit = await get_engine().fetch("SELECT action FROM audit_log WHERE action IN "
                                     "('discount_code.created', 'orders.imported') ORDER BY id")  # fmt: skip
    assert [r["action"] for r in audit] == ["discount_code.created", "orders.imported", "orders.imported"]


async def test_earned_media_value_needs_the_brands_rates_and_shows_them(client: httpx.AsyncClient, cast: Cast) -> None:
    campaign, _ = await _campaign_with_spend(cast)
    await act_as_staff(client, cast.bob_id)
    before = await client.get(f"/backoffice/b/acme/results/{campaign}")
    assert "no rates set" in before.text
    form = await client.get("/backoffice/b/acme/results/rates")
    token = csrf_token_from(form.text)
    rates = {"_csrf_token": token, "per_thousand_views": "8.001", "per_click": "0.50"}
    bad = await client.post("/backoffice/b/acme/results/rates", data=rates)
    assert bad.status_code == 400 and "at most 2 decimals" in bad.text and 'value="0.50"' in bad.text
    saved = await client.post("/backoffice/b/acme/results/rates", data={**rates, "per_thousand_views": "8"})
    assert saved.status_code == 200 and 'value="8.00"' in saved.text
    page = await client.get(f"/backoffice/b/acme/results/{campaign}")
    assert "US$8.00 per 1,000 views, US$0.50 per click" in page.text
    await act_as_staff(client, cast.fran_id)
    assert (await client.get("/backoffice/b/acme/results/rates")).status_code == 403


async def test_clicks_are_counted_per_day_and_the_page_stays_at_four_statements(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    campaign, _ = await _campaign_with_spend(cast)
    with count_queries() as plain:
        await get_campaign_results(cast.acme_id, campaign)
    code = await do_create_tracked_link(ACTOR, await staff(cast.bob_id), cast.acme_id, campaign,
                                        creator_id=cast.alice_id, target_url="https://acme.example/")  # fmt: skip
    for _ in range(3):
        await follow_link(code)
    days = await list_click_days(campaign)
    assert len(days) == 30 and days[-1].day == dt.datetime.now(dt.UTC).date()
    assert days[-1].clicks == 3 and sum(d.clicks for d in days) == 3
    with count_queries() as busy:
        results = await get_campaign_results(cast.acme_id, campaign)
    assert results.clicks == 3 and plain.count == busy.count == 4
    await act_as_staff(client, cast.bob_id)
    page = await client.get(f"/backoffice/b/acme/results/{campaign}")
    assert 'data-chart="clicks-' in page.text and '"data": [0, 0' in page.text


async def test_the_creator_sees_her_tracked_link_and_her_history_by_month(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    campaign, _ = await _campaign_with_spend(cast)
    code = await do_create_tracked_link(ACTOR, await staff(cast.bob_id), cast.acme_id, campaign,
                                        creator_id=cast.alice_id, target_url="https://acme.example/trail")  # fmt: skip
    await follow_link(code)
    await act_as_creator(client, cast.alice_id)
    page = await client.get("/results")
    assert page.status_code == 200 and f"/l/{code}</code>" in page.text and "https://acme.example/trail" in page.text
    month = dt.datetime.now(dt.UTC).strftime("%b %Y")
    assert f'<th scope="row">{month}</th><td data-label="Posts">1</td>' in page.text
