"""Sign-in with X (OAuth 2.0 authorization code + PKCE; X speaks no OpenID Connect).

Configured from RAPPORT_X_CLIENT_ID (and RAPPORT_X_CLIENT_SECRET for confidential clients),
optionally RAPPORT_X_LABEL; RAPPORT_X_AUTHORIZE_URL and RAPPORT_X_API_BASE point it at a
stand-in in tests. Who signed in comes from GET /2/users/me with the access token, which also
gives the follower count (public_metrics), so X accounts show real numbers.
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

X_AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
X_API_BASE = "https://api.x.com"
X_SCOPES = "users.read tweet.read offline.access"


@dataclass(frozen=True)
class XProvider:
    client_id: str
    client_secret: str  # "" for a public client (PKCE alone)
    label: str = "X"
    authorize_url: str = X_AUTHORIZE_URL
    api_base: str = X_API_BASE
    scopes: str = X_SCOPES
    name: str = "x"
    audience: str = "creator"

    @property
    def token_url(self) -> str:
        return f"{self.api_base}/2/oauth2/token"


def x_provider(settings: Settings) -> XProvider | None:
    """The X provider when RAPPORT_X_CLIENT_ID is set."""
    extra = settings.extra
    client_id = extra.get("RAPPORT_X_CLIENT_ID", "")
    if not client_id:
        return None
    return XProvider(
        client_id=client_id,
        client_secret=extra.get("RAPPORT_X_CLIENT_SECRET", ""),
        label=extra.get("RAPPORT_X_LABEL") or "X",
        authorize_url=extra.get("RAPPORT_X_AUTHORIZE_URL") or X_AUTHORIZE_URL,
        api_base=(extra.get("RAPPORT_X_API_BASE") or X_API_BASE).rstrip("/"),
    )


async def begin_x_authorization(provider: XProvider, redirect_uri: str) -> AuthorizationRequest:
    return authorization_request(
        provider.authorize_url,
        {
            "response_type": "code",
            "client_id": provider.client_id,
            "redirect_uri": redirect_uri,
            "scope": provider.scopes,
        },
    )


def _auth(provider: XProvider) -> tuple[str, str] | None:
    # X wants HTTP Basic for confidential clients and the client_id in the body for public ones.
    return (provider.client_id, provider.client_secret) if provider.client_secret else None


async def complete_x_authorization(
    provider: XProvider, redirect_uri: str, *, code: str, code_verifier: str
) -> ExternalIdentity:
    token = await request_token(
        "X",
        provider.token_url,
        refused=code_refused("X"),
        auth=_auth(provider),
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
            "client_id": provider.client_id,
        },
    )
    body = await read_api(
        "X",
        f"{provider.api_base}/2/users/me",
        params={"user.fields": "public_metrics,name,username"},
        bearer=token["access_token"],
    )
    data: Any = body.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise OAuthFailure("X did not tell us who you are. Please try again.")
    metrics: Any = data.get("public_metrics")
    followers = follower_count(metrics.get("followers_count") if isinstance(metrics, dict) else None)
    username = text(data.get("username"))
    return ExternalIdentity(
        provider=provider.name,
        subject=data["id"],
        email=None,  # X's OAuth 2.0 API does not share email addresses
        email_verified=False,
        name=text(data.get("name")),
        preferred_username=username,
        profile_url=f"https://x.com/{username}" if username else "",
        tokens=token_set(token, provider.scopes),
        followers=followers,
        followers_source="x api" if followers is not None else "",
    )


async def refresh_x_tokens(provider: XProvider, refresh_token: str) -> TokenSet:
    token = await request_token(
        "X",
        provider.token_url,
        refused=renewal_refused("X"),
        auth=_auth(provider),
        data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": provider.client_id},
    )
    return renewed(token, provider.scopes, refresh_token)
