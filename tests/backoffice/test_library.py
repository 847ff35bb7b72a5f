"""The content library page: tiles that say what is allowed until when, the filters ("usable now for paid social
in US", expiring, expired), paging with constant queries, renewing and revoking from a tile, and who sees what."""

from __future__ import annotations

import datetime as dt

import httpx

from shared.audit.context import system_actor
from shared.content.actions import check_submit_live
from shared.db.engine import get_engine
from shared.db.querycount import count_queries
from shared.integrations.storage_local import LocalStorage
from shared.rights.actions import record_grant
from shared.rights.queries import standing_entries
from shared.rights.rules import day_text, today_utc
from tests.conftest import Cast, csrf_token_from
from tests.personas import act_as_creator, act_as_staff
from tests.rights_helpers import approved_asset

ACTOR = system_actor("test")
LIBRARY = "/backoffice/b/acme/library"
LIVE = ["https://www.instagram.com/reel/abc/"]


async def _live_asset(cast: Cast, storage: LocalStorage, **rights: str) -> tuple[int, int]:
    deliverable_id, _ = await approved_asset(cast, storage, **rights)
    await check_submit_live(ACTOR, cast.alice_id, deliverable_id, urls=LIVE)
    [entry] = (await standing_entries([deliverable_id]))[deliverable_id]
    return deliverable_id, entry.id


