"""Sign-in with X (OAuth 2.0 authorization code + PKCE; X speaks no OpenID Connect).

Configured from RAPPORT_X_CLIENT_ID (and RAPPORT_X_CLIENT_SECRET for confidential clients),
optionally RAPPORT_X_LABEL; RAPPORT_X_AUTHORIZE_URL and RAPPORT_X_API_BASE point it at a
stand-in in tests. Who signed in comes from GET /2/users/me with the access token, which also
gives the follower count (public_metrics), so X accounts show real numbers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError as AuthlibOAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client

from shared.integrations.oauth import (
    HTTP_TIMEOUT,
    AuthorizationRequest,
    ExternalIdentity,
    OAuthFailure,
    ProviderUnreachable,
    TokenSet,
    token_set,
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


def _client(provider: XProvider, redirect_uri: str | None = None) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret or None,
        scope=provider.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        # X wants HTTP Basic for confidential clients and the client_id in the body for public ones.
        token_endpoint_auth_method="client_secret_basic" if provider.client_secret else "none",
        timeout=HTTP_TIMEOUT,
    )


async def begin_x_authorization(provider: XProvider, redirect_uri: str) -> AuthorizationRequest:
    state, verifier = secrets.token_urlsafe(32), generate_token(64)
    async with _client(provider, redirect_uri) as client:
        url, _ = client.create_authorization_url(provider.authorize_url, state=state, code_verifier=verifier)
    return AuthorizationRequest(url=url, state=state, nonce="", code_verifier=verifier)


async def complete_x_authorization(
    provider: XProvider, redirect_uri: str, *, code: str, code_verifier: str
) -> ExternalIdentity:
    try:
        async with _client(provider, redirect_uri) as client:
            token = await client.fetch_token(
                provider.token_url,
                code=code,
                code_verifier=code_verifier,
                redirect_uri=redirect_uri,
                client_id=provider.client_id,
            )
            response = await client.get(
                f"{provider.api_base}/2/users/me", params={"user.fields": "public_metrics,name,username"}
            )
    except AuthlibOAuthError as exc:
        raise OAuthFailure(
            "The sign-in code was refused by X (it may have expired or been used already). Please start again."
        ) from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnreachable("X cannot be reached right now. Try again in a few minutes.") from exc
    if response.status_code != 200:
        raise OAuthFailure("X did not tell us who you are. Please try again.")
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    data: Any = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise OAuthFailure("X did not tell us who you are. Please try again.")
    metrics: Any = data.get("public_metrics")
    if not isinstance(metrics, dict):
        metrics = {}
    followers = metrics.get("followers_count")
    username = data.get("username") if isinstance(data.get("username"), str) else None
    return ExternalIdentity(
        provider=provider.name,
        subject=data["id"],
        email=None,  # X's OAuth 2.0 API does not share email addresses
        email_verified=False,
        name=data.get("name") if isinstance(data.get("name"), str) else None,
        preferred_username=username,
        profile_url=f"https://x.com/{username}" if username else "",
        tokens=token_set(dict(token), provider.scopes),
        followers=followers if isinstance(followers, int) and followers >= 0 else None,
        followers_source="x api" if isinstance(followers, int) else "",
    )


async def refresh_x_tokens(provider: XProvider, refresh_token: str) -> TokenSet:
    try:
        async with _client(provider) as client:
            token = await client.refresh_token(
                provider.token_url, refresh_token=refresh_token, client_id=provider.client_id
            )
    except AuthlibOAuthError as exc:
        raise OAuthFailure("X refused to renew access; reconnect the account.") from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnreachable("X could not be reached to renew access.") from exc
    tokens = token_set(dict(token), provider.scopes)
    if not tokens.access_token:
        raise OAuthFailure("X did not return a new access token; reconnect the account.")
    return (
        tokens
        if tokens.refresh_token
        else TokenSet(tokens.access_token, refresh_token, tokens.expires_at, tokens.scopes)
    )
