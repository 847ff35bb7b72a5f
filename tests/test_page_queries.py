"""What the common pages ask of the database: a fixed number of statements each, on one pooled connection.

The figures are exact budgets: a page that starts sending more statements fails here, so a query per row
or a forgotten join is seen before it reaches `make bench` (docs/performance.md); one that sends fewer
fails too, so the figure here (and in docs/performance.md) is brought down with it.
"""

from __future__ import annotations

import httpx
import pytest

from shared.db.engine import PoolCheckouts, add_query_observer, get_engine, remove_query_observer
from shared.db.querycount import count_queries
from shared.integrations.storage_local import LocalStorage
from tests.conftest import Cast
from tests.personas import act_as_creator, act_as_staff
from tests.review_helpers import REEL, acme_deliverables, submitted_draft

ACME = "/backoffice/b/acme"

# (who, page, statements). Every signed-in page starts with one: the session, with the person beside it (staff
# with their brands, or the creator), the header's unread count and, on a brand's page, the reviews badge
# (shared.web.frame: these were four statements, then two).
PAGES = [
    ("staff", "/backoffice/", 2),
    ("staff", ACME, 2),  # the home's blocks (a manager has six) and the spend chart: one statement
    ("staff", f"{ACME}/creators", 2),  # the page of creators and the owner filter's choices: one statement
    ("staff", f"{ACME}/creators?q=alice", 3),
    ("staff", f"{ACME}/deliverables", 2),  # the page and the campaign filter's choices: one statement
    ("staff", f"{ACME}/campaigns", 2),
    ("staff", f"{ACME}/offers/{{collaboration}}", 5),  # revisions, deliverables, shipment: one; the thread: one
    ("staff", f"{ACME}/reviews", 2),
    ("creator", "/home", 2),  # the dashboard's six reads (its five sections, accounts to reconnect): one statement
    ("creator", "/offers", 2),
    ("creator", "/offers/{collaboration}", 5),
    ("creator", "/work", 2),
    ("creator", "/work/{deliverable}", 6),
]


@pytest.fixture
async def deal(cast: Cast, client: httpx.AsyncClient, local_storage: LocalStorage) -> dict[str, int]:
    """Alice's Acme deal with a reel draft waiting for review: every page above has something to show."""
    deliverables = await acme_deliverables(cast)
    await submitted_draft(client, local_storage, cast.alice_id, deliverables[REEL])
    [row] = await get_engine().fetch("SELECT collaboration FROM deliverable WHERE id = $1", deliverables[REEL])
    return {"deliverable": deliverables[REEL], "collaboration": int(row["collaboration"])}


@pytest.mark.parametrize(("who", "page", "budget"), PAGES, ids=[page for _, page, _ in PAGES])
async def test_the_common_pages_keep_to_their_statement_budget(
    client: httpx.AsyncClient, cast: Cast, deal: dict[str, int], who: str, page: str, budget: int
) -> None:
    if who == "staff":
        await act_as_staff(client, cast.bob_id)
    else:
        await act_as_creator(client, cast.alice_id)
    url = page.format(**deal)
    assert (await client.get(url)).status_code == 200  # a first visit may look up type codecs
    with count_queries() as log:
        response = await client.get(url)
    assert response.status_code == 200
    assert log.count == budget, "\n".join(log.statements)


async def test_a_page_uses_one_pooled_connection_and_a_route_without_data_none(
    client: httpx.AsyncClient, cast: Cast, deal: dict[str, int]
) -> None:
    """Each statement once took (and gave back) a pooled connection of its own; now a request takes one. And the pool
    takes it back without a reset round trip (shared.db.engine._keep_session_state)."""
    statements: list[str] = []
    add_query_observer(statements.append)
    try:
        await act_as_staff(client, cast.bob_id)
        statements.clear()
        before = PoolCheckouts.count
        assert (await client.get(f"{ACME}/offers/{deal['collaboration']}")).status_code == 200
        assert len(statements) >= 5
        assert PoolCheckouts.count - before == 1
        assert not [s for s in statements if "pg_advisory_unlock_all" in s or "RESET ALL" in s]
        statements.clear()
        before = PoolCheckouts.count
        for route in ("/healthz", "/static/dist/manifest.json"):
            await client.get(route)  # with the session cookie, as a signed-in browser sends it
        assert statements == []
        assert PoolCheckouts.count == before
    finally:
        remove_query_observer(statements.append)
