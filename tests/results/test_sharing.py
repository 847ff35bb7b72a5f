"""A read-only link to one campaign's results: owners and managers make it (shown once, only its hash kept),
anyone holding it reads that campaign's results signed out and nothing else, it expires, and it can be revoked."""

from __future__ import annotations

import re

import httpx
import pytest

from shared.audit.context import system_actor
from shared.db.engine import get_engine
from shared.db.tables import AuditLog, ResultsShare
from shared.errors import PermissionDenied
from shared.identity.queries import get_staff_context
from shared.results.sharing import do_share_results
from tests.conftest import Cast, csrf_token_from
from tests.factories import published_campaign
from tests.personas import act_as_staff
from tests.results_fixtures import live_reel

ACTOR = system_actor("test")


async def _campaign(cast: Cast) -> int:
    reel, _post = await live_reel(cast)
    rows = await get_engine().fetch("SELECT campaign FROM deliverable WHERE id = $1", reel)
    return int(rows[0]["campaign"])


async def test_bob_shares_the_results_and_a_signed_out_reader_sees_only_them(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    campaign = await _campaign(cast)
    other = await published_campaign(cast, name="Winter secret plans")
    await act_as_staff(client, cast.bob_id)
    page = await client.get(f"/backoffice/b/acme/results/{campaign}")
    assert "Share these results" in page.text
    refused = await client.post(
        f"/backoffice/b/acme/results/{campaign}/shares", data={"days": "400", "_csrf_token": csrf_token_from(page.text)}
    )
    assert refused.status_code == 400 and "Choose between 1 and 90 days." in refused.text
    made = await client.post(
        f"/backoffice/b/acme/results/{campaign}/shares", data={"days": "7", "_csrf_token": csrf_token_from(page.text)}
    )
    assert made.status_code == 200  # followed back to the page, the link in the flash message
    match = re.search(r"(/backoffice/reports/[\w-]+)", made.text)
    assert match, made.text
    link = match.group(1)
    share = await ResultsShare.objects().first()
    assert share is not None and link.rsplit("/", 1)[1] not in share.token_hash  # only the hash is kept
    assert await AuditLog.exists().where(AuditLog.action == "results.shared")

    client.cookies.clear()  # signed out
    report = await client.get(link)
    assert report.status_code == 200
    assert "Spring trail" in report.text and "Alice Rivera" in report.text and "CPM" in report.text
    assert "Winter secret plans" not in report.text and f"/results/{other}" not in report.text
    assert "/backoffice/b/acme" not in report.text  # no way into the back-office from it
    assert (await client.get(link + "x")).status_code == 404

    await act_as_staff(client, cast.bob_id)
    page = await client.get(f"/backoffice/b/acme/results/{campaign}")
    revoke = await client.post(
        f"/backoffice/b/acme/results/shares/{share.id}/revoke", data={"_csrf_token": csrf_token_from(page.text)}
    )
    assert revoke.status_code == 200 and "Revoked" in revoke.text
    client.cookies.clear()
    gone = await client.get(link)
    assert gone.status_code == 404 and "expired or been revoked" in gone.text


async def test_an_expired_link_no_longer_opens(client: httpx.AsyncClient, cast: Cast) -> None:
    campaign = await _campaign(cast)
    token = await do_share_results(ACTOR, await get_staff_context(cast.bob_id), cast.acme_id, campaign, days=1)
    assert (await client.get(f"/backoffice/reports/{token}")).status_code == 200
    await get_engine().fetch("UPDATE results_share SET expires_at = now() - interval '1 second'")
    assert (await client.get(f"/backoffice/reports/{token}")).status_code == 404


async def test_only_owners_and_managers_share(cast: Cast) -> None:
    campaign = await _campaign(cast)
    with pytest.raises(PermissionDenied):
        await do_share_results(ACTOR, await get_staff_context(cast.vic_id), cast.acme_id, campaign, days=3)
    with pytest.raises(PermissionDenied):
        await do_share_results(ACTOR, await get_staff_context(cast.fran_id), cast.acme_id, campaign, days=3)
    assert await do_share_results(ACTOR, await get_staff_context(cast.olivia_id), cast.acme_id, campaign, days=3)
