"""Staff single sign-on with OpenID Connect: start and callback (docs/identity-staff.md).

The redirect URI to register at each provider is BASE_URL + /backoffice/auth/<name>/callback.
SSO replaces only the password: the TOTP step that follows is the same (backoffice/auth.py).
A callback that is not the answer to the request this browser started — wrong or reused state,
a provider error, a bad code or id_token — shows a page saying so (400) and signs nobody in.
"""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from backoffice.auth import continue_after_first_factor, safe_next
from backoffice.deps import settings_of
from shared.identity.actions import SsoRefused, check_staff_sso_sign_in, do_record_staff_sso_failure
from shared.integrations.oauth import OAuthFailure, begin_authorization, complete_authorization
from shared.settings import OidcProvider
from shared.web.auth import (
    PendingStaffSso,
    anonymous_actor,
    remember_staff_sso,
    staff_sso_callback_url,
    staff_sso_provider,
    take_staff_sso,
)
from shared.web.guards import allow_anyone


def _provider(request: Request[Any, Any, Any], name: str) -> OidcProvider:
    provider = staff_sso_provider(settings_of(request), name)
    if provider is None:
        raise NotFoundException("No such sign-in provider.")
    return provider


def _failure_page(provider: OidcProvider, message: str, status: int = 400) -> Template:
    return Template(
        "backoffice/auth_sso_failed.html", context={"message": message, "provider": provider}, status_code=status
    )


async def _refuse(request: Request[Any, Any, Any], provider: OidcProvider, message: str) -> Template:
    actor = anonymous_actor(request, f"sso:{provider.name}")
    await do_record_staff_sso_failure(actor, provider=provider.name, reason=message)
    return _failure_page(provider, message)


@get("/auth/{provider:str}/signin", guards=[allow_anyone], name="backoffice:sso_start")
async def sso_start(
    request: Request[Any, Any, Any], provider: FromPath[str], next: FromQuery[str | None] = None
) -> Template | Redirect:
    config = _provider(request, provider)
    try:
        authorization = await begin_authorization(config, staff_sso_callback_url(settings_of(request), config.name))
    except OAuthFailure as exc:
        return _failure_page(config, str(exc), status=503)
    remember_staff_sso(
        request,
        PendingStaffSso(
            provider=config.name,
            state=authorization.state,
            nonce=authorization.nonce,
            code_verifier=authorization.code_verifier,
            next=safe_next(next),
        ),
    )
    return Redirect(authorization.url, status_code=303)


@get("/auth/{provider:str}/callback", guards=[allow_anyone], name="backoffice:sso_callback")
async def sso_callback(request: Request[Any, Any, Any], provider: FromPath[str]) -> Template | Redirect:
    config = _provider(request, provider)
    pending = take_staff_sso(request, config.name)
    params = request.query_params  # `state` is a reserved handler argument name in Litestar
    if error := params.get("error"):
        if error == "access_denied":
            return await _refuse(request, config, f"You cancelled signing in with {config.label}.")
        code_name = error if error.replace("_", "").isalpha() and len(error) <= 40 else "unknown error"
        return await _refuse(request, config, f"{config.label} could not sign you in ({code_name}). Please try again.")
    returned_state = params.get("state") or ""
    if pending is None or not secrets.compare_digest(returned_state.encode(), pending.state.encode()):
        return await _refuse(
            request,
            config,
            "This sign-in link has expired or was already used, or it was started in another browser. "
            "Please start again.",
        )
    code = params.get("code")
    if not code:
        return await _refuse(request, config, f"{config.label} did not send a sign-in code. Please start again.")
    try:
        identity = await complete_authorization(
            config,
            staff_sso_callback_url(settings_of(request), config.name),
            code=code,
            code_verifier=pending.code_verifier,
            nonce=pending.nonce,
        )
    except OAuthFailure as exc:
        return await _refuse(request, config, str(exc))
    try:
        staff_id = await check_staff_sso_sign_in(
            anonymous_actor(request, f"{config.name}:{identity.subject}"[:320]),
            provider=config.name,
            subject=identity.subject,
            email=identity.email,
            email_verified=identity.email_verified,
        )
    except SsoRefused as exc:
        return _failure_page(config, str(exc))
    return await continue_after_first_factor(request, staff_id, safe_next(pending.next))
