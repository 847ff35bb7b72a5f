"""Who the creator is: session helpers and the Actor for the portal (shared/web/auth.py is the staff side).

A creator session holds only `creator_id`; staff and creator sessions never mix (starting one
clears the other). While a person is away at their provider, the OAuth state, nonce and PKCE
verifier wait in the server-side session, one slot per provider, and are consumed once.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException

from shared.audit.context import Actor
from shared.creators.queries import CreatorContext
from shared.crypto import Encryptor
from shared.errors import NotFound
from shared.integrations.oauth_providers import SignInProvider, sign_in_providers
from shared.settings import Settings
from shared.web.auth import client_ip
from shared.web.frame import get_creator_frame, remember_counts
from shared.web.middleware import request_id_of
from shared.web.sessions import rotate_session_id

CREATOR_SESSION_KEY = "creator_id"
_CREATOR_STATE = "rapport_creator"
_PENDING_KEY = "oauth_pending"
# A sign-in left half-way (tab closed at the provider) is forgotten after this long.
PENDING_MAX_AGE_SECONDS = 15 * 60


def settings_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Settings:
    settings: Settings = connection.app.state["settings"]
    return settings


def creator_providers(settings: Settings) -> list[SignInProvider]:
    return sign_in_providers(settings)


def creator_provider(settings: Settings, name: str) -> SignInProvider | None:
    return next((p for p in creator_providers(settings) if p.name == name), None)


def callback_url(settings: Settings, provider_name: str) -> str:
    """The redirect URI to register at the provider: BASE_URL + /auth/<name>/callback."""
    return f"{settings.base_url}/auth/{provider_name}/callback"


def token_encryptor(settings: Settings) -> Encryptor:
    return Encryptor(settings.secret_key)


async def load_creator(connection: ASGIConnection[Any, Any, Any, Any]) -> CreatorContext | None:
    """The signed-in creator (loaded once per request), or None."""
    state = connection.scope["state"]
    if _CREATOR_STATE in state:
        return state[_CREATOR_STATE]  # type: ignore[no-any-return]
    creator_id = connection.session.get(CREATOR_SESSION_KEY) if "session" in connection.scope else None
    creator: CreatorContext | None = None
    if isinstance(creator_id, int):
        try:  # with the header's unread count when the answer is a page, most often read with the session
            creator, frame = await get_creator_frame(connection, creator_id)
            remember_counts(connection, frame)
        except NotFound:
            connection.session.pop(CREATOR_SESSION_KEY, None)  # deleted account: sign them out
    state[_CREATOR_STATE] = creator
    return creator


async def require_creator(connection: ASGIConnection[Any, Any, Any, Any]) -> CreatorContext:
    creator = await load_creator(connection)
    if creator is None:
        raise NotAuthorizedException("Sign in first.")
    return creator


SIGNED_IN_AT_KEY = "creator_signed_in_at"  # when the creator last proved who they are (contract signing needs 15 min)
SIGNED_IN_WITH_KEY = "creator_signed_in_with"  # the provider identity used, recorded with a signature


def start_creator_session(
    connection: ASGIConnection[Any, Any, Any, Any], creator_id: int, *, identity: str = ""
) -> None:
    """A fresh session id holding only the creator (any staff sign-in in this browser ends)."""
    rotate_session_id(connection)
    connection.session.clear()
    connection.session[CREATOR_SESSION_KEY] = creator_id
    connection.session[SIGNED_IN_AT_KEY] = dt.datetime.now(dt.UTC).isoformat()
    connection.session[SIGNED_IN_WITH_KEY] = identity
    connection.scope["state"].pop(_CREATOR_STATE, None)


def creator_actor(connection: ASGIConnection[Any, Any, Any, Any], creator: CreatorContext) -> Actor:
    return Actor(
        "creator",
        creator.id,
        creator.email or creator.display_name,
        client_ip(connection),
        request_id_of(connection.scope),
    )


@dataclass(frozen=True)
class PendingAuthorization:
    """What we sent a person to their provider with; checked when they come back."""

    state: str
    nonce: str
    code_verifier: str
    purpose: str  # "signin" | "link"
    next: str = ""


def remember_authorization(
    connection: ASGIConnection[Any, Any, Any, Any], provider: str, pending: PendingAuthorization
) -> None:
    slots = dict(connection.session.get(_PENDING_KEY) or {})
    slots[provider] = {
        "state": pending.state,
        "nonce": pending.nonce,
        "code_verifier": pending.code_verifier,
        "purpose": pending.purpose,
        "next": pending.next,
        "at": int(time.time()),
    }
    connection.session[_PENDING_KEY] = slots


def take_authorization(connection: ASGIConnection[Any, Any, Any, Any], provider: str) -> PendingAuthorization | None:
    """The pending authorization for this provider, removed so it can be used only once."""
    if "session" not in connection.scope:
        return None
    slots = dict(connection.session.get(_PENDING_KEY) or {})
    slot = slots.pop(provider, None)
    if slots:
        connection.session[_PENDING_KEY] = slots
    else:
        connection.session.pop(_PENDING_KEY, None)
    if not isinstance(slot, dict) or int(time.time()) - int(slot.get("at", 0)) > PENDING_MAX_AGE_SECONDS:
        return None
    return PendingAuthorization(
        state=str(slot["state"]),
        nonce=str(slot["nonce"]),
        code_verifier=str(slot["code_verifier"]),
        purpose=str(slot["purpose"]),
        next=str(slot.get("next", "")),
    )
