"""Sign-in with TikTok (Login Kit v2: OAuth 2.0 with PKCE; TikTok speaks no OpenID Connect).

Configured from RAPPORT_TIKTOK_CLIENT_KEY and RAPPORT_TIKTOK_CLIENT_SECRET, optionally
RAPPORT_TIKTOK_LABEL; RAPPORT_TIKTOK_AUTHORIZE_URL and RAPPORT_TIKTOK_API_BASE point it at a
stand-in in tests. TikTok calls the client id `client_key` and takes comma-separated scopes.
Who signed in (open_id) and the follower count come from GET /v2/user/info/, asking only for
the fields the granted scopes allow. TikTok rotates
refresh tokens: every renewal answers with a new one, which replaces the stored one.
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
    renewed,
    request_token,
    text,
)
from shared.settings import Settings

TIKTOK_AUTHORIZE_URL = "https://www.tiktok.com/v2/auth/authorize/"
TIKTOK_API_BASE = "https://open.tiktokapis.com"
TIKTOK_SCOPES = "user.info.basic,user.info.stats"
# The user fields each scope unlocks. TikTok refuses the whole read (scope_not_authorized) if one
# field's scope was not granted, and people can untick scopes, so only granted fields are asked for.
# `username` needs user.info.profile, which we do not ask for: it is read when an app is granted it.
FIELDS_BY_SCOPE = {
    "user.info.basic": ("open_id", "union_id", "display_name"),
    "user.info.profile": ("username",),
    "user.info.stats": ("follower_count",),
}
LABEL = "TikTok"


@dataclass(frozen=True)
class TikTokProvider:
    client_key: str
    client_secret: str
    label: str = LABEL
    authorize_url: str = TIKTOK_AUTHORIZE_URL
    api_base: str = TIKTOK_API_BASE
    scopes: str = TIKTOK_SCOPES
    name: str = "tiktok"
    audience: str = "creator"

    @property
    def token_url(self) -> str:
        return f"{self.api_base}/v2/oauth/token/"


def tiktok_provider(settings: Settings) -> TikTokProvider | None:
    """The TikTok provider when RAPPORT_TIKTOK_CLIENT_KEY and _CLIENT_SECRET are set."""
    extra = settings.extra
    client_key, client_secret = (
        extra.get("RAPPORT_TIKTOK_CLIENT_KEY", ""),
        extra.get("RAPPORT_TIKTOK_CLIENT_SECRET", ""),
    )
    if not client_key or not client_secret:
        return None
    return TikTokProvider(
        client_key=client_key,
        client_secret=client_secret,
        label=extra.get("RAPPORT_TIKTOK_LABEL") or LABEL,
        authorize_url=extra.get("RAPPORT_TIKTOK_AUTHORIZE_URL") or TIKTOK_AUTHORIZE_URL,
        api_base=(extra.get("RAPPORT_TIKTOK_API_BASE") or TIKTOK_API_BASE).rstrip("/"),
    )


async def begin_tiktok_authorization(provider: TikTokProvider, redirect_uri: str) -> AuthorizationRequest:
    return authorization_request(
        provider.authorize_url,
        {
            "client_key": provider.client_key,
            "response_type": "code",
            "scope": provider.scopes,
            "redirect_uri": redirect_uri,
        },
    )


def _fields(granted: str) -> str:
    scopes = {scope.strip() for scope in granted.split(",")}
    return ",".join(field for scope, fields in FIELDS_BY_SCOPE.items() if scope in scopes for field in fields)


async def complete_tiktok_authorization(
    provider: TikTokProvider, redirect_uri: str, *, code: str, code_verifier: str
) -> ExternalIdentity:
    token = await request_token(
        provider.label,
        provider.token_url,
        refused=code_refused(provider.label),
        data={
            "client_key": provider.client_key,
            "client_secret": provider.client_secret,
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        },
    )
    body = await read_api(
        provider.label,
        f"{provider.api_base}/v2/user/info/",
        params={"fields": _fields(str(token.get("scope") or provider.scopes))},
        bearer=token["access_token"],
    )
    error: Any = body.get("error")
    data: Any = body.get("data")
    user: Any = data.get("user") if isinstance(data, dict) else None
    if not isinstance(error, dict) or error.get("code") != "ok" or not isinstance(user, dict):
        raise OAuthFailure(f"{provider.label} did not tell us who you are. Please try again.")
    open_id = text(user.get("open_id")) or text(token.get("open_id"))
    if open_id is None:
        raise OAuthFailure(f"{provider.label} did not tell us who you are. Please try again.")
    username = text(user.get("username"))
    followers = follower_count(user.get("follower_count"))
    return ExternalIdentity(
        provider=provider.name,
        subject=open_id,
        email=None,  # TikTok does not share email addresses
        email_verified=False,
        name=text(user.get("display_name")),
        # Without user.info.profile there is no username: the display name stands in as the handle.
        preferred_username=username or text(user.get("display_name")),
        profile_url=f"https://www.tiktok.com/@{username}" if username else "",
        tokens=token_set(token, provider.scopes),
        followers=followers,
        followers_source="tiktok api" if followers is not None else "",
    )


async def refresh_tiktok_tokens(provider: TikTokProvider, refresh_token: str) -> TokenSet:
    token = await request_token(
        provider.label,
        provider.token_url,
        refused=renewal_refused(provider.label),
        data={
            "client_key": provider.client_key,
            "client_secret": provider.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        },
    )
    return renewed(token, provider.scopes, refresh_token)
