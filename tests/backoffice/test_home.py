"""The brand's home ("what needs you now"), the header search, the messages inbox and the navigation around them."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from shared.audit.context import system_actor
from shared.collaborations.actions import CreatorSide, check_counter_offer
from shared.content.actions import check_submit_live
from shared.db.querycount import count_queries
from shared.identity.actions import SocialAccount, do_create_creator
from shared.integrations.storage_local import LocalStorage
from shared.messaging.actions import do_post_message
from tests.conftest import Cast
from tests.contract_helpers import sent, sign, tools_in
from tests.factories import agreed_deal, offer_to
from tests.payment_helpers import signing_payable
from tests.personas import act_as_staff
from tests.review_helpers import REEL, deliverables_of, submitted_draft
from tests.rights_helpers import approved_asset

ACME = "/backoffice/b/acme"
ACTOR = system_actor("test")


def count_of(html: str, block: str) -> int:
    match = re.search(rf'data-block="{block}".*?data-count="(\d+)"', html, re.S)
    assert match, block
    return int(match.group(1))


async def _busy_acme(client: httpx.AsyncClient, cast: Cast, storage: LocalStorage, creator_id: int) -> None:
    """One of everything the home lists: a draft to review, a counter-offer, work due, an unread message."""
    deal = await agreed_deal(cast, creator_id, deliverables=2)
    await submitted_draft(client, storage, creator_id, (await deliverables_of(deal.collaboration_id))[REEL])
    countered = await offer_to(cast, creator_id)
    await check_counter_offer(
        ACTOR, CreatorSide(creator_id), collaboration_id=countered.collaboration_id, form={"fee": "2000"}
    )
    await do_post_message(ACTOR, CreatorSide(creator_id), deal.collaboration_id, "When does the pack ship?")


async def test_it_shows_what_needs_the_manager_with_counts_and_links(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    await _busy_acme(client, cast, local_storage, cast.alice_id)
    await act_as_staff(client, cast.bob_id)
    page = (await client.get(ACME)).text
    assert count_of(page, "reviews") == 1
    assert count_of(page, "counters") == 1
    assert count_of(page, "messages") == 1
    assert count_of(page, "deliverables") == 1  # the reel is due in 7 days, the story in 8
    assert f'href="{ACME}/reviews/' in page and "Alice Rivera asks US$2,000.00" in page
    assert "/messages" in page and "Campaign spend against budget" in page
    # Reviews first for a manager; money first for finance.
    assert page.index('data-block="reviews"') < page.index("home-spend")
    await act_as_staff(client, cast.fran_id)
    finance = (await client.get(ACME)).text
    assert finance.index("home-spend") < finance.index('data-block="reviews"')
    # Another brand's staff sees none of it.
    await act_as_staff(client, cast.charlie_id)
    assert (await client.get(ACME)).status_code == 404
    globex = (await client.get("/backoffice/b/globex")).text
    assert count_of(globex, "reviews") == 0 and "Alice" not in globex


async def test_it_answers_the_home_in_constant_queries(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    await act_as_staff(client, cast.bob_id)
    await client.get(ACME)  # warm up (the session row is touched on first use)
    with count_queries() as empty:
        assert (await client.get(ACME)).status_code == 200
    for index in range(3):
        creator = await do_create_creator(
            ACTOR,
            display_name=f"Creator {index}",
            email=f"c{index}@creators.test",
            country="US",
            niches=["outdoors"],
            accounts=[SocialAccount("instagram", f"ig-c{index}", f"creator{index}", 5000, 100)],
        )
        await _busy_acme(client, cast, local_storage, int(creator.id))
    with count_queries() as busy:
        page = (await client.get(ACME)).text
    assert count_of(page, "reviews") == 3 and count_of(page, "messages") == 3
    assert busy.count == empty.count


async def test_it_finds_creators_campaigns_and_offers_as_you_type(client: httpx.AsyncClient, cast: Cast) -> None:
    await agreed_deal(cast)
    await act_as_staff(client, cast.vic_id)  # every role may search
    partial = await client.get(f"{ACME}/search", params={"q": "@outdo"}, headers={"hx-request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text
    assert f'href="{ACME}/creators/{cast.alice_id}"' in partial.text  # a fragment of her handle
    assert f'href="{ACME}/offers/' in partial.text  # her offer
    campaign = await client.get(f"{ACME}/search", params={"q": "spring"}, headers={"hx-request": "true"})
    assert "Spring trail" in campaign.text and f'href="{ACME}/campaigns/' in campaign.text
    short = await client.get(f"{ACME}/search", params={"q": "a"}, headers={"hx-request": "true"})
    assert "Type at least 2 letters" in short.text
    full = await client.get(f"{ACME}/search", params={"q": "nobody-like-this"})
    assert "<html" in full.text and "Nothing matches" in full.text
    await act_as_staff(client, cast.charlie_id)
    other = await client.get("/backoffice/b/globex/search", params={"q": "spring"}, headers={"hx-request": "true"})
    assert "Spring trail" not in other.text


async def test_it_lists_message_threads_unread_first_in_one_query(client: httpx.AsyncClient, cast: Cast) -> None:
    deal = await agreed_deal(cast)
    await do_post_message(ACTOR, CreatorSide(cast.alice_id), deal.collaboration_id, "Is Friday fine?")
    await act_as_staff(client, cast.bob_id)
    await client.get(f"{ACME}/messages")
    with count_queries() as one:
        page = (await client.get(f"{ACME}/messages")).text
    assert "Is Friday fine?" in page and 'class="unread"' in page
    for _ in range(3):
        more = await agreed_deal(cast)
        await do_post_message(ACTOR, CreatorSide(cast.alice_id), more.collaboration_id, "Another question")
    with count_queries() as four:
        page = (await client.get(f"{ACME}/messages")).text
    assert page.count('class="unread"') == 4
    assert four.count == one.count


async def test_the_navigation_fits_the_role_and_marks_the_current_section(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    await act_as_staff(client, cast.olivia_id)
    owner = (await client.get(f"{ACME}/campaigns")).text
    assert f'href="{ACME}/audit"' in owner
    assert f'<a href="{ACME}/campaigns" aria-current="page">Campaigns' in owner
    await act_as_staff(client, cast.vic_id)
    viewer = (await client.get(f"{ACME}/creators")).text
    assert f'href="{ACME}/audit"' not in viewer
    assert f'<a href="{ACME}/creators" aria-current="page">Creators' in viewer
    assert f'href="{ACME}/payouts"' in viewer  # viewers read the payouts queue
    # Sections that do not exist yet are not offered at all.
    for section in ("contracts", "library", "results", "payouts"):
        assert f'href="{ACME}/{section}"' in viewer
    for later in ("reconciliation",):
        assert f"{ACME}/{later}" not in viewer


async def test_the_brand_switcher_keeps_the_section(client: httpx.AsyncClient, cast: Cast) -> None:
    from shared.identity.actions import do_grant_membership
    from shared.identity.rules import Role

    await do_grant_membership(ACTOR, staff_id=cast.bob_id, brand_id=cast.globex_id, role=Role.VIEWER)
    await act_as_staff(client, cast.bob_id)
    page = (await client.get(f"{ACME}/deliverables")).text
    assert 'href="/backoffice/b/globex/deliverables"' in page


async def test_a_contract_signed_by_the_creator_waits_on_the_managers_home(
    client: httpx.AsyncClient, cast: Cast, tmp_path: Path
) -> None:
    contract = await sent(cast, tools_in(tmp_path))
    await sign(cast, contract.contract_id)
    await act_as_staff(client, cast.bob_id)
    page = (await client.get(ACME)).text
    assert count_of(page, "contracts") == 1
    assert f'href="{ACME}/contracts/{contract.contract_id}"' in page and "signed RC-" in page
    contracts = (await client.get(f"{ACME}/contracts")).text
    link = re.search(r'<a [^>]*href="/backoffice/b/acme/contracts"[^>]*>', contracts)
    assert link and 'aria-current="page"' in link.group(0)  # the sidebar marks the section
    # Only owners and managers countersign: a viewer's home has no contracts block.
    await act_as_staff(client, cast.vic_id)
    assert 'data-block="contracts"' not in (await client.get(ACME)).text


async def test_payables_waiting_for_approval_lead_finances_home(client: httpx.AsyncClient, cast: Cast) -> None:
    payable_id = await signing_payable(cast)
    await act_as_staff(client, cast.fran_id)
    page = (await client.get(ACME)).text
    assert count_of(page, "payables") == 1
    assert f'href="{ACME}/payouts/{payable_id}"' in page and "Alice Rivera: US$600.00" in page
    assert page.index('data-block="payables"') < page.index('data-block="counters"')  # money first
    await act_as_staff(client, cast.olivia_id)  # owners approve too
    assert count_of((await client.get(ACME)).text, "payables") == 1
    await act_as_staff(client, cast.bob_id)  # managers don't approve: no block
    assert 'data-block="payables"' not in (await client.get(ACME)).text


async def test_usage_rights_ending_within_30_days_are_on_the_home(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    live = ["https://www.instagram.com/reel/abc/"]
    soon, _ = await approved_asset(cast, local_storage, channels=("email",), countries="", duration="30", unit="days")
    await check_submit_live(ACTOR, cast.alice_id, soon, urls=live)  # 30 days from today: ends within the window
    later, _ = await approved_asset(cast, local_storage)  # the default window runs far beyond 30 days
    await check_submit_live(ACTOR, cast.alice_id, later, urls=live)
    await act_as_staff(client, cast.bob_id)
    page = (await client.get(ACME)).text
    assert count_of(page, "rights") == 1
    assert f'href="{ACME}/library?creator={cast.alice_id}&amp;expiring=30"' in page and "rights end " in page
    await act_as_staff(client, cast.fran_id)  # finance doesn't manage content rights
    assert 'data-block="rights"' not in (await client.get(ACME)).text
