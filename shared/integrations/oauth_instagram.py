"""Sign-in with Instagram (Instagram API with Instagram Login: business and creator accounts).

Configured from RAPPORT_INSTAGRAM_CLIENT_ID and RAPPORT_INSTAGRAM_CLIENT_SECRET, optionally
RAPPORT_INSTAGRAM_LABEL; RAPPORT_INSTAGRAM_AUTHORIZE_URL, RAPPORT_INSTAGRAM_API_BASE and
RAPPORT_INSTAGRAM_GRAPH_BASE point it at a stand-in in tests. The code buys a short-lived token
(about an hour), which is exchanged at once for a long-lived one (60 days); GET /me with it says
who signed in and how many follow them. Instagram has no refresh token: the long-lived access
token itself is renewed, so it is also what we keep as the "refresh token". Instagram supports
no PKCE; the state check and the client secret protect the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shared.integrations.oauth import AuthorizationRequest, ExternalIdentity, OAuthFailure, TokenSet, token_set
from shared.integrations.oauth_platform import (
    authorization_request,
    code_refused,
    follower_count,
    read_api,
    renewal_refused,
    request_token,
    text,
)
from shared.settings import Settings

INSTAGRAM_AUTHORIZE_URL = "https://www.instagram.com/oauth/authorize"
INSTAGRAM_API_BASE = "https://api.instagram.com"
INSTAGRAM_GRAPH_BASE = "https://graph.instagram.com"
INSTAGRAM_SCOPES = "instagram_business_basic"
LABEL = "Instagram"


@dataclass(frozen=True)
class InstagramProvider:
    client_id: str
    client_secret: str
    label: str = LABEL
    authorize_url: str = INSTAGRAM_AUTHORIZE_URL
    api_base: str = INSTAGRAM_API_BASE
    graph_base: str = INSTAGRAM_GRAPH_BASE
    scopes: str = INSTAGRAM_SCOPES
    name: str = "instagram"
    audience: str = "creator"


def instagram_provider(settings: Settings) -> InstagramProvider | None:
    """The Instagram provider when RAPPORT_INSTAGRAM_CLIENT_ID and _CLIENT_SECRET are set."""
    extra = settings.extra
    client_id, client_secret = (
        extra.get("RAPPORT_INSTAGRAM_CLIENT_ID", ""),
        extra.get("RAPPORT_INSTAGRAM_CLIENT_SECRET", ""),
    )
    if not client_id or not client_secret:
        return None
    return InstagramProvider(
        client_id=client_id,
        client_secret=client_secret,
        label=extra.get("RAPPORT_INSTAGRAM_LABEL") or LABEL,
        authorize_url=extra.get("RAPPORT_INSTAGRAM_AUTHORIZE_URL") or INSTAGRAM_AUTHORIZE_URL,
        api_base=(extra.get("RAPPORT_INSTAGRAM_API_BASE") or INSTAGRAM_API_BASE).rstrip("/"),
        graph_base=(extra.get("RAPPORT_INSTAGRAM_GRAPH_BASE") or INSTAGRAM_GRAPH_BASE).rstrip("/"),
    )


async def begin_instagram_authorization(provider: InstagramProvider, redirect_uri: str) -> AuthorizationRequest:
    return authorization_request(
        provider.authorize_url,
        {
            "client_id": provider.client_id,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "scope": provider.scopes,
        },
        pkce=False,
    )


def _long_lived(token: dict[str, Any], scopes: str) -> TokenSet:
    tokens = token_set(token, scopes)
    return TokenSet(tokens.access_token, tokens.access_token, tokens.expires_at, scopes)


def _granted(short: dict[str, Any]) -> str:
    permissions = short.get("permissions")
    if isinstance(permissions, list):
        return ",".join(str(p) for p in permissions)
    return permissions if isinstance(permissions, str) and permissions else INSTAGRAM_SCOPES


async def complete_instagram_authorization(
    provider: InstagramProvider, redirect_uri: str, *, code: str
) -> ExternalIdentity:
    short = await request_token(
        provider.label,
        f"{provider.api_base}/oauth/access_token",
        refused=code_refused(provider.label),
        data={
            "client_id": provider.client_id,
            "client_secret": provider.client_secret,
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
            "code": code,
        },
    )
    long = await request_token(
        provider.label,
        f"{provider.graph_base}/access_token",
        method="GET",
        refused=code_refused(provider.label),
        params={
            "grant_type": "ig_exchange_token",
            "client_secret": provider.client_secret,
            "access_token": short["access_token"],
        },
    )
    tokens = _long_lived(long, _granted(short))
    me = await read_api(
        provider.label,
        f"{provider.graph_base}/me",
        params={"fields": "user_id,username,followers_count,media_count", "access_token": tokens.access_token},
    )
    subject = me.get("user_id") or me.get("id")
    if not isinstance(subject, str | int) or not str(subject):
        raise OAuthFailure(f"{provider.label} did not tell us who you are. Please try again.")
    username = text(me.get("username"))
    followers = follower_count(me.get("followers_count"))
    return ExternalIdentity(
        provider=provider.name,
        subject=str(subject),
        email=None,  # Instagram does not share email addresses
        email_verified=False,
        name=None,
        preferred_username=username,
        profile_url=f"https://www.instagram.com/{username}" if username else "",
        tokens=tokens,
        followers=followers,
        followers_source="instagram api" if followers is not None else "",
    )


async def refresh_instagram_tokens(provider: InstagramProvider, long_lived_token: str) -> TokenSet:
    """A renewed long-lived token (Instagram renews tokens at least a day old and not yet expired)."""
    token = await request_token(
        provider.label,
        f"{provider.graph_base}/refresh_access_token",
        method="GET",
        refused=renewal_refused(provider.label),
        params={"grant_type": "ig_refresh_token", "access_token": long_lived_token},
    )
    return _long_lived(token, provider.scopes)
