"""Tracked links: a manager makes one per creator × campaign, each click is counted (nothing about the visitor is
kept) and the visitor sent on, and the campaign's results show clicks and the cost per click."""

from __future__ import annotations

import re

import httpx

from shared.audit.context import system_actor
from shared.db.engine import get_engine
from shared.db.tables import AuditLog, TrackedLink
from shared.payments.actions import record_milestone
from tests.conftest import Cast, csrf_token_from
from tests.personas import act_as_staff
from tests.results_fixtures import live_reel


async def test_a_tracked_link_counts_clicks_and_feeds_the_cost_per_click(client: httpx.AsyncClient, cast: Cast) -> None:
    reel, _post = await live_reel(cast)
    rows = await get_engine().fetch("SELECT campaign, collaboration FROM deliverable WHERE id = $1", reel)
    campaign = int(rows[0]["campaign"])
    assert await record_milestone(system_actor("test"), int(rows[0]["collaboration"]), "signing") is not None
    await act_as_staff(client, cast.bob_id)
    page = await client.get(f"/backoffice/b/acme/results/{campaign}")
    url = f"/backoffice/b/acme/results/{campaign}/links"
    token = csrf_token_from(page.text)
    refused = await client.post(
        url, data={"creator": str(cast.alice_id), "url": "http://acme.test/", "_csrf_token": token}
    )
    assert refused.status_code == 400 and "https://" in refused.text
    stranger = await client.post(url, data={"creator": "999", "url": "https://acme.example/", "_csrf_token": token})
    assert stranger.status_code == 400 and "has a deal in this campaign" in stranger.text
    made = await client.post(
        url,
        data={
            "creator": str(cast.alice_id),
            "url": "https://acme.example/trail?utm_source=alice",
            "_csrf_token": token,
        },
    )
    assert made.status_code == 200 and "Tracked link made" in made.text
    link = await TrackedLink.objects().first()
    assert link is not None and re.fullmatch(r"[a-z2-9]{8}", link.code)
    assert await AuditLog.exists().where(AuditLog.action == "tracked_link.created")
    again = await client.post(
        url, data={"creator": str(cast.alice_id), "url": "https://acme.example/", "_csrf_token": token}
    )
    assert again.status_code == 400 and "already has a link" in again.text

    client.cookies.clear()
    for _ in range(3):
        response = await client.get(f"/l/{link.code}", follow_redirects=False)
        assert response.status_code == 302
        assert response.headers["location"] == "https://acme.example/trail?utm_source=alice"
    assert (await client.get("/l/nosuchcd", follow_redirects=False)).status_code == 404
    link = await TrackedLink.objects().first()
    assert link is not None and link.clicks == 3

    await act_as_staff(client, cast.bob_id)
    page = await client.get(f"/backoffice/b/acme/results/{campaign}")
    # Spend (her signing payable, US$600.00) ÷ 3 clicks = US$200.00.
    assert "spend ÷ clicks on the tracked link = US$600.00 ÷ 3" in page.text and "US$200.00" in page.text
    assert f"/l/{link.code}" in page.text
