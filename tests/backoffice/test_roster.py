"""The roster: who a brand sees, filters, trigram search, keyset paging, query counts, adding prospects."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from shared.audit.context import system_actor
from shared.creators.actions import do_delete_creator_account, do_sign_in_creator
from shared.creators.rules import split_niches
from shared.crm.actions import do_add_prospect, do_assign_owner, do_change_stage, do_set_tags
from shared.crm.queries import list_roster
from shared.crm.rules import RosterFilters
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.db.querycount import count_queries
from shared.db.tables import AuditLog, Creator, Relationship, RelationshipEvent, SocialIdentity
from shared.identity.actions import SocialAccount, do_create_creator
from shared.identity.queries import get_staff_context
from shared.integrations.email import Mailer
from shared.integrations.oauth import ExternalIdentity, TokenSet
from shared.settings import DEV_SECRET_KEY
from tests.conftest import Cast, csrf_token_from, post_form
from tests.personas import act_as_creator, act_as_staff

Client = httpx.AsyncClient
ROSTER = "/backoffice/b/acme/creators"
ACTOR = system_actor("test")
NO_MAIL = Mailer(None)


# --- helpers (imported by test_creator_page.py too) -------------------------------------------------


async def onboarded_creator(
    name: str,
    *,
    provider: str = "instagram",
    handle: str | None = None,
    followers: int = 20_000,
    engagements: int | None = 400,
    country: str = "US",
    niches: str = "travel",
    open_to_offers: bool = True,
) -> int:
    """A creator with a complete profile (as after onboarding): visible to every brand while open to offers."""
    slug = handle or name.lower().replace(" ", ".")
    creator = await do_create_creator(
        ACTOR,
        display_name=name,
        email=f"{slug}@creators.test",
        country=country,
        niches=split_niches(niches),
        accounts=[SocialAccount(provider, f"{provider}-{slug}", slug, followers, engagements)],
    )
    creator_id = int(creator.id)
    if not open_to_offers:
        # No action exists yet for a creator to stop taking offers; this is that setting.
        await Creator.update({Creator.open_to_offers: False}).where(Creator.id == creator_id)
    return creator_id


async def add_prospect(
    cast: Cast, handle: str, *, platform: str = "instagram", brand: str = "acme", followers: str = "", email: str = ""
) -> int:
    """Bob (Acme) or Charlie (Globex) adds a prospect through the real action; returns the creator id."""
    staff_id, brand_id = (cast.bob_id, cast.acme_id) if brand == "acme" else (cast.charlie_id, cast.globex_id)
    added = await do_add_prospect(
        ACTOR,
        await get_staff_context(staff_id),
        NO_MAIL,
        brand_id=brand_id,
        display_name="",
        platform=platform,
        handle=handle,
        email=email,
        followers=followers,
        base_url="http://127.0.0.1:8000",
    )
    return added.creator_id


async def signed_up_not_onboarded(subject: str, name: str) -> int:
    """A creator who signed in once and never finished onboarding."""
    identity = ExternalIdentity(
        "demo", subject, None, False, name, subject, "", TokenSet("token", None, None, "openid")
    )
    return (await do_sign_in_creator(ACTOR, identity, Encryptor(DEV_SECRET_KEY))).creator_id


def names_in(html: str) -> list[str]:
    """Creator names in the roster table, in order (Alice, the cast's creator, is always there: left out)."""
    found = re.findall(r'<a href="/backoffice/b/\w+/creators/\d+">([^<]+)</a>', html)
    return [name for name in found if name != "Alice Rivera"]


# --- who may look -----------------------------------------------------------------------------------


async def test_it_lists_the_roster_with_its_columns(client: Client, cast: Cast) -> None:
    wren = await onboarded_creator("Wren Walker", handle="wren.walks", followers=48_200, engagements=1_450)
    await do_change_stage(
        ACTOR, await get_staff_context(cast.bob_id), brand_id=cast.acme_id, creator_id=wren, stage="contacted"
    )
    await do_set_tags(
        ACTOR, await get_staff_context(cast.bob_id), brand_id=cast.acme_id, creator_id=wren, tags="summer"
    )
    await do_assign_owner(
        ACTOR, await get_staff_context(cast.bob_id), brand_id=cast.acme_id, creator_id=wren, owner_id=cast.bob_id
    )
    await act_as_staff(client, cast.vic_id)  # a viewer may look
    response = await client.get(ROSTER)
    assert response.status_code == 200
    text = response.text
    assert names_in(text) == ["Wren Walker"]
    for expected in ["Instagram @wren.walks", "Micro", "48,200", "3.00%", "Contacted", "Bob Manager", "summer"]:
        assert expected in text, expected
    assert 'for="f-q"' in text and 'for="f-min_followers"' in text  # labels on the filters


async def test_it_lets_a_manager_pick_creators_for_an_offer(client: Client, cast: Cast) -> None:
    wren = await onboarded_creator("Wren Walker")
    await act_as_staff(client, cast.bob_id)
    text = (await client.get(ROSTER)).text
    assert '<form method="get" action="/backoffice/b/acme/offers/new"' in text
    assert f'name="creator" value="{wren}"' in text
    assert "Send an offer to the selected creators" in text
    assert 'href="/backoffice/b/acme/creators/new"' in text


async def test_it_sends_anonymous_visitors_to_sign_in(client: Client, cast: Cast) -> None:
    response = await client.get(ROSTER, follow_redirects=False)
    assert response.status_code in (302, 303)
    assert response.headers["location"].startswith("/backoffice/signin")


async def test_it_refuses_a_creator_session(client: Client, cast: Cast) -> None:
    await act_as_creator(client, cast.alice_id)
    response = await client.get(ROSTER, follow_redirects=False)
    assert response.status_code in (302, 303) and "/backoffice/signin" in response.headers["location"]


async def test_it_answers_404_for_another_brands_roster(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.charlie_id)
    assert (await client.get(ROSTER)).status_code == 404
    assert (await client.get(f"{ROSTER}/new")).status_code == 404


# --- the visibility rule ------------------------------------------------------------------------------


async def test_it_shows_only_creators_the_brand_may_see(client: Client, cast: Cast) -> None:
    open_id = await onboarded_creator("Olga Open")
    await onboarded_creator("Carl Closed", open_to_offers=False)
    gone = await onboarded_creator("Dora Deleted")
    await do_delete_creator_account(ACTOR, gone)
    await signed_up_not_onboarded("nora-1", "Nora Newcomer")
    await add_prospect(cast, "peter.prospect")  # Acme's prospect

    await act_as_staff(client, cast.bob_id)
    acme = (await client.get(ROSTER)).text
    assert names_in(acme) == ["Olga Open", "peter.prospect"]
    assert "Alice Rivera" in acme  # complete profile, open to offers

    await act_as_staff(client, cast.charlie_id)
    globex = (await client.get("/backoffice/b/globex/creators")).text
    assert names_in(globex) == ["Olga Open"]
    # Acme's stage for Olga is never shown to Globex.
    bob = await get_staff_context(cast.bob_id)
    await do_change_stage(ACTOR, bob, brand_id=cast.acme_id, creator_id=open_id, stage="negotiating")
    assert "stage-negotiating" not in (await client.get("/backoffice/b/globex/creators")).text


async def test_it_never_reveals_a_hidden_creator_when_adding_a_prospect(client: Client, cast: Cast) -> None:
    carl = await onboarded_creator("Carl Closed", handle="carl.closed", open_to_offers=False)
    prospect = await add_prospect(cast, "carl.closed", email="carl.closed@creators.test")
    assert prospect != carl  # a separate record: the brand learns nothing about Carl
    assert not await Relationship.exists().where(Relationship.creator == carl)
    await act_as_staff(client, cast.bob_id)
    assert names_in((await client.get(ROSTER)).text) == ["carl.closed"]
    assert (await client.get(f"{ROSTER}/{carl}")).status_code == 404


async def test_it_gives_each_brand_its_own_prospect_for_the_same_handle(cast: Cast) -> None:
    acme_prospect = await add_prospect(cast, "mira.makes")
    globex_prospect = await add_prospect(cast, "mira.makes", brand="globex")
    assert acme_prospect != globex_prospect
    subjects = {
        row["subject"]
        for row in await SocialIdentity.select(SocialIdentity.subject).where(SocialIdentity.handle == "mira.makes")
    }
    assert subjects == {f"prospect:{cast.acme_id}:mira.makes", f"prospect:{cast.globex_id}:mira.makes"}


# --- filters and search -------------------------------------------------------------------------------


async def test_it_filters_by_each_field(client: Client, cast: Cast) -> None:
    bob = await get_staff_context(cast.bob_id)
    ana = await onboarded_creator(
        "Ana Nano", provider="tiktok", followers=5_000, engagements=400, country="FR", niches="food"
    )
    max_ = await onboarded_creator("Max Macro", provider="youtube", followers=250_000, engagements=2_500, niches="tech")
    mia = await onboarded_creator("Mia Micro", followers=40_000, engagements=2_000, country="GB", niches="travel, food")
    await do_change_stage(ACTOR, bob, brand_id=cast.acme_id, creator_id=mia, stage="negotiating")
    await do_set_tags(ACTOR, bob, brand_id=cast.acme_id, creator_id=mia, tags="summer, vegan")
    await do_assign_owner(ACTOR, bob, brand_id=cast.acme_id, creator_id=max_, owner_id=cast.olivia_id)
    assert ana and max_

    await act_as_staff(client, cast.bob_id)

    async def names(**params: str) -> list[str]:
        response = await client.get(ROSTER, params=params)
        assert response.status_code == 200, response.text
        return names_in(response.text)

    assert await names() == ["Ana Nano", "Max Macro", "Mia Micro"]
    assert await names(platform="tiktok") == ["Ana Nano"]
    assert await names(tier="macro") == ["Max Macro"]
    assert await names(niche="food") == ["Ana Nano", "Mia Micro"]
    assert await names(country="fr") == ["Ana Nano"]
    assert await names(min_followers="10k") == ["Max Macro", "Mia Micro"]
    assert await names(max_followers="40,000") == ["Ana Nano", "Mia Micro"]
    assert await names(min_followers="10000", max_followers="100000") == ["Mia Micro"]
    assert await names(min_engagement="6") == ["Ana Nano"]  # 400/5000 = 8%; Mia 5%
    assert await names(max_engagement="1.5") == ["Max Macro"]  # 1%
    assert await names(stage="negotiating") == ["Mia Micro"]
    assert await names(stage="none") == ["Ana Nano"]  # Max has a relationship (an owner) now
    assert await names(owner=str(cast.olivia_id)) == ["Max Macro"]
    assert await names(owner="none") == ["Ana Nano", "Mia Micro"]
    assert await names(tag="vegan") == ["Mia Micro"]
    assert await names(tag="vegan", platform="tiktok") == []


async def test_it_searches_names_and_handle_fragments(client: Client, cast: Cast) -> None:
    await onboarded_creator("Wren Walker", handle="wren.outdoors")
    await onboarded_creator("Sam Stone", handle="samcooks")
    await act_as_staff(client, cast.bob_id)
    for query, expected in [
        ("outdo", ["Wren Walker"]),
        ("@SAMCO", ["Sam Stone"]),
        ("walker", ["Wren Walker"]),
        ("zzz", []),
    ]:
        response = await client.get(ROSTER, params={"q": query})
        assert names_in(response.text) == expected, query
    assert "No creators match these filters" in (await client.get(ROSTER, params={"q": "zzz"})).text


async def test_it_finds_a_misspelt_name_closest_first(client: Client, cast: Cast) -> None:
    """Nothing contains "alcie": the creators whose name or handle is closest come up, best first."""
    await onboarded_creator("Wren Walker", handle="wren.outdoors")
    await onboarded_creator("Alina Cole", handle="alina.cooks")
    page = await list_roster(cast.acme_id, RosterFilters(q="alcie"))
    assert page.close_matches and page.next_after is None
    assert page.rows[0].display_name == "Alice Rivera"
    assert "Wren Walker" not in [row.display_name for row in page.rows]
    await act_as_staff(client, cast.bob_id)
    response = await client.get(ROSTER, params={"q": "wren walkr"})
    assert names_in(response.text)[:1] == ["Wren Walker"] and "closest spellings" in response.text
    assert names_in((await client.get(ROSTER, params={"q": "qqqqxz"})).text) == []


async def test_it_sorts_by_followers_and_engagement_across_pages(cast: Cast) -> None:
    for name, followers, engagements in [("Ann A", 5_000, 500), ("Ben B", 90_000, 90), ("Cy C", 40_000, None)]:
        await onboarded_creator(name, followers=followers, engagements=engagements)
    by_followers: list[str] = []
    after = None
    while True:  # pages of two: the keyset follows the order
        page = await list_roster(cast.acme_id, RosterFilters(sort="followers"), after=after, limit=2)
        by_followers += [row.display_name for row in page.rows if row.display_name != "Alice Rivera"]
        if page.next_after is None:
            break
        after = page.next_after
    assert by_followers == ["Ben B", "Cy C", "Ann A"]
    page = await list_roster(cast.acme_id, RosterFilters(sort="engagement"), limit=10)
    names = [row.display_name for row in page.rows if row.display_name != "Alice Rivera"]
    assert names == ["Ann A", "Ben B", "Cy C"]  # 10%, 0.1%, unknown last


async def test_it_lists_social_handles_not_sign_in_accounts(client: Client, cast: Cast) -> None:
    """A Demo ID (or any sign-in-only) identity is how someone signs in, not an audience: not a handle."""
    creator = await onboarded_creator("Wren Walker", handle="wren.outdoors")
    await SocialIdentity.insert(SocialIdentity(creator=creator, provider="demo", subject="wren-demo", handle="wren"))
    page = await list_roster(cast.acme_id, RosterFilters(q="wren"))
    assert [row.handles for row in page.rows] == [[{"provider": "instagram", "handle": "wren.outdoors"}]]


async def test_it_searches_with_the_trigram_index(cast: Cast) -> None:
    engine = get_engine()
    async with engine.transaction():
        await engine.fetch("SET LOCAL enable_seqscan = off")
        plan = await engine.fetch("EXPLAIN SELECT id FROM creator c WHERE c.search_text LIKE $1", "%outdo%")
    assert "creator_search_text_trgm" in " ".join(row["QUERY PLAN"] for row in plan)


async def test_it_explains_impossible_filters_and_keeps_them(client: Client, cast: Cast) -> None:
    await onboarded_creator("Wren Walker")
    await act_as_staff(client, cast.bob_id)
    response = await client.get(
        ROSTER, params={"min_followers": "50k", "max_followers": "10k", "min_engagement": "lots"}
    )
    assert response.status_code == 400
    assert "The most followers must be at least the fewest followers." in response.text
    assert "Enter a percentage like 2.5." in response.text
    assert 'value="50k"' in response.text and 'value="10k"' in response.text and 'value="lots"' in response.text
    assert names_in(response.text) == []


async def test_it_says_what_to_do_when_the_roster_is_empty(client: Client, cast: Cast) -> None:
    await do_delete_creator_account(ACTOR, cast.alice_id)
    await act_as_staff(client, cast.bob_id)
    text = (await client.get(ROSTER)).text
    assert "No creators on your roster yet." in text and "Add a prospect by handle or email" in text


# --- paging and query counts --------------------------------------------------------------------------


async def test_it_pages_with_a_keyset_cursor_without_duplicates_or_gaps(client: Client, cast: Cast) -> None:
    handles = [f"creator{n:02d}" for n in range(57)]
    for handle in handles:
        await add_prospect(cast, handle)
    await add_prospect(cast, "someone.on.tiktok", platform="tiktok")  # filtered out below
    await act_as_staff(client, cast.bob_id)
    seen: list[str] = []
    url = f"{ROSTER}?platform=instagram"
    pages = 0
    while url:
        response = await client.get(url)
        assert response.status_code == 200
        seen += names_in(response.text)
        pages += 1
        match = re.search(r'href="(\?[^"]+)" rel="next">Next page', response.text)
        url = ROSTER + match.group(1).replace("&amp;", "&") if match else ""
        if match:
            assert parse_qs(urlsplit(url).query)["platform"] == ["instagram"]  # the filters are kept
    assert pages == 2
    assert seen == handles  # every one once, in order


async def test_it_pages_the_query_in_small_pages_too(cast: Cast) -> None:
    for n in range(12):
        await add_prospect(cast, f"c{n:02d}")
    seen: list[int] = []
    after = None
    while True:
        page = await list_roster(cast.acme_id, RosterFilters(), after=after, limit=5)
        seen += [row.id for row in page.rows]
        if page.next_after is None:
            break
        after = page.next_after
    assert len(seen) == len(set(seen)) == 13  # and Alice


async def test_it_reads_a_page_in_a_constant_number_of_queries(client: Client, cast: Cast) -> None:
    await do_delete_creator_account(ACTOR, cast.alice_id)
    for n in range(60):
        await add_prospect(cast, f"creator{n:02d}", followers="12k")
    with count_queries() as small:
        assert len((await list_roster(cast.acme_id, RosterFilters(), limit=5)).rows) == 5
    with count_queries() as large:
        assert len((await list_roster(cast.acme_id, RosterFilters(), limit=50)).rows) == 50
    assert small.count == large.count
    assert sum("FROM creator c" in statement for statement in large.statements) == 1

    await act_as_staff(client, cast.bob_id)
    await client.get(ROSTER)  # warm up (the session row is touched on first use)
    with count_queries() as full_page:
        assert len(names_in((await client.get(ROSTER)).text)) == 50
    with count_queries() as short_page:
        assert len(names_in((await client.get(ROSTER, params={"tier": "micro", "q": "creator0"})).text)) == 10
    with count_queries() as full_search:
        assert len(names_in((await client.get(ROSTER, params={"tier": "micro", "q": "creator"})).text)) == 50
    # A search first reads the matching ids (shared.crm.queries.SEARCH_PREFETCH): one more query, whatever the size.
    assert full_page.count + 1 == short_page.count == full_search.count


# --- adding prospects ----------------------------------------------------------------------------------


async def test_it_adds_a_prospect_by_handle(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    response = await post_form(
        client,
        f"{ROSTER}/new",
        ROSTER,
        {"platform": "tiktok", "handle": "@Nina.Dances", "followers": "12.5k", "email": "", "display_name": ""},
    )
    assert response.status_code == 200
    assert "Added to your roster as a prospect." in response.text
    creator = await Creator.objects().where(Creator.source == "prospect").first()
    assert creator is not None and creator.display_name == "Nina.Dances" and creator.email is None
    assert str(response.url).endswith(f"/creators/{creator.id}")
    assert creator.followers_total == 12_500 and creator.tier == "micro" and creator.platforms == ["tiktok"]
    identity = await SocialIdentity.objects().where(SocialIdentity.creator == creator.id).first()
    assert identity is not None and identity.subject == f"prospect:{cast.acme_id}:nina.dances"
    relationship = await Relationship.objects().where(Relationship.creator == creator.id).first()
    assert relationship is not None
    assert (relationship.brand, relationship.stage, relationship.owner) == (cast.acme_id, "prospect", cast.bob_id)
    audit = await AuditLog.objects().where(AuditLog.action == "prospect.added").first()
    assert audit is not None and audit.brand == cast.acme_id and audit.actor_id == cast.bob_id
    after = json.loads(audit.after)
    assert after["handle"] == "Nina.Dances" and after["new_prospect"] is True
    assert await RelationshipEvent.exists().where(RelationshipEvent.kind == "prospect.added")


async def test_it_reuses_a_creator_the_brand_can_already_see(client: Client, cast: Cast) -> None:
    wren = await onboarded_creator("Wren Walker", handle="wren.walks")
    await act_as_staff(client, cast.bob_id)
    response = await post_form(client, f"{ROSTER}/new", ROSTER, {"platform": "instagram", "handle": "WREN.walks"})
    assert str(response.url).endswith(f"/creators/{wren}")
    assert await Creator.count() == 2  # Alice and Wren: no new prospect
    again = await post_form(client, f"{ROSTER}/new", ROSTER, {"email": "wren.walks@creators.test"})
    assert "already on your roster" in again.text and str(again.url).endswith(f"/creators/{wren}")
    assert await Relationship.count() == 1


async def test_it_finds_its_own_prospect_again_by_the_invited_email(cast: Cast) -> None:
    first = await add_prospect(cast, "", email="sam@example.test")
    again = await add_prospect(cast, "", email="SAM@example.test ")
    assert first == again and await Creator.count().where(Creator.source == "prospect") == 1
    # Globex adding the same address gets its own prospect: Acme's is invisible to it.
    assert await add_prospect(cast, "", email="sam@example.test", brand="globex") != first


async def test_it_refuses_a_prospect_without_handle_or_email_and_keeps_the_input(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    response = await post_form(
        client, f"{ROSTER}/new", ROSTER, {"platform": "", "handle": "", "email": "", "display_name": "Nina Park"}
    )
    assert response.status_code == 400
    assert "Enter their handle on a platform, or their email below." in response.text
    assert 'value="Nina Park"' in response.text
    # A platform that is not in the list is refused by the form's declaration, before the rules run.
    tampered = await post_form(client, f"{ROSTER}/new", ROSTER, {"platform": "myspace", "handle": "nina"})
    assert tampered.status_code == 400 and "Choose the platform this handle is on." in tampered.text
    bad = await post_form(
        client,
        f"{ROSTER}/new",
        ROSTER,
        {"platform": "tiktok", "handle": "nina park!", "email": "nope", "followers": "x"},
    )
    assert bad.status_code == 400
    for message in [
        "A handle has letters",
        "Enter an email address",
        "Enter a number",
    ]:
        assert message in bad.text
    assert 'value="nina park!"' in bad.text
    assert await Creator.count() == 1 and not await AuditLog.exists().where(AuditLog.action == "prospect.added")


@pytest.mark.parametrize("staff", ["vic", "fran"])
async def test_it_lets_only_owners_and_managers_add_prospects(client: Client, cast: Cast, staff: str) -> None:
    await act_as_staff(client, getattr(cast, f"{staff}_id"))
    assert (await client.get(f"{ROSTER}/new")).status_code == 403
    token = csrf_token_from((await client.get(ROSTER)).text)
    response = await client.post(ROSTER, data={"platform": "instagram", "handle": "nina", "_csrf_token": token})
    assert response.status_code == 403
    assert await Creator.count() == 1
    assert "Add a prospect" not in (await client.get(ROSTER)).text


async def test_it_answers_404_when_another_brand_posts_a_prospect(client: Client, cast: Cast) -> None:
    await act_as_staff(client, cast.charlie_id)
    token = csrf_token_from((await client.get("/backoffice/b/globex/creators")).text)
    response = await client.post(ROSTER, data={"platform": "instagram", "handle": "nina", "_csrf_token": token})
    assert response.status_code == 404
    assert await Creator.count() == 1
