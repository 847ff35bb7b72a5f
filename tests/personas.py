"""Acting as a signed-in person without walking the sign-in pages (those have their own tests).

The session is a real row in the real session store, exactly what a completed sign-in leaves
behind, so guards, CSRF and every handler run as they do in production.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx

from shared.web.sessions import SESSION_COOKIE, PostgresSessionStore


async def _start_session(client: httpx.AsyncClient, data: dict[str, int]) -> None:
    key = secrets.token_hex(32)
    await PostgresSessionStore().set(key, json.dumps(data).encode(), expires_in=3600)
    client.cookies.delete(SESSION_COOKIE)
    client.cookies.set(SESSION_COOKIE, key)


async def act_as_staff(client: httpx.AsyncClient, staff_id: int) -> None:
    """The client is now this staff member, signed in (second factor done where required)."""
    await _start_session(client, {"staff_id": staff_id})


async def act_as_creator(client: httpx.AsyncClient, creator_id: int) -> None:
    """The client is now this creator, signed in through their provider."""
    await _start_session(client, {"creator_id": creator_id})


async def sign_in_browser(page: Any, base_url: str, data: dict[str, int]) -> None:
    """The same for a Playwright page: its context gets the session cookie (`data` as in `_start_session`)."""
    key = secrets.token_hex(32)
    await PostgresSessionStore().set(key, json.dumps(data).encode(), expires_in=3600)
    await page.context.add_cookies([{"name": SESSION_COOKIE, "value": key, "url": base_url}])
