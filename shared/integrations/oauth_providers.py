"""Every creator sign-in provider behind one interface: OpenID Connect ones and the OAuth2 platforms (X)."""

from __future__ import annotations

from shared.integrations.oauth import (
    AuthorizationRequest,
    ExternalIdentity,
    TokenSet,
    begin_authorization,
    complete_authorization,
    refresh_tokens,
)
from shared.integrations.oauth_x import (
    XProvider,
    begin_x_authorization,
    complete_x_authorization,
    refresh_x_tokens,
    x_provider,
)
from shared.settings import OidcProvider, Settings

SignInProvider = OidcProvider | XProvider


def sign_in_providers(settings: Settings) -> list[SignInProvider]:
    """Creator sign-in providers, in the order their buttons appear."""
    providers: list[SignInProvider] = [p for p in settings.oidc_providers if p.audience == "creator"]
    if (x := x_provider(settings)) is not None and all(p.name != x.name for p in providers):
        providers.append(x)
    return providers


async def start_sign_in(provider: SignInProvider, redirect_uri: str) -> AuthorizationRequest:
    if isinstance(provider, OidcProvider):
        return await begin_authorization(provider, redirect_uri)
    return await begin_x_authorization(provider, redirect_uri)


async def finish_sign_in(
    provider: SignInProvider, redirect_uri: str, *, code: str, code_verifier: str, nonce: str
) -> ExternalIdentity:
    if isinstance(provider, OidcProvider):
        return await complete_authorization(provider, redirect_uri, code=code, code_verifier=code_verifier, nonce=nonce)
    return await complete_x_authorization(provider, redirect_uri, code=code, code_verifier=code_verifier)


async def renew_tokens(provider: SignInProvider, refresh_token: str) -> TokenSet:
    if isinstance(provider, OidcProvider):
        return await refresh_tokens(provider, refresh_token)
    return await refresh_x_tokens(provider, refresh_token)