async def test_it_shows_tiles_that_say_what_is_allowed(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    us, _ = await _live_asset(cast, local_storage)
    old, _ = await _live_asset(cast, local_storage, channels=("organic",), countries="", duration="30", unit="days")
    await record_grant(ACTOR, old, source="go_live", go_live=today_utc() - dt.timedelta(days=60))
    await act_as_staff(client, cast.vic_id)  # a viewer looks
    page = await client.get(LIBRARY)
    assert page.status_code == 200
    assert 'aria-current="page"' in page.text and ">Library<" in page.text
    assert "Usable for organic and paid social (Meta) in CA, US until" in page.text
    assert "Expired " in page.text and "take it down" in page.text
    assert 'src="http' in page.text and "<video" in page.text  # the approved draft's poster frame
    assert "Renew or revoke" not in page.text  # viewers look only
    usable = await client.get(LIBRARY, params={"channel": "paid_meta", "country": "us"})
    assert f'id="asset-{us}"' in usable.text and f'id="asset-{old}"' not in usable.text
    outdoor = await client.get(LIBRARY, params={"channel": "ooh", "country": "US"})
    assert "nothing is usable for that channel in US today" in outdoor.text
    expired = await client.get(LIBRARY, params={"expired": "true"})
    assert f'id="asset-{old}"' in expired.text and f'id="asset-{us}"' not in expired.text
    assert "Rights windows in this campaign" not in page.text  # the chart is per campaign
    campaign = await get_engine().fetch("SELECT campaign FROM deliverable WHERE id = $1", us)
    chart = await client.get(LIBRARY, params={"campaign": str(campaign[0]["campaign"])})
    assert "Rights windows in this campaign" in chart.text and chart.text.count('class="timeline-usable"') == 1
    half = await client.get(LIBRARY, params={"channel": "paid_meta"})
    assert half.status_code == 400 and "Choose both a channel and a country" in half.text
    assert (await client.get(LIBRARY, params={"expiring": "9999"})).status_code == 400


async def test_it_pages_with_constant_queries(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    await _live_asset(cast, local_storage)
    await act_as_staff(client, cast.bob_id)
    await client.get(LIBRARY)  # warm up (the session row is touched on first use)
    with count_queries() as short:
        assert (await client.get(LIBRARY)).status_code == 200
    for _ in range(3):
        await _live_asset(cast, local_storage)
    with count_queries() as full:
        response = await client.get(LIBRARY)
    assert response.text.count('<li class="library-tile') == 4
    assert full.count == short.count
    with count_queries() as filtered:
        assert (await client.get(LIBRARY, params={"channel": "paid_meta", "country": "US"})).status_code == 200
    assert filtered.count == short.count


async def test_a_manager_renews_and_revokes_from_a_tile(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    deliverable_id, entry_id = await _live_asset(cast, local_storage)
    [entry] = (await standing_entries([deliverable_id]))[deliverable_id]
    await act_as_staff(client, cast.bob_id)
    page = await client.get(LIBRARY)
    token = csrf_token_from(page.text)
    refused = await client.post(
        f"{LIBRARY}/grants/{entry_id}/extend", data={"ends_on": "2020-01-01", "_csrf_token": token}
    )
    assert refused.status_code == 400 and "The new end must be after the current one" in refused.text
    new_end = entry.grant.ends_on + dt.timedelta(days=180)
    renewed = await client.post(
        f"{LIBRARY}/grants/{entry_id}/extend",
        data={"ends_on": new_end.isoformat(), "reason": "Renewal, $400", "_csrf_token": token},
        follow_redirects=True,
    )
    assert renewed.status_code == 200 and f"until {day_text(new_end)}" in renewed.text
    [current] = (await standing_entries([deliverable_id]))[deliverable_id]
    empty = await client.post(f"{LIBRARY}/grants/{current.id}/revoke", data={"_csrf_token": token})
    assert empty.status_code == 400 and "Say why the rights end" in empty.text
    revoked = await client.post(
        f"{LIBRARY}/grants/{current.id}/revoke",
        data={"reason": "Creator withdrew consent", "_csrf_token": token},
        follow_redirects=True,
    )
    assert revoked.status_code == 200 and "No usage rights recorded" in revoked.text
    actions = [
        r["action"] for r in await get_engine().fetch("SELECT action FROM audit_log WHERE action LIKE 'rights.%'")
    ]
    assert actions.count("rights.extended") == 1 and actions.count("rights.revoked") == 1


async def test_other_brands_and_creators_see_nothing(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    _, entry_id = await _live_asset(cast, local_storage)
    await act_as_staff(client, cast.charlie_id)
    assert (await client.get(LIBRARY)).status_code == 404
    globex = await client.get("/backoffice/b/globex/library")
    assert globex.status_code == 200 and "No content matches" in globex.text
    token = csrf_token_from(globex.text)
    stolen = await client.post(
        f"/backoffice/b/globex/library/grants/{entry_id}/revoke", data={"reason": "mine now", "_csrf_token": token}
    )
    assert stolen.status_code == 404
    await act_as_creator(client, cast.alice_id)
    assert (await client.get(LIBRARY, follow_redirects=False)).status_code in (302, 303)


async def test_downloads_name_their_channel_and_need_a_grant(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    reel, _ = await _live_asset(cast, local_storage)
    await act_as_staff(client, cast.bob_id)
    token = csrf_token_from((await client.get(LIBRARY)).text)
    url = f"{LIBRARY}/{reel}/download"
    ok = await client.post(
        url, data={"channel": "paid_meta", "country": "us", "_csrf_token": token}, follow_redirects=False
    )
    assert ok.status_code == 303
    file = await client.get(ok.headers["location"])
    assert file.status_code == 200 and file.content.startswith(b"\x00\x00\x00\x18ftyp")
    refused = await client.post(url, data={"channel": "ooh", "country": "US", "_csrf_token": token})
    assert refused.status_code == 400
    assert "No usage rights cover out-of-home in US today: not downloaded." in refused.text
    # An owner may download anyway, with a written reason that is flagged.
    await act_as_staff(client, cast.olivia_id)
    token = csrf_token_from((await client.get(LIBRARY)).text)
    asked = await client.post(url, data={"channel": "ooh", "country": "US", "_csrf_token": token})
    assert asked.status_code == 400 and "write why (it is flagged)" in asked.text
    forced = await client.post(
        url,
        data={"channel": "ooh", "country": "US", "reason": "Legal review copy", "_csrf_token": token},
        follow_redirects=False,
    )
    assert forced.status_code == 303
    rows = await get_engine().fetch(
        "SELECT action, after FROM audit_log WHERE action LIKE 'rights.downloaded%' ORDER BY id"
    )
    assert [r["action"] for r in rows] == ["rights.downloaded", "rights.downloaded_without_grant"]
    assert '"flagged": true' in rows[1]["after"] and "Legal review copy" in rows[1]["after"]
