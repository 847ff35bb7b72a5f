"""Creator sign-in with OpenID Connect providers: start, callback, sign-out.

The redirect URI to register at each provider is BASE_URL + /auth/<name>/callback
(docs/identity-creators.md). A callback that is not the answer to the request this browser
started — wrong or reused state, a provider error, a bad code or id_token — shows a page
saying so (400) and changes nothing.
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from portal.join import JOIN_TOKEN_KEY, claim_pending_join
from shared.creators.actions import do_link_social_identity, do_sign_in_creator
from shared.errors import InvalidInput, PermissionDenied
from shared.integrations.oauth import OAuthFailure
from shared.integrations.oauth_providers import SignInProvider, finish_sign_in, start_sign_in
from shared.web.auth import anonymous_actor, end_session
from shared.web.creator_auth import (
    PendingAuthorization,
    callback_url,
    creator_actor,
    creator_provider,
    load_creator,
    remember_authorization,
    settings_of,
    start_creator_session,
    take_authorization,
    token_encryptor,
)
from shared.web.guards import allow_anyone

HOME = "/home"
ONBOARDING = "/welcome"


def safe_next(target: str | None) -> str:
    """Only portal paths on this site: an open redirect after sign-in is a phishing tool."""
    if not target or not target.startswith("/") or target.startswith(("//", "/backoffice", "/auth/")):
        return HOME
    # Browsers drop tabs and newlines and read "\\" as "/": "/\tevil.example" would leave the site.
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 for ch in target):
        return HOME
    return target


def _provider(request: Request[Any, Any, Any], name: str) -> SignInProvider:
    provider = creator_provider(settings_of(request), name)
    if provider is None:
        raise NotFoundException("No such sign-in provider.")
    return provider


def failure_page(message: str, *, provider: SignInProvider | None = None, status: int = 400) -> Template:
    return Template(
        "portal/auth_failed.html",
        context={"message": message, "provider": provider},
        status_code=status,
    )


async def start_authorization(
    request: Request[Any, Any, Any], provider: SignInProvider, *, purpose: str, next_url: str = ""
) -> Template | Redirect:
    """Send the person to their provider, remembering state, nonce and PKCE verifier in the session."""
    try:
        authorization = await start_sign_in(provider, callback_url(settings_of(request), provider.name))
    except OAuthFailure as exc:
        return failure_page(str(exc), provider=provider, status=503)
    remember_authorization(
        request,
        provider.name,
        PendingAuthorization(
            state=authorization.state,
            nonce=authorization.nonce,
            code_verifier=authorization.code_verifier,
            purpose=purpose,
            next=next_url,
        ),
    )
    return Redirect(authorization.url, status_code=303)


@get("/auth/{provider:str}/signin", guards=[allow_anyone], name="portal:oauth_start")
async def oauth_start(
    request: Request[Any, Any, Any], provider: FromPath[str], next: FromQuery[str | None] = None
) -> Template | Redirect:
    return await start_authorization(request, _provider(request, provider), purpose="signin", next_url=safe_next(next))


@get("/auth/{provider:str}/callback", guards=[allow_anyone], name="portal:oauth_callback")
async def oauth_callback(request: Request[Any, Any, Any], provider: FromPath[str]) -> Template | Redirect:
    config = _provider(request, provider)
    pending = take_authorization(request, config.name)
    params = request.query_params  # `state` is a reserved handler argument name in Litestar
    returned_state = params.get("state") or ""
    # A provider's error needs no state check to be shown: it signs nobody in and changes nothing
    # (some providers leave state out of error answers).
    if error := params.get("error"):
        if error == "access_denied":
            message = f"You cancelled signing in with {config.label}. Nothing was changed."
        else:
            code_name = error if error.replace("_", "").isalpha() and len(error) <= 40 else "unknown error"
            message = f"{config.label} could not sign you in ({code_name}). Please try again."
        return failure_page(message, provider=config)
    if pending is None or not secrets.compare_digest(returned_state.encode(), pending.state.encode()):
        return failure_page(
            "This sign-in link has expired or was already used, or it was started in another browser. "
            "Please start again.",
            provider=config,
        )
    code = params.get("code")
    if not code:
        return failure_page(f"{config.label} did not send a sign-in code. Please start again.", provider=config)
    try:
        identity = await finish_sign_in(
            config,
            callback_url(settings_of(request), config.name),
            code=code,
            code_verifier=pending.code_verifier,
            nonce=pending.nonce,
        )
    except OAuthFailure as exc:
        return failure_page(str(exc), provider=config)
    encryptor = token_encryptor(settings_of(request))
    if pending.purpose == "link":
        creator = await load_creator(request)
        if creator is None:
            return failure_page("Sign in again, then link the account from the Accounts page.", provider=config)
        try:
            await do_link_social_identity(creator_actor(request, creator), creator.id, identity, encryptor)
        except PermissionDenied as exc:
            flash(request, str(exc), category="error")
            return Redirect("/accounts", status_code=303)
        flash(request, f"Your {config.label} account is linked. You can sign in with it too.", category="success")
        return Redirect("/accounts", status_code=303)
    try:
        result = await do_sign_in_creator(
            anonymous_actor(request, f"{config.name}:{identity.subject}"), identity, encryptor
        )
    except InvalidInput as exc:
        return failure_page(str(exc), provider=config)
    join_token = request.session.get(JOIN_TOKEN_KEY)  # read before the new session clears it
    start_creator_session(
        request, result.creator_id, identity=f"{config.name}:{identity.preferred_username or identity.subject}"
    )
    await claim_pending_join(request, join_token)  # came from a brand's invitation link: claim it
    if not result.onboarded:
        return Redirect(ONBOARDING, status_code=303)
    return Redirect(safe_next(pending.next), status_code=303)


@post("/signout", guards=[allow_anyone], status_code=303, name="portal:signout")
async def signout(request: Request[Any, Any, Any]) -> Redirect:
    end_session(request)
    flash(request, "You are signed out.", category="info")
    return Redirect("/signin", status_code=303)
