"""A creator's usage rights page: which of their content each brand may use, where and until when; only theirs."""

from __future__ import annotations

import html

import httpx

from shared.audit.context import system_actor
from shared.content.actions import check_submit_live
from shared.identity.actions import SocialAccount, do_create_creator
from shared.integrations.storage_local import LocalStorage
from shared.rights.queries import standing_entries
from shared.rights.rules import day_text
from tests.conftest import Cast
from tests.personas import act_as_creator
from tests.rights_helpers import approved_asset

ACTOR = system_actor("test")


async def test_a_creator_sees_where_brands_may_use_her_content(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    reel, _ = await approved_asset(cast, local_storage)
    await check_submit_live(ACTOR, cast.alice_id, reel, urls=["https://www.instagram.com/reel/abc/"])
    [entry] = (await standing_entries([reel]))[reel]
    await act_as_creator(client, cast.alice_id)
    page = html.unescape((await client.get("/rights")).text)
    assert 'href="/rights"' in page
    assert (
        f"Acme may use it for organic and paid social (Meta) in CA, US until {day_text(entry.grant.ends_on)}." in page
    )

    bilal = await do_create_creator(
        ACTOR,
        display_name="Bilal Khan",
        email="bilal@creators.test",
        country="GB",
        niches=["tech"],
        accounts=[SocialAccount("youtube", "yt-bilal", "bilal", 870_000)],
    )
    await act_as_creator(client, int(bilal.id))
    other = (await client.get("/rights")).text
    assert f'id="asset-{reel}"' not in other and "Nothing yet." in other
