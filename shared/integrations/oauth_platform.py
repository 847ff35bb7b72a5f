"""What the OAuth 2.0 platforms (X, Instagram, TikTok) share: PKCE, token requests, API reads, refusals.

None of them speaks OpenID Connect, and each bends OAuth 2.0 its own way (TikTok says
`client_key`, Instagram has no refresh token and answers errors in its own shape), so they
talk plain HTTP through these helpers rather than through a generic OAuth client. A refusal
(HTTP 4xx or an `error` in the answer) is an OAuthFailure; a network error or a 5xx is
ProviderUnreachable, worth trying again later.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

import httpx

from shared.integrations.oauth import (
    HTTP_TIMEOUT,
    AuthorizationRequest,
    OAuthFailure,
    ProviderUnreachable,
    TokenSet,
    token_set,
)


def authorization_request(authorize_url: str, params: dict[str, str], *, pkce: bool = True) -> AuthorizationRequest:
    """The authorize URL with `params`, a fresh state and (unless the platform has none) a PKCE S256 challenge."""
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(48) if pkce else ""
    query = {**params, "state": state}
    if pkce:
        digest = hashlib.sha256(verifier.encode()).digest()
        query["code_challenge"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        query["code_challenge_method"] = "S256"
    separator = "&" if "?" in authorize_url else "?"
    return AuthorizationRequest(
        url=f"{authorize_url}{separator}{urlencode(query)}", state=state, nonce="", code_verifier=verifier
    )


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def request_token(
    label: str,
    url: str,
    *,
    refused: str,
    method: str = "POST",
    data: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A token endpoint's answer (it holds an access_token); OAuthFailure(`refused`) when the platform says no."""
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            response = await http.request(
                method, url, data=data, params=params, auth=auth, headers={"accept": "application/json"}
            )
    except httpx.HTTPError as exc:
        raise ProviderUnreachable(f"{label} cannot be reached right now. Try again in a few minutes.") from exc
    if response.status_code >= 500:
        raise ProviderUnreachable(f"{label} cannot be reached right now. Try again in a few minutes.")
    body = _json_object(response)
    # Some platforms (TikTok) answer a refusal with 200 and an `error` member.
    if response.status_code != 200 or body is None or body.get("error"):
        raise OAuthFailure(refused)
    if not isinstance(body.get("access_token"), str) or not body["access_token"]:
        raise OAuthFailure(f"{label} did not return an access token. Please start again.")
    return body


async def read_api(
    label: str, url: str, *, params: dict[str, str] | None = None, bearer: str | None = None
) -> dict[str, Any]:
    """A JSON object from a platform API read; OAuthFailure when the platform does not answer with one."""
    headers = {"accept": "application/json"}
    if bearer is not None:
        headers["authorization"] = f"Bearer {bearer}"
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT) as http:
            response = await http.get(url, params=params, headers=headers)
    except httpx.HTTPError as exc:
        raise ProviderUnreachable(f"{label} cannot be reached right now. Try again in a few minutes.") from exc
    body = _json_object(response)
    if response.status_code != 200 or body is None:
        raise OAuthFailure(f"{label} did not tell us who you are. Please try again.")
    return body


def code_refused(label: str) -> str:
    return f"The sign-in code was refused by {label} (it may have expired or been used already). Please start again."


def renewal_refused(label: str) -> str:
    return f"{label} refused to renew access; reconnect the account."


def renewed(token: dict[str, Any], scopes: str, previous_refresh_token: str) -> TokenSet:
    """Renewed tokens; a platform that rotates refresh tokens (TikTok) sends a new one, which must be kept."""
    tokens = token_set(token, scopes)
    if tokens.refresh_token:
        return tokens
    return TokenSet(tokens.access_token, previous_refresh_token, tokens.expires_at, tokens.scopes)


def follower_count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
