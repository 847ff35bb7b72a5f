"""Who is making the request: session helpers and the Actor handed to actions."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException

from shared.audit.context import Actor
from shared.errors import NotFound
from shared.identity.queries import StaffContext
from shared.settings import OidcProvider, Settings
from shared.web.frame import get_staff_frame, remember_counts
from shared.web.middleware import request_id_of
from shared.web.sessions import SESSION_COOKIE, rotate_session_id

STAFF_SESSION_KEY = "staff_id"
_STAFF_STATE = "rapport_staff"


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    return connection.client.host if connection.client else ""


async def load_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> StaffContext | None:
    """The signed-in staff member (loaded once per request), or None."""
    state = connection.scope["state"]
    if _STAFF_STATE in state:
        return state[_STAFF_STATE]  # type: ignore[no-any-return]
    staff_id = connection.session.get(STAFF_SESSION_KEY) if "session" in connection.scope else None
    staff: StaffContext | None = None
    if isinstance(staff_id, int):
        # With the header's counts when the answer is a page, most often read with the session (shared.web.frame).
        try:
            staff, frame = await get_staff_frame(connection, staff_id)
            remember_counts(connection, frame)
        except NotFound:
            connection.session.pop(STAFF_SESSION_KEY, None)  # deactivated or deleted: sign them out
    state[_STAFF_STATE] = staff
    return staff


async def require_staff(connection: ASGIConnection[Any, Any, Any, Any]) -> StaffContext:
    staff = await load_staff(connection)
    if staff is None:
        raise NotAuthorizedException("Sign in to the back-office first.")
    return staff


def start_staff_session(connection: ASGIConnection[Any, Any, Any, Any], staff_id: int) -> None:
    rotate_session_id(connection)
    connection.session.clear()
    connection.session[STAFF_SESSION_KEY] = staff_id


# Between a correct password and the second factor (or its forced set-up) the session holds only
# this marker: no staff_id, so no guard lets it through. It lasts ten minutes.
PENDING_SIGN_IN_KEY = "staff_pending"
PENDING_SIGN_IN_SECONDS = 600


def start_pending_sign_in(
    connection: ASGIConnection[Any, Any, Any, Any], staff_id: int, step: str, next_url: str
) -> None:
    """The password was right; the person still has to give a TOTP code ('code') or set one up ('enrol')."""
    rotate_session_id(connection)
    connection.session.clear()
    connection.session[PENDING_SIGN_IN_KEY] = {"id": staff_id, "step": step, "at": int(time.time()), "next": next_url}


def pending_sign_in(connection: ASGIConnection[Any, Any, Any, Any], step: str) -> tuple[int, str] | None:
    """(staff id, where to go next) while a sign-in waits for this step and has not timed out."""
    if "session" not in connection.scope:
        return None
    pending = connection.session.get(PENDING_SIGN_IN_KEY)
    if not isinstance(pending, dict) or pending.get("step") != step or not isinstance(pending.get("id"), int):
        return None
    if int(time.time()) - int(pending.get("at", 0)) > PENDING_SIGN_IN_SECONDS:
        return None
    return pending["id"], str(pending.get("next") or "")


def current_session_key(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    return connection.cookies.get(SESSION_COOKIE)


def end_session(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """Sign out: the old session id is deleted server-side, so a copied cookie is worthless."""
    rotate_session_id(connection)
    connection.session.clear()


def anonymous_actor(connection: ASGIConnection[Any, Any, Any, Any], label: str = "anonymous") -> Actor:
    return Actor("system", None, label, client_ip(connection), request_id_of(connection.scope))


def staff_actor(connection: ASGIConnection[Any, Any, Any, Any], staff: StaffContext) -> Actor:
    return Actor("staff", staff.id, staff.email, client_ip(connection), request_id_of(connection.scope))


# --- staff single sign-on (OpenID Connect) ---------------------------------------------------------
# While a staff member is away at their provider, the state, nonce and PKCE verifier wait in the
# server-side session (one slot: a staff sign-in goes to one provider at a time) and are used once.
# The key differs from the creator flow's, so a staff and a creator provider may share a name.
STAFF_SSO_PENDING_KEY = "staff_sso_pending"
STAFF_SSO_PENDING_SECONDS = 15 * 60


def staff_sso_providers(settings: Settings) -> list[OidcProvider]:
    """The providers configured with RAPPORT_STAFF_OIDC_<NAME>_*, in the order their buttons appear."""
    return [p for p in settings.oidc_providers if p.audience == "staff"]


def staff_sso_provider(settings: Settings, name: str) -> OidcProvider | None:
    return next((p for p in staff_sso_providers(settings) if p.name == name), None)


def staff_sso_callback_url(settings: Settings, provider_name: str) -> str:
    """The redirect URI to register at the provider: BASE_URL + /backoffice/auth/<name>/callback."""
    return f"{settings.base_url}/backoffice/auth/{provider_name}/callback"


@dataclass(frozen=True)
class PendingStaffSso:
    """What we sent a staff member to their provider with; checked when they come back."""

    provider: str
    state: str
    nonce: str
    code_verifier: str
    next: str


def remember_staff_sso(connection: ASGIConnection[Any, Any, Any, Any], pending: PendingStaffSso) -> None:
    connection.session[STAFF_SSO_PENDING_KEY] = {
        "provider": pending.provider,
        "state": pending.state,
        "nonce": pending.nonce,
        "code_verifier": pending.code_verifier,
        "next": pending.next,
        "at": int(time.time()),
    }


def take_staff_sso(connection: ASGIConnection[Any, Any, Any, Any], provider: str) -> PendingStaffSso | None:
    """The pending SSO sign-in for this provider, removed so that a callback is accepted only once."""
    if "session" not in connection.scope:
        return None
    slot = connection.session.pop(STAFF_SSO_PENDING_KEY, None)
    if not isinstance(slot, dict) or slot.get("provider") != provider:
        return None
    if int(time.time()) - int(slot.get("at", 0)) > STAFF_SSO_PENDING_SECONDS:
        return None
    return PendingStaffSso(
        provider=provider,
        state=str(slot["state"]),
        nonce=str(slot["nonce"]),
        code_verifier=str(slot["code_verifier"]),
        next=str(slot.get("next", "")),
    )
