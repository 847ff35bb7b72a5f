"""Sign-in with Instagram (Instagram Login, business and creator accounts) against a stand-in speaking its formats."""

from __future__ import annotations

import datetime as dt

import httpx

from shared.creators.refresh import refresh_expiring_tokens
from shared.crypto import Encryptor
from shared.db.tables import Creator, SocialIdentity
from shared.settings import Settings
from tests.oidc_fixtures import InstagramStandIn, authorize_at_provider, path_of, query_of, start_sign_in

Client = httpx.AsyncClient


async def test_it_offers_instagram_when_configured(instagram_client: Client) -> None:
    page = await instagram_client.get("/signin")
    assert "Continue with Instagram" in page.text and "Continue with Demo ID" in page.text


async def test_it_signs_in_with_instagram_and_shows_the_follower_count(
    instagram_client: Client, instagram_settings: Settings, instagram_stand_in: InstagramStandIn
) -> None:
    instagram_stand_in.users["17841400000000001"] = ("gus.makes", 52_300)
    url = await start_sign_in(instagram_client, "instagram")
    query = query_of(url)
    assert url.startswith(f"{instagram_stand_in.base_url}/oauth/authorize?")
    assert query["scope"] == "instagram_business_basic" and query["client_id"] == "ig-client"
    assert query["redirect_uri"] == f"{instagram_settings.base_url}/auth/instagram/callback"
    callback = await authorize_at_provider(url, "17841400000000001")
    response = await instagram_client.get(path_of(callback), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/welcome"
    identity = await SocialIdentity.objects().first()
    assert identity is not None
    assert (identity.provider, identity.subject, identity.handle) == ("instagram", "17841400000000001", "gus.makes")
    assert identity.followers == 52_300 and identity.followers_source == "instagram api"
    assert identity.followers_read_at is not None
    assert identity.profile_url == "https://www.instagram.com/gus.makes"
    # The long-lived token (60 days) is kept, and is itself what gets renewed.
    assert identity.token_expires_at is not None
    assert identity.token_expires_at > dt.datetime.now(dt.UTC) + dt.timedelta(days=59)
    encryptor = Encryptor(instagram_settings.secret_key)
    assert identity.access_token_enc and identity.refresh_token_enc
    assert encryptor.decrypt(identity.access_token_enc) == encryptor.decrypt(identity.refresh_token_enc)
    creator = await Creator.objects().first()
    assert creator is not None and creator.display_name == "gus.makes" and creator.email is None
    accounts = await instagram_client.get("/accounts")
    assert "Instagram · gus.makes" in accounts.text and "52,300" in accounts.text


async def test_it_shows_instagram_errors_and_creates_nothing(instagram_client: Client) -> None:
    url = await start_sign_in(instagram_client, "instagram")
    denied = await authorize_at_provider(url, None, deny=True)
    response = await instagram_client.get(path_of(denied), follow_redirects=False)
    assert response.status_code == 400 and "You cancelled signing in with Instagram" in response.text
    assert await Creator.count() == 0 and await SocialIdentity.count() == 0


async def test_it_refuses_an_instagram_callback_with_another_state(instagram_client: Client) -> None:
    url = await start_sign_in(instagram_client, "instagram")
    callback = await authorize_at_provider(url, "17841400000000002")
    forged = path_of(callback).replace(query_of(callback)["state"], "not-the-state")
    response = await instagram_client.get(forged, follow_redirects=False)
    assert response.status_code == 400 and "already used" in response.text
    assert await Creator.count() == 0 and await SocialIdentity.count() == 0


async def test_it_refuses_a_used_instagram_code(instagram_client: Client) -> None:
    url = await start_sign_in(instagram_client, "instagram")
    callback = await authorize_at_provider(url, "17841400000000003")
    await instagram_client.get(path_of(callback), follow_redirects=False)
    instagram_client.cookies.clear()
    url = await start_sign_in(instagram_client, "instagram")
    fresh = await authorize_at_provider(url, "17841400000000003")
    reused = path_of(fresh).replace(query_of(fresh)["code"], query_of(callback)["code"])
    response = await instagram_client.get(reused, follow_redirects=False)
    assert response.status_code == 400 and "refused by Instagram" in response.text
    assert await Creator.count() == 1 and await SocialIdentity.count() == 1


async def test_it_renews_the_long_lived_instagram_token_and_asks_to_reconnect_when_refused(
    instagram_client: Client, instagram_settings: Settings, instagram_stand_in: InstagramStandIn
) -> None:
    url = await start_sign_in(instagram_client, "instagram")
    await instagram_client.get(path_of(await authorize_at_provider(url, "17841400000000004")), follow_redirects=False)
    encryptor = Encryptor(instagram_settings.secret_key)
    identity = await SocialIdentity.objects().first()
    assert identity is not None and identity.access_token_enc
    first = encryptor.decrypt(identity.access_token_enc)
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    await SocialIdentity.update({SocialIdentity.token_expires_at: soon}).where(SocialIdentity.id == identity.id)
    assert (await refresh_expiring_tokens(instagram_settings)).refreshed == 1
    assert instagram_stand_in.refreshed[-1] == first
    identity = await SocialIdentity.objects().first()
    assert identity is not None and identity.access_token_enc and identity.refresh_token_enc
    renewed = encryptor.decrypt(identity.access_token_enc)
    assert renewed and renewed != first and encryptor.decrypt(identity.refresh_token_enc) == renewed
    assert identity.token_expires_at is not None and identity.token_expires_at > soon + dt.timedelta(days=59)
    instagram_stand_in.refused_tokens.add(renewed)
    await SocialIdentity.update({SocialIdentity.token_expires_at: soon}).where(SocialIdentity.id == identity.id)
    assert (await refresh_expiring_tokens(instagram_settings)).reconnect_needed == 1
    identity = await SocialIdentity.objects().first()
    assert identity is not None and identity.status == "reconnect_needed"
