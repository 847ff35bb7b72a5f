"""Every creator sign-in provider behind one interface: OpenID Connect ones and the OAuth2 platforms.

The platforms (X, Instagram, TikTok) share their plumbing in oauth_platform.py; Google, an
OpenID Connect provider, may add YouTube statistics (oauth_youtube.py).
"""

from __future__ import annotations

from shared.integrations.oauth import (
    AuthorizationRequest,
    ExternalIdentity,
    TokenSet,
    begin_authorization,
    complete_authorization,
    refresh_tokens,
)
from shared.integrations.oauth_instagram import (
    InstagramProvider,
    begin_instagram_authorization,
    complete_instagram_authorization,
    instagram_provider,
    refresh_instagram_tokens,
)
from shared.integrations.oauth_tiktok import (
    TikTokProvider,
    begin_tiktok_authorization,
    complete_tiktok_authorization,
    refresh_tiktok_tokens,
    tiktok_provider,
)
from shared.integrations.oauth_x import (
    XProvider,
    begin_x_authorization,
    complete_x_authorization,
    refresh_x_tokens,
    x_provider,
)
from shared.integrations.oauth_youtube import GoogleProvider, add_youtube_statistics, with_youtube
from shared.settings import OidcProvider, Settings

PlatformProvider = XProvider | InstagramProvider | TikTokProvider
SignInProvider = OidcProvider | PlatformProvider


def sign_in_providers(settings: Settings) -> list[SignInProvider]:
    """Creator sign-in providers, in the order their buttons appear."""
    providers: list[SignInProvider] = [
        with_youtube(settings, p) for p in settings.oidc_providers if p.audience == "creator"
    ]
    platforms: list[PlatformProvider | None] = [
        x_provider(settings),
        instagram_provider(settings),
        tiktok_provider(settings),
    ]
    for platform in platforms:
        # An OpenID Connect provider configured under the same name wins.
        if platform is not None and all(p.name != platform.name for p in providers):
            providers.append(platform)
    return providers


async def start_sign_in(provider: SignInProvider, redirect_uri: str) -> AuthorizationRequest:
    if isinstance(provider, OidcProvider):
        return await begin_authorization(provider, redirect_uri)
    if isinstance(provider, InstagramProvider):
        return await begin_instagram_authorization(provider, redirect_uri)
    if isinstance(provider, TikTokProvider):
        return await begin_tiktok_authorization(provider, redirect_uri)
    return await begin_x_authorization(provider, redirect_uri)


async def finish_sign_in(
    provider: SignInProvider, redirect_uri: str, *, code: str, code_verifier: str, nonce: str
) -> ExternalIdentity:
    if isinstance(provider, OidcProvider):
        identity = await complete_authorization(
            provider, redirect_uri, code=code, code_verifier=code_verifier, nonce=nonce
        )
        return await add_youtube_statistics(provider, identity) if isinstance(provider, GoogleProvider) else identity
    if isinstance(provider, InstagramProvider):
        return await complete_instagram_authorization(provider, redirect_uri, code=code)
    if isinstance(provider, TikTokProvider):
        return await complete_tiktok_authorization(provider, redirect_uri, code=code, code_verifier=code_verifier)
    return await complete_x_authorization(provider, redirect_uri, code=code, code_verifier=code_verifier)


async def renew_tokens(provider: SignInProvider, refresh_token: str) -> TokenSet:
    if isinstance(provider, OidcProvider):
        return await refresh_tokens(provider, refresh_token)
    if isinstance(provider, InstagramProvider):
        return await refresh_instagram_tokens(provider, refresh_token)
    if isinstance(provider, TikTokProvider):
        return await refresh_tiktok_tokens(provider, refresh_token)
    return await refresh_x_tokens(provider, refresh_token)
