"""The Reconciliation page: finance sees a month's summary, the chart's numbers and the breaks; resolves one with a
note; runs reconciliation (its progress); closes the month. A fixed number of statements however many breaks."""

from __future__ import annotations

import datetime as dt
import json
import re

import httpx
import pytest

from bench.reconciliation_data import add_transfer, build_month
from shared.db.engine import get_engine
from shared.db.querycount import count_queries
from shared.integrations.stripe_connect import StripeConnect
from shared.settings import Settings
from tests.conftest import Cast, csrf_token_from
from tests.personas import act_as_staff
from tests.portal.test_payments import with_stripe
from tests.reconciliation.helpers import items, reconcile
from tests.stripe_fixtures import StripeSim

PAGE = "/backoffice/b/acme/reconciliation"
MARCH = dt.date(2025, 3, 1)


@pytest.fixture
def connect(settings: Settings, sim: StripeSim) -> StripeConnect:
    sim.simulator.store.reset()
    return StripeConnect(with_stripe(settings, sim))


async def _march_with_breaks(cast: Cast, sim: StripeSim, connect: StripeConnect, outside: int,
                             build: bool = True) -> list[str]:  # fmt: skip
    if build:
        await build_month(sim.simulator, brand_id=cast.acme_id, month=MARCH, transfers=12)
    [account] = await get_engine().fetch("SELECT stripe_account_id FROM payout_account LIMIT 1")
    made = [
        add_transfer(
            sim.simulator,
            created=int(dt.datetime(2025, 3, 5 + n, tzinfo=dt.UTC).timestamp()),
            amount=1000 + n,
            currency="USD",
            destination=account["stripe_account_id"],
            metadata={},
        )
        for n in range(outside)
    ]
    await reconcile(connect, cast.acme_id, MARCH)
    return made


async def test_finance_resolves_the_breaks_and_closes_the_month(
    client: httpx.AsyncClient, cast: Cast, sim: StripeSim, connect: StripeConnect
) -> None:
    [outside] = await _march_with_breaks(cast, sim, connect, 1)
    await act_as_staff(client, cast.fran_id)
    page = await client.get(PAGE, params={"period": "2025-03"})
    assert page.status_code == 200
    assert "Reconciliation: March 2025" in page.text
    assert "At Stripe only" in page.text and outside in page.text and "1 open break" in page.text
    chart = json.loads(re.search(r'id="reconciliation-months">(.*?)</script>', page.text, re.S).group(1))  # type: ignore[union-attr]
    assert chart["data"]["datasets"][0]["data"] == [12] and chart["data"]["datasets"][1]["data"] == [1]
    assert "disabled" in page.text.split("Close March 2025")[0].rsplit("<button", 1)[1]

    item_id = int((await items(cast.acme_id, MARCH))[outside]["id"])  # type: ignore[call-overload]
    token = csrf_token_from(page.text)
    empty = await client.post(f"{PAGE}/breaks/{item_id}/note", data={"_csrf_token": token, "period": "2025-03",
                                                                       "note": "  "})  # fmt: skip
    assert empty.status_code == 400 and "Say what explains this break." in empty.text
    done = await client.post(f"{PAGE}/breaks/{item_id}/note",
                             data={"_csrf_token": token, "period": "2025-03", "note": "Refund agreed by phone"},
                             follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?period=2025-03"
    page = await client.get(PAGE, params={"period": "2025-03"})
    assert "0 open breaks" in page.text and "Refund agreed by phone" in page.text

    closed = await client.post(
        f"{PAGE}/close", data={"_csrf_token": token, "period": "2025-03"}, follow_redirects=False
    )
    assert closed.status_code == 303
    page = await client.get(PAGE, params={"period": "2025-03"})
    assert 'id="period-state">Closed' in page.text and "Run reconciliation for" not in page.text
    audit = await get_engine().fetch("SELECT action FROM audit_log WHERE action LIKE 'reconciliation.%' ORDER BY id")
    assert [a["action"] for a in audit] == ["reconciliation.break_noted", "reconciliation.period_closed"]


async def test_running_it_shows_progress_until_done(client: httpx.AsyncClient, cast: Cast) -> None:
    await act_as_staff(client, cast.olivia_id)
    page = await client.get(PAGE)
    assert page.status_code == 200 and "Nothing reconciled" in page.text
    last_month = re.search(r'name="period" value="(\d{4}-\d\d)"', page.text).group(1)  # type: ignore[union-attr]
    token = csrf_token_from(page.text)
    queued = await client.post(f"{PAGE}/run", data={"_csrf_token": token, "period": last_month}, follow_redirects=False)
    assert queued.status_code == 303
    page = await client.get(queued.headers["location"])
    assert "Waiting for a worker" in page.text and 'hx-trigger="every 1s"' in page.text
    [run] = await get_engine().fetch("SELECT id FROM reconciliation_run")
    progress = await client.get(f"{PAGE}/runs/{run['id']}", headers={"HX-Request": "true"})
    assert progress.status_code == 200 and "HX-Refresh" not in progress.headers
    await get_engine().fetch("UPDATE reconciliation_run SET state = 'done', finished_at = now()")
    progress = await client.get(f"{PAGE}/runs/{run['id']}", headers={"HX-Request": "true"})
    assert progress.headers["HX-Refresh"] == "true" and "Show the result" in progress.text
    future = await client.post(f"{PAGE}/run", data={"_csrf_token": token, "period": "2999-01"})
    assert future.status_code == 400 and "not begun" in future.text
    nonsense = await client.post(f"{PAGE}/run", data={"_csrf_token": token, "period": "March"})
    assert nonsense.status_code == 400


async def test_the_page_keeps_to_its_statement_budget_however_many_breaks(
    client: httpx.AsyncClient, cast: Cast, sim: StripeSim, connect: StripeConnect
) -> None:
    await _march_with_breaks(cast, sim, connect, 2)
    await act_as_staff(client, cast.fran_id)
    assert (await client.get(PAGE, params={"period": "2025-03"})).status_code == 200
    with count_queries() as few:
        await client.get(PAGE, params={"period": "2025-03"})
    await _march_with_breaks(cast, sim, connect, 9, build=False)
    with count_queries() as many:
        page = await client.get(PAGE, params={"period": "2025-03"})
    assert page.text.count('class="break"') > 2
    assert many.count == few.count <= 10, "\n".join(many.statements)
