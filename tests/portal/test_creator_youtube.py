"""Signing in with Google records the YouTube subscriber count when youtube.readonly was granted."""

from __future__ import annotations

import httpx

from shared.db.tables import SocialIdentity
from shared.integrations.oauth_demo_provider import DemoProvider
from tests.oidc_fixtures import YouTubeStandIn, query_of, sign_in_creator, start_sign_in

Client = httpx.AsyncClient

GUS = {"name": "Gus Peterson", "email": "gus@example.com", "email_verified": True}


async def test_it_asks_google_for_youtube_read_access(youtube_client: Client) -> None:
    url = await start_sign_in(youtube_client, "google")
    assert "https://www.googleapis.com/auth/youtube.readonly" in query_of(url)["scope"].split()


async def test_it_records_the_rounded_youtube_subscriber_count(
    youtube_client: Client, oidc_provider: DemoProvider, youtube_stand_in: YouTubeStandIn
) -> None:
    youtube_stand_in.subscribers, youtube_stand_in.hidden = 1_230_000, False
    youtube_stand_in.bearer_tokens.clear()
    response = await sign_in_creator(youtube_client, "gus-yt", provider="google", claims=GUS, oidc=oidc_provider)
    assert response.status_code == 303 and response.headers["location"] == "/welcome"
    identity = await SocialIdentity.objects().first()
    assert identity is not None and (identity.provider, identity.subject) == ("google", "gus-yt")
    assert identity.followers == 1_230_000 and identity.followers_source == "youtube (rounded)"
    assert identity.followers_read_at is not None
    assert len(youtube_stand_in.bearer_tokens) == 1  # read with the access token Google issued
    accounts = await youtube_client.get("/accounts")
    assert "1,230,000 · source: youtube (rounded)" in accounts.text


async def test_it_records_a_hidden_youtube_subscriber_count_as_hidden(
    youtube_client: Client, oidc_provider: DemoProvider, youtube_stand_in: YouTubeStandIn
) -> None:
    youtube_stand_in.subscribers, youtube_stand_in.hidden = 0, True
    response = await sign_in_creator(youtube_client, "hidden-yt", provider="google", claims=GUS, oidc=oidc_provider)
    assert response.status_code == 303
    identity = await SocialIdentity.objects().first()
    assert identity is not None and identity.followers is None
    assert identity.followers_source == "youtube (hidden)" and identity.followers_read_at is not None
    accounts = await youtube_client.get("/accounts")
    assert "hidden / not available · source: youtube (hidden)" in accounts.text


async def test_it_hides_a_youtube_count_that_became_hidden(
    youtube_client: Client, oidc_provider: DemoProvider, youtube_stand_in: YouTubeStandIn
) -> None:
    youtube_stand_in.subscribers, youtube_stand_in.hidden = 5_000, False
    await sign_in_creator(youtube_client, "turned-yt", provider="google", claims=GUS, oidc=oidc_provider)
    youtube_client.cookies.clear()
    youtube_stand_in.hidden = True
    await sign_in_creator(youtube_client, "turned-yt", provider="google", oidc=oidc_provider)
    identity = await SocialIdentity.objects().first()
    assert identity is not None and identity.followers is None and identity.followers_source == "youtube (hidden)"
