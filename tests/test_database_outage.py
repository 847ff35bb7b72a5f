"""The database goes away under the app (a restart, a failover): pages answer 503, never 500, and the app
recovers by itself as soon as it is back, without a restart of its own."""

from __future__ import annotations

import httpx

from shared.db.engine import RapportEngine
from tests.conftest import Cast
from tests.personas import act_as_staff

CUT_EVERY_CONNECTION = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
)


async def test_cut_connections_answer_503_at_worst_and_the_next_request_works(
    client: httpx.AsyncClient, cast: Cast, engine: RapportEngine
) -> None:
    await act_as_staff(client, cast.bob_id)
    for _ in range(3):
        assert (await client.get("/backoffice/")).status_code == 200  # the pool holds open connections now
        await engine.execute_script(CUT_EVERY_CONNECTION)  # as PostgreSQL's restart does
        first = await client.get("/backoffice/")
        assert first.status_code in (200, 503), first.text[:500]
        if first.status_code == 503:
            assert "briefly unavailable" in first.text
            assert first.headers["retry-after"] == "5"
        assert (await client.get("/backoffice/")).status_code == 200


async def test_readyz_says_why_and_sees_the_database_again_at_once(
    client: httpx.AsyncClient, engine: RapportEngine
) -> None:
    assert (await client.get("/readyz")).json()["checks"]["database"] == "ok"
    await engine.execute_script(CUT_EVERY_CONNECTION)
    first = (await client.get("/readyz")).json()["checks"]["database"]
    assert first == "ok" or first.startswith("unreachable: "), first
    # No worker runs in tests, so /readyz stays 503 for that reason; the database is back at once.
    assert (await client.get("/readyz")).json()["checks"]["database"] == "ok"


async def test_a_session_that_cannot_be_saved_answers_the_503_page_not_a_broken_response(
    client: httpx.AsyncClient, cast: Cast, engine: RapportEngine
) -> None:
    """The session is saved as the response starts, after the handler: the database going away right then (seen
    under a crowd when PostgreSQL restarted) used to escape every handler as a bare 500 or a dropped connection."""
    import asyncio

    from tests.conftest import PASSWORD, csrf_token_from

    page = await client.get("/backoffice/signin")
    form = {"email": "bob@acme.test", "password": PASSWORD, "next": "/backoffice/",
            "_csrf_token": csrf_token_from(page.text)}  # fmt: skip
    go = asyncio.Event()

    async def sign_in() -> httpx.Response:  # started outside the transaction below, so it does not join it
        await go.wait()
        return await client.post("/backoffice/signin", data=form, follow_redirects=False)

    request = asyncio.create_task(sign_in())
    async with engine.transaction():
        # Reads go on; the new session's INSERT waits. Then its connection is cut, as a restart cuts it.
        await engine.fetch("LOCK TABLE web_session IN SHARE MODE")
        go.set()
        waiting: list[object] = []
        for _ in range(600):
            await engine.fetch("SELECT pg_stat_clear_snapshot()")
            waiting = await engine.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND query LIKE '%web_session%' AND pid <> pg_backend_pid()"
            )
            if waiting or request.done():
                break
            await asyncio.sleep(0.05)
        assert waiting, "the session's save never waited on the lock"
    response = await request
    assert response.status_code == 503, response.text[:500]
    assert "briefly unavailable" in response.text and response.headers["retry-after"] == "5"
    form["_csrf_token"] = csrf_token_from((await client.get("/backoffice/signin")).text)
    assert (await client.post("/backoffice/signin", data=form, follow_redirects=False)).status_code == 303


async def test_a_transaction_whose_connection_is_cut_fails_as_database_unavailable(engine: RapportEngine) -> None:
    """Not as "cannot call Transaction.rollback(): the underlying connection is closed" (a 500), whichever of the
    statement or the rollback finds the connection gone first."""
    import pytest

    from shared.db.engine import is_database_unavailable
    from shared.db.transactions import atomic

    with pytest.raises(Exception) as caught:  # which error it is, is the point of the test
        async with atomic():
            await _cut_my_connection(engine)
            await engine.fetch("SELECT 1")
    assert is_database_unavailable(caught.value), repr(caught.value)
    assert (await engine.fetch("SELECT 1 AS one")) == [{"one": 1}]


async def test_a_requests_connection_closed_between_two_statements_is_replaced(engine: RapportEngine) -> None:
    """The server ends a request's connection while the request does something else (a restart): asyncpg hands
    it back to its pool, and the request's next statement used to fail with "connection has been released back
    to the pool" (a 500). It gets a new connection instead."""
    from shared.db.engine import connection_pool, request_connection

    async with connection_pool(engine), request_connection(engine):
        cut = await _cut_my_connection(engine)
        [again] = await engine.fetch("SELECT pg_backend_pid() AS pid")
    assert again["pid"] != cut


async def _cut_my_connection(engine: RapportEngine) -> int:
    """End the server process of the connection the next statement runs on, from another connection, as a
    restart does; then let asyncpg read the server's goodbye (it hands the connection back to its pool)."""
    import asyncio

    import asyncpg

    [me] = await engine.fetch("SELECT pg_backend_pid() AS pid")
    other = await asyncpg.connect(engine.dsn)
    try:
        await other.fetch("SELECT pg_terminate_backend($1)", me["pid"])
    finally:
        await other.close()
    await asyncio.sleep(0.2)
    return int(me["pid"])
