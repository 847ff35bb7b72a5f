"""Talking to OpenID Connect providers: discovery, the authorization-code flow with PKCE, id_token checks.

Authlib's httpx client does the OAuth plumbing (Authlib has no Litestar integration, and the
session-bound state lives in shared.web.creator_auth). The id_token is verified here with the
provider's published keys (JWKS): signature, issuer, audience, expiry and the nonce we sent.
Nothing outside shared.integrations imports authlib.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError as AuthlibOAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from shared.settings import OidcProvider

HTTP_TIMEOUT = httpx.Timeout(10.0)
DISCOVERY_TTL_SECONDS = 3600
# Clocks drift; a little leeway keeps a fresh token from looking "not yet valid".
CLOCK_LEEWAY_SECONDS = 60


class OAuthFailure(Exception):
    """Sign-in with a provider failed; the message is safe and useful to show to the person."""


class ProviderUnreachable(OAuthFailure):
    """The provider could not be reached or answered garbage: worth trying again later."""


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the person, and the one-time secrets to keep server-side until they return."""

    url: str
    state: str
    nonce: str
    code_verifier: str


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str | None
    expires_at: dt.datetime | None
    scopes: str


@dataclass(frozen=True)
class ExternalIdentity:
    """Who the provider says signed in (from a verified id_token), with the tokens it issued."""

    provider: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    preferred_username: str | None
    profile_url: str
    tokens: TokenSet
    # OpenID Connect does not say how many follow someone; OAuth2 platform APIs (X) may.
    followers: int | None = None
    followers_source: str = ""


_discovery_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_jwks_cache: dict[str, tuple[float, dict[str, Any]]] = {}


async def _get_json(url: str) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
        response = await http.get(url, headers={"accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    if not isinstance(data, dict):
        raise OAuthFailure("The sign-in provider answered with something unexpected. Try again later.")
    return data


async def discover(issuer: str) -> dict[str, Any]:
    """The provider's metadata from <issuer>/.well-known/openid-configuration (cached for an hour)."""
    cached = _discovery_cache.get(issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        metadata = await _get_json(f"{issuer}/.well-known/openid-configuration")
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnreachable(
            "The sign-in provider cannot be reached right now. Try again in a few minutes."
        ) from exc
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(key), str):
            raise OAuthFailure("The sign-in provider is misconfigured (its discovery document is incomplete).")
    # Settings drop a trailing slash; some providers (Auth0) publish their issuer with one.
    if not isinstance(metadata.get("issuer"), str) or metadata["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise OAuthFailure("The sign-in provider is misconfigured (its issuer does not match the settings).")
    _discovery_cache[issuer] = (time.monotonic() + DISCOVERY_TTL_SECONDS, metadata)
    return metadata


async def _jwks(uri: str, *, refresh: bool = False) -> dict[str, Any]:
    cached = _jwks_cache.get(uri)
    if cached and cached[0] > time.monotonic() and not refresh:
        return cached[1]
    try:
        keys = await _get_json(uri)
    except (httpx.HTTPError, ValueError) as exc:
        raise OAuthFailure("The sign-in provider's keys cannot be fetched right now. Try again later.") from exc
    _jwks_cache[uri] = (time.monotonic() + DISCOVERY_TTL_SECONDS, keys)
    return keys


def _client(provider: OidcProvider, redirect_uri: str | None = None) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        scope=provider.scopes,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=HTTP_TIMEOUT,
    )


async def begin_authorization(provider: OidcProvider, redirect_uri: str) -> AuthorizationRequest:
    """The provider's authorization URL with a fresh state, nonce and PKCE (S256) challenge."""
    metadata = await discover(provider.issuer)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), generate_token(64)
    async with _client(provider, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"], state=state, code_verifier=verifier, nonce=nonce
        )
    return AuthorizationRequest(url=url, state=state, nonce=nonce, code_verifier=verifier)


def token_set(token: dict[str, Any], default_scopes: str) -> TokenSet:
    expires_at = None
    if isinstance(token.get("expires_at"), int | float):
        expires_at = dt.datetime.fromtimestamp(token["expires_at"], dt.UTC)
    elif isinstance(token.get("expires_in"), int | float):
        expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=token["expires_in"])
    return TokenSet(
        access_token=str(token.get("access_token", "")),
        refresh_token=token.get("refresh_token") or None,
        expires_at=expires_at,
        scopes=str(token.get("scope") or default_scopes),
    )


