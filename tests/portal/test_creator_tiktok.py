"""Sign-in with TikTok (Login Kit v2: OAuth 2.0 with PKCE), against a stand-in speaking TikTok's formats."""

from __future__ import annotations

import datetime as dt

import httpx

from shared.creators.refresh import refresh_expiring_tokens
from shared.crypto import Encryptor
from shared.db.tables import Creator, SocialIdentity
from shared.settings import Settings
from tests.oidc_fixtures import TikTokStandIn, authorize_at_provider, path_of, query_of, start_sign_in

Client = httpx.AsyncClient


async def test_it_offers_tiktok_when_configured(tiktok_client: Client) -> None:
    page = await tiktok_client.get("/signin")
    assert "Continue with TikTok" in page.text and "Continue with Demo ID" in page.text


async def test_it_signs_in_with_tiktok_and_shows_the_follower_count(
    tiktok_client: Client, tiktok_settings: Settings, tiktok_stand_in: TikTokStandIn
) -> None:
    tiktok_stand_in.users["open-1500"] = ("gusdances", "Gus Dances", 310_000)
    url = await start_sign_in(tiktok_client, "tiktok")
    query = query_of(url)
    assert url.startswith(f"{tiktok_stand_in.base_url}/v2/auth/authorize/?")
    assert query["client_key"] == "tt-client" and "client_id" not in query
    assert query["scope"] == "user.info.basic,user.info.stats" and query["code_challenge_method"] == "S256"
    assert query["redirect_uri"] == f"{tiktok_settings.base_url}/auth/tiktok/callback"
    callback = await authorize_at_provider(url, "open-1500")
    response = await tiktok_client.get(path_of(callback), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/welcome"
    identity = await SocialIdentity.objects().first()
    assert identity is not None
    # The username needs user.info.profile, which is not asked for: the display name stands in.
    assert (identity.provider, identity.subject, identity.handle) == ("tiktok", "open-1500", "Gus Dances")
    assert identity.followers == 310_000 and identity.followers_source == "tiktok api"
    assert identity.followers_read_at is not None and identity.profile_url == ""
    assert identity.scopes == "user.info.basic,user.info.stats"
    creator = await Creator.objects().first()
    assert creator is not None and creator.display_name == "Gus Dances" and creator.email is None
    accounts = await tiktok_client.get("/accounts")
    assert "TikTok · Gus Dances" in accounts.text and "310,000 · source: tiktok api" in accounts.text


async def test_it_signs_in_with_tiktok_when_the_stats_scope_was_unticked(
    tiktok_client: Client, tiktok_stand_in: TikTokStandIn
) -> None:
    tiktok_stand_in.users["open-1510"] = ("gusdances", "Gus Dances", 310_000)
    url = await start_sign_in(tiktok_client, "tiktok")
    async with httpx.AsyncClient(timeout=10) as browser:
        consent = await browser.post(url, data={"sub": "open-1510", "scopes": "user.info.basic"})
    assert consent.status_code == 302
    response = await tiktok_client.get(path_of(consent.headers["location"]), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/welcome"
    identity = await SocialIdentity.objects().first()
    assert identity is not None and identity.subject == "open-1510"
    assert identity.followers is None and identity.followers_source == "" and identity.scopes == "user.info.basic"


async def test_it_shows_tiktok_errors_and_creates_nothing(tiktok_client: Client) -> None:
    url = await start_sign_in(tiktok_client, "tiktok")
    denied = await authorize_at_provider(url, None, deny=True)
    response = await tiktok_client.get(path_of(denied), follow_redirects=False)
    assert response.status_code == 400 and "You cancelled signing in with TikTok" in response.text
    assert await Creator.count() == 0 and await SocialIdentity.count() == 0


async def test_it_refuses_a_tiktok_callback_with_another_state(tiktok_client: Client) -> None:
    url = await start_sign_in(tiktok_client, "tiktok")
    callback = await authorize_at_provider(url, "open-1550")
    forged = path_of(callback).replace(query_of(callback)["state"], "not-the-state")
    response = await tiktok_client.get(forged, follow_redirects=False)
    assert response.status_code == 400 and "already used" in response.text
    assert await Creator.count() == 0 and await SocialIdentity.count() == 0


async def test_it_refuses_a_used_tiktok_code(tiktok_client: Client) -> None:
    url = await start_sign_in(tiktok_client, "tiktok")
    callback = await authorize_at_provider(url, "open-1600")
    await tiktok_client.get(path_of(callback), follow_redirects=False)
    tiktok_client.cookies.clear()
    url = await start_sign_in(tiktok_client, "tiktok")
    fresh = await authorize_at_provider(url, "open-1600")
    reused = path_of(fresh).replace(query_of(fresh)["code"], query_of(callback)["code"])
    response = await tiktok_client.get(reused, follow_redirects=False)
    assert response.status_code == 400 and "refused by TikTok" in response.text
    assert await Creator.count() == 1 and await SocialIdentity.count() == 1


async def test_it_stores_each_rotated_tiktok_refresh_token(
    tiktok_client: Client, tiktok_settings: Settings, tiktok_stand_in: TikTokStandIn
) -> None:
    url = await start_sign_in(tiktok_client, "tiktok")
    await tiktok_client.get(path_of(await authorize_at_provider(url, "open-1700")), follow_redirects=False)
    encryptor = Encryptor(tiktok_settings.secret_key)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    seen: list[str | None] = []
    for _ in range(2):
        # The stand-in accepts each refresh token once: the second renewal works only with the stored new one.
        identity = await SocialIdentity.objects().first()
        assert identity is not None and identity.refresh_token_enc
        seen.append(encryptor.decrypt(identity.refresh_token_enc))
        await SocialIdentity.update({SocialIdentity.token_expires_at: soon}).where(SocialIdentity.id == identity.id)
        assert (await refresh_expiring_tokens(tiktok_settings)).refreshed == 1
    identity = await SocialIdentity.objects().first()
    assert identity is not None and identity.refresh_token_enc and identity.status == "active"
    current = encryptor.decrypt(identity.refresh_token_enc)
    assert current is not None and len({*seen, current}) == 3
    tiktok_stand_in.refused_refresh_tokens.add(current)
    await SocialIdentity.update({SocialIdentity.token_expires_at: soon}).where(SocialIdentity.id == identity.id)
    assert (await refresh_expiring_tokens(tiktok_settings)).reconnect_needed == 1
    identity = await SocialIdentity.objects().first()
    assert identity is not None and identity.status == "reconnect_needed"
