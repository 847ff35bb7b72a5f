"""Sign-in with X: OAuth 2.0 with PKCE (no OpenID Connect), against a stand-in speaking X's formats."""

from __future__ import annotations

import datetime as dt

import httpx

from shared.creators.refresh import refresh_expiring_tokens
from shared.crypto import Encryptor
from shared.db.tables import Creator, SocialIdentity
from shared.settings import Settings
from tests.oidc_fixtures import XStandIn, authorize_at_provider, path_of, query_of, start_sign_in

Client = httpx.AsyncClient


async def test_it_offers_x_when_configured(x_client: Client) -> None:
    page = await x_client.get("/signin")
    assert "Continue with X" in page.text and "Continue with Demo ID" in page.text


async def test_it_signs_in_with_x_and_shows_the_follower_count(x_client: Client, x_stand_in: XStandIn) -> None:
    x_stand_in.users["1500"] = ("gusplays", "Gus Peterson", 14_800)
    url = await start_sign_in(x_client, "x")
    query = query_of(url)
    assert url.startswith(f"{x_stand_in.base_url}/i/oauth2/authorize?")
    assert query["code_challenge_method"] == "S256" and "offline.access" in query["scope"]
    callback = await authorize_at_provider(url, "1500")
    response = await x_client.get(path_of(callback), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/welcome"
    identity = await SocialIdentity.objects().first()
    assert identity is not None
    assert (identity.provider, identity.subject, identity.handle) == ("x", "1500", "gusplays")
    assert identity.followers == 14_800 and identity.followers_source == "x api"
    assert identity.profile_url == "https://x.com/gusplays"
    creator = await Creator.objects().first()
    assert creator is not None and creator.display_name == "Gus Peterson" and creator.email is None
    accounts = await x_client.get("/accounts")
    assert "X · gusplays" in accounts.text and "14,800" in accounts.text


async def test_it_refuses_a_used_x_code(x_client: Client) -> None:
    url = await start_sign_in(x_client, "x")
    callback = await authorize_at_provider(url, "1600")
    await x_client.get(path_of(callback), follow_redirects=False)
    x_client.cookies.clear()
    url = await start_sign_in(x_client, "x")
    fresh = await authorize_at_provider(url, "1600")
    reused = path_of(fresh).replace(query_of(fresh)["code"], query_of(callback)["code"])
    response = await x_client.get(reused, follow_redirects=False)
    assert response.status_code == 400 and "refused by X" in response.text
    assert await SocialIdentity.count() == 1


async def test_it_refreshes_x_tokens_and_asks_to_reconnect_when_refused(
    x_client: Client, x_settings: Settings, x_stand_in: XStandIn
) -> None:
    url = await start_sign_in(x_client, "x")
    await x_client.get(path_of(await authorize_at_provider(url, "1700")), follow_redirects=False)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    await SocialIdentity.update({SocialIdentity.token_expires_at: soon}).where(SocialIdentity.subject == "1700")
    assert (await refresh_expiring_tokens(x_settings)).refreshed == 1
    identity = await SocialIdentity.objects().first()
    assert identity is not None and identity.refresh_token_enc
    current = Encryptor(x_settings.secret_key).decrypt(identity.refresh_token_enc)
    assert current
    x_stand_in.refused_refresh_tokens.add(current)
    await SocialIdentity.update({SocialIdentity.token_expires_at: soon}).where(SocialIdentity.subject == "1700")
    assert (await refresh_expiring_tokens(x_settings)).reconnect_needed == 1
    identity = await SocialIdentity.objects().first()
    assert identity is not None and identity.status == "reconnect_needed"
