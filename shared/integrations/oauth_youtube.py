"""YouTube statistics for creators who sign in with Google (an OpenID Connect provider named "google").

When the granted scopes include youtube.readonly, the channel of the signed-in account is read
from the YouTube Data API (GET /youtube/v3/channels?part=statistics,snippet&mine=true) and its
subscriber count recorded as the follower count. YouTube rounds public subscriber counts (three
significant figures), so the source says "youtube (rounded)"; a channel that hides its count is
recorded as hidden (None). RAPPORT_YOUTUBE_API_BASE points it at a stand-in in tests.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from typing import Any

from shared.integrations.oauth import ExternalIdentity, OAuthFailure
from shared.integrations.oauth_platform import read_api
from shared.settings import OidcProvider, Settings

log = logging.getLogger(__name__)

GOOGLE = "google"
YOUTUBE_SCOPE = "https://www.googleapis.com/auth/youtube.readonly"
YOUTUBE_API_BASE = "https://www.googleapis.com"


@dataclass(frozen=True)
class GoogleProvider(OidcProvider):
    """The OpenID Connect provider named "google", which may also grant read access to YouTube."""

    youtube_api_base: str = YOUTUBE_API_BASE


def with_youtube(settings: Settings, provider: OidcProvider) -> OidcProvider:
    """The "google" provider learns where the YouTube API is; others are left as they are."""
    if provider.name != GOOGLE:
        return provider
    base = (settings.extra.get("RAPPORT_YOUTUBE_API_BASE") or YOUTUBE_API_BASE).rstrip("/")
    return GoogleProvider(
        **{f.name: getattr(provider, f.name) for f in dataclasses.fields(provider)}, youtube_api_base=base
    )


async def add_youtube_statistics(provider: GoogleProvider, identity: ExternalIdentity) -> ExternalIdentity:
    """The identity with its channel's subscriber count, when the person granted youtube.readonly."""
    if YOUTUBE_SCOPE not in identity.tokens.scopes.split():
        return identity
    try:
        body = await read_api(
            "YouTube",
            f"{provider.youtube_api_base}/youtube/v3/channels",
            params={"part": "statistics,snippet", "mine": "true"},
            bearer=identity.tokens.access_token,
        )
    except OAuthFailure:
        # The sign-in itself succeeded; without the statistics the count stays "not available".
        log.warning("youtube statistics not available", extra={"provider": provider.name})
        return identity
    items: Any = body.get("items")
    channel: Any = items[0] if isinstance(items, list) and items else None
    statistics: Any = channel.get("statistics") if isinstance(channel, dict) else None
    if not isinstance(statistics, dict):
        return identity  # no channel on this Google account
    if statistics.get("hiddenSubscriberCount") is True:
        return dataclasses.replace(identity, followers=None, followers_source="youtube (hidden)")
    count = statistics.get("subscriberCount")  # a string of digits in the API's answer
    if isinstance(count, int | str) and str(count).isdigit():
        return dataclasses.replace(identity, followers=int(count), followers_source="youtube (rounded)")
    return identity
