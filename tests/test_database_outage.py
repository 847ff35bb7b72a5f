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
