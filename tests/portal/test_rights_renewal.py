"""The renewal flow end to end over HTTP: Bob proposes six more months for a fee from the library, Alice accepts in
the portal, the ledger gets the extension and the tile the new date; a declined renewal leaves the end as it was;
another creator can't answer it."""

from __future__ import annotations

import datetime as dt
import html

import httpx

from shared.audit.context import system_actor
from shared.content.actions import check_submit_live
from shared.db.engine import get_engine
from shared.identity.actions import SocialAccount, do_create_creator
from shared.integrations.storage_local import LocalStorage
from shared.rights.queries import standing_entries
from shared.rights.rules import day_text
from tests.conftest import Cast, csrf_token_from, post_form
from tests.personas import act_as_creator, act_as_staff
from tests.rights_helpers import approved_asset

ACTOR = system_actor("test")
LIBRARY = "/backoffice/b/acme/library"


async def test_bob_proposes_alice_accepts_and_the_tile_shows_the_new_date(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    reel, _ = await approved_asset(cast, local_storage)
    await check_submit_live(ACTOR, cast.alice_id, reel, urls=["https://www.instagram.com/reel/abc/"])
    [entry] = (await standing_entries([reel]))[reel]
    await act_as_staff(client, cast.bob_id)
    propose = f"{LIBRARY}/grants/{entry.id}/propose"
    early = await post_form(client, LIBRARY, propose, {"ends_on": entry.grant.ends_on.isoformat(), "fee": "400"})
    assert early.status_code == 400 and "The new end must be after the current one" in html.unescape(early.text)
    new_end = entry.grant.ends_on + dt.timedelta(days=182)
    sent = await post_form(client, LIBRARY, propose, {"ends_on": new_end.isoformat(), "fee": "400", "note": "Ads"})
    assert sent.status_code == 200 and "Renewal proposed" in sent.text
    assert f"Renewal proposed until {day_text(new_end)} for US$400.00: waiting for Alice Rivera" in sent.text
    # Until the creator accepts, the old end date stands.
    assert f"until {day_text(entry.grant.ends_on)}." in sent.text
    again = await post_form(client, LIBRARY, propose, {"ends_on": new_end.isoformat(), "fee": "400"})
    assert again.status_code == 400 and "already waiting" in html.unescape(again.text)

    await act_as_creator(client, cast.alice_id)
    mine = html.unescape((await client.get("/rights")).text)
    assert f"Acme proposes to keep using it until {day_text(new_end)}, for US$400.00." in mine
    [renewal] = await get_engine().fetch("SELECT id FROM rights_renewal")
    accepted = await post_form(client, "/rights", f"/rights/renewals/{renewal['id']}/accept", {})
    assert "Renewal accepted" in accepted.text and f"until {day_text(new_end)}." in html.unescape(accepted.text)
    twice = await post_form(client, "/rights", f"/rights/renewals/{renewal['id']}/decline", {})
    assert "This renewal was already accepted." in twice.text

    [standing] = (await standing_entries([reel]))[reel]
    assert (standing.kind, standing.grant.ends_on) == ("extend", new_end)
    await act_as_staff(client, cast.bob_id)
    tile = html.unescape((await client.get(LIBRARY)).text)
    assert f"until {day_text(new_end)}." in tile and "Renewal proposed" not in tile
    notes = await get_engine().fetch("SELECT kind, recipient_id FROM notification WHERE kind LIKE 'rights.renewal%'")
    assert sorted((n["kind"], n["recipient_id"]) for n in notes) == [
        ("rights.renewal_accepted", cast.bob_id),
        ("rights.renewal_proposed", cast.alice_id),
    ]
    audit = [
        r["action"]
        for r in await get_engine().fetch("SELECT action FROM audit_log WHERE action LIKE 'rights.renewal%'")
    ]
    assert audit == ["rights.renewal_proposed", "rights.renewal_accepted"]


async def test_a_declined_renewal_changes_nothing_and_is_only_hers(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    reel, entry_id = await approved_asset(cast, local_storage)
    [entry] = (await standing_entries([reel]))[reel]
    await act_as_staff(client, cast.bob_id)
    new_end = entry.grant.ends_on + dt.timedelta(days=30)
    await post_form(
        client, LIBRARY, f"{LIBRARY}/grants/{entry_id}/propose", {"ends_on": new_end.isoformat(), "fee": "0"}
    )
    [renewal] = await get_engine().fetch("SELECT id FROM rights_renewal")
    bilal = await do_create_creator(
        ACTOR,
        display_name="Bilal Khan",
        email="bilal@creators.test",
        country="GB",
        niches=["tech"],
        accounts=[SocialAccount("youtube", "yt-bilal", "bilal", 870_000)],
    )
    await act_as_creator(client, int(bilal.id))
    token = csrf_token_from((await client.get("/rights")).text)
    stolen = await client.post(f"/rights/renewals/{renewal['id']}/accept", data={"_csrf_token": token})
    assert stolen.status_code == 404
    await act_as_creator(client, cast.alice_id)
    declined = await post_form(client, "/rights", f"/rights/renewals/{renewal['id']}/decline", {})
    assert "Renewal declined." in declined.text
    [standing] = (await standing_entries([reel]))[reel]
    assert standing.id == entry_id and standing.grant.ends_on == entry.grant.ends_on
