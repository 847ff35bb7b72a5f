"""The brand audit log for owners: filters, keyset pagination, constant queries, brand isolation."""

import datetime as dt
import re

import httpx

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.db.querycount import count_queries
from tests.backoffice.staff_helpers import sign_in
from tests.conftest import Cast

Client = httpx.AsyncClient
AUDIT = "/backoffice/b/acme/audit"


async def _log(brand_id: int, count: int, action: str = "test.event", label: str = "robot@acme.test") -> None:
    for n in range(count):
        await write_audit_row(Actor("system", None, label), action, "thing", n, brand_id=brand_id, after={"n": n})


def _rows(html: str) -> int:
    return len(re.findall(r"<tr>\s*<td[^>]*><time", html))


async def test_it_shows_an_owner_their_brands_log_only(client: Client, cast: Cast) -> None:
    await _log(cast.globex_id, 3, action="globex.secret")
    await sign_in(client, "olivia@acme.test")
    response = await client.get(AUDIT)
    assert response.status_code == 200
    assert "brand.created" in response.text and "membership.granted" in response.text
    assert "globex.secret" not in response.text and "Globex" not in response.text


async def test_it_filters_by_action_actor_and_dates(client: Client, cast: Cast) -> None:
    await _log(cast.acme_id, 2, action="test.event", label="robot@acme.test")
    await _log(cast.acme_id, 1, action="other.event", label="person@acme.test")
    await sign_in(client, "olivia@acme.test")
    by_action = await client.get(AUDIT, params={"action": "test.event"})
    assert _rows(by_action.text) == 2 and "other.event</td>" not in by_action.text
    by_actor = await client.get(AUDIT, params={"who": "PERSON@"})
    assert _rows(by_actor.text) == 1 and "other.event" in by_actor.text
    today = dt.datetime.now(dt.UTC).date()
    assert _rows((await client.get(AUDIT, params={"since": str(today), "until": str(today)})).text) >= 3
    future = await client.get(AUDIT, params={"since": str(today + dt.timedelta(days=1))})
    assert _rows(future.text) == 0 and "Nothing recorded for these filters" in future.text
    past = await client.get(AUDIT, params={"until": str(today - dt.timedelta(days=1))})
    assert _rows(past.text) == 0
    bad = await client.get(AUDIT, params={"since": "yesterday"})
    assert bad.status_code == 400 and "Use a date like" in bad.text and 'value="yesterday"' in bad.text


async def test_it_pages_newest_first_in_constant_queries(client: Client, cast: Cast) -> None:
    await sign_in(client, "olivia@acme.test")
    with count_queries() as few:
        small = await client.get(AUDIT, params={"action": "test.event"})
    assert _rows(small.text) == 0
    await _log(cast.acme_id, 120)
    with count_queries() as many:
        first = await client.get(AUDIT, params={"action": "test.event"})
    assert many.count == few.count, many.statements
    assert _rows(first.text) == 50
    assert first.text.index("thing 119") < first.text.index("thing 118")  # newest first
    older = re.search(r'href="(\?[^"]+)" rel="next">Older', first.text)
    assert older and "action=test.event" in older.group(1)
    second = await client.get(AUDIT + older.group(1).replace("&amp;", "&"))
    assert _rows(second.text) == 50 and "thing 69" in second.text and "thing 70<" not in second.text
    third_link = re.search(r'href="(\?[^"]+)" rel="next">Older', second.text)
    assert third_link
    third = await client.get(AUDIT + third_link.group(1).replace("&amp;", "&"))
    assert _rows(third.text) == 20 and "thing 0<" in third.text and "Older" not in third.text


async def test_it_keeps_the_log_to_owners(client: Client, cast: Cast) -> None:
    assert (await client.get(AUDIT, follow_redirects=False)).status_code == 302
    await sign_in(client, "bob@acme.test")
    assert (await client.get(AUDIT)).status_code == 403
    client.cookies.clear()
    await sign_in(client, "charlie@globex.test")
    assert (await client.get(AUDIT)).status_code == 404