async def _verified_claims(provider: OidcProvider, metadata: dict[str, Any], id_token: str, nonce: str) -> jwt.Claims:
    registry = jwt.JWTClaimsRegistry(
        leeway=CLOCK_LEEWAY_SECONDS,
        iss={"essential": True, "value": metadata["issuer"]},  # exactly as the provider spells it
        aud={"essential": True, "value": provider.client_id},
        exp={"essential": True},
        sub={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    keys = await _jwks(metadata["jwks_uri"])
    try:
        try:
            decoded = jwt.decode(id_token, KeySet.import_key_set(keys))  # type: ignore[arg-type]
        except JoseError:
            # The provider may have rotated its keys since we cached them.
            keys = await _jwks(metadata["jwks_uri"], refresh=True)
            decoded = jwt.decode(id_token, KeySet.import_key_set(keys))  # type: ignore[arg-type]
        registry.validate(decoded.claims)
    except (JoseError, ValueError) as exc:
        raise OAuthFailure(
            "The sign-in could not be verified (the provider's answer was invalid or out of date). Please try again."
        ) from exc
    return decoded.claims


async def complete_authorization(
    provider: OidcProvider, redirect_uri: str, *, code: str, code_verifier: str, nonce: str
) -> ExternalIdentity:
    """Exchange the code for tokens and verify the id_token; OAuthFailure when anything is off."""
    metadata = await discover(provider.issuer)
    try:
        async with _client(provider, redirect_uri) as client:
            token = await client.fetch_token(
                metadata["token_endpoint"], code=code, code_verifier=code_verifier, redirect_uri=redirect_uri
            )
    except AuthlibOAuthError as exc:
        raise OAuthFailure(
            "The sign-in code was refused by the provider (it may have expired or been used already). "
            "Please start again."
        ) from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise OAuthFailure("The sign-in provider cannot be reached right now. Try again in a few minutes.") from exc
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise OAuthFailure("The sign-in provider did not say who you are (no id_token). Please try again.")
    claims = await _verified_claims(provider, metadata, id_token, nonce)
    email = claims.get("email")
    name = claims.get("name")
    username = claims.get("preferred_username") or claims.get("nickname")
    profile = claims.get("profile")
    return ExternalIdentity(
        provider=provider.name,
        subject=str(claims["sub"]),
        email=email if isinstance(email, str) and "@" in email else None,
        email_verified=claims.get("email_verified") is True,
        name=name if isinstance(name, str) and name.strip() else None,
        preferred_username=username if isinstance(username, str) and username.strip() else None,
        profile_url=profile if isinstance(profile, str) and profile.startswith("https://") else "",
        tokens=token_set(dict(token), provider.scopes),
    )


async def refresh_tokens(provider: OidcProvider, refresh_token: str) -> TokenSet:
    """New tokens from a refresh token; OAuthFailure when the provider refuses (the person must reconnect)."""
    metadata = await discover(provider.issuer)
    try:
        async with _client(provider) as client:
            token = await client.refresh_token(metadata["token_endpoint"], refresh_token=refresh_token)
    except AuthlibOAuthError as exc:
        raise OAuthFailure("The provider refused to renew access; reconnect the account.") from exc
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderUnreachable("The provider could not be reached to renew access.") from exc
    tokens = token_set(dict(token), provider.scopes)
    if not tokens.access_token:
        raise OAuthFailure("The provider did not return a new access token; reconnect the account.")
    if tokens.refresh_token is None:
        # Providers that do not rotate refresh tokens keep the old one valid.
        tokens = TokenSet(tokens.access_token, refresh_token, tokens.expires_at, tokens.scopes)
    return tokens
