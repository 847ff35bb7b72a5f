"""Server-side sessions in PostgreSQL: expiry, revocation, survival across app instances."""

import asyncio

import httpx

from app import create_app
from shared.db.tables import WebSession
from shared.identity.sessions import delete_expired_sessions
from shared.settings import Settings
from shared.web.sessions import PostgresSessionStore
from tests.conftest import Cast, app_client, sign_in_staff


async def test_it_stores_and_expires_session_data(client: httpx.AsyncClient) -> None:
    store = PostgresSessionStore()
    await store.set("k1", b"data", expires_in=60)
    assert await store.get("k1") == b"data"
    assert await store.exists("k1")
    assert 55 <= (await store.expires_in("k1") or 0) <= 60
    await store.set("k2", b"old", expires_in=-1)
    assert await store.get("k2") is None
    assert await delete_expired_sessions() == 1
    await store.delete("k1")
    assert await store.get("k1") is None


async def test_it_slides_the_expiry_only_when_half_used(client: httpx.AsyncClient) -> None:
    store = PostgresSessionStore()
    await store.set("fresh", b"x", expires_in=100)
    await store.get("fresh", renew_for=100)
    assert (await store.expires_in("fresh") or 0) <= 100
    await store.set("aging", b"x", expires_in=10)
    await store.get("aging", renew_for=100)
    assert (await store.expires_in("aging") or 0) > 90


async def test_it_keeps_sessions_across_app_instances(settings: Settings, cast: Cast, live_server: str) -> None:
    """Signed in through one app instance, the cookie works on another process (the live server)."""
    async with app_client(create_app(settings)) as first:
        await sign_in_staff(first, "bob@acme.test")
        cookie = first.cookies["rapport_session"]
    async with httpx.AsyncClient(base_url=live_server, cookies={"rapport_session": cookie}) as other:
        response = await other.get("/backoffice/")
    assert response.status_code == 200
    assert "Acme" in response.text


async def test_it_rotates_the_session_id_at_sign_in(client: httpx.AsyncClient, cast: Cast) -> None:
    await sign_in_staff(client, "bob@acme.test")
    first = client.cookies["rapport_session"]
    # Signing in again (as someone else, on the same browser) must not reuse the id.
    page = await client.get("/backoffice/signin?next=/backoffice/b/acme", follow_redirects=False)
    assert page.status_code == 302
    client.cookies.delete("rapport_csrf")
    await sign_in_staff(client, "fran@acme.test")
    second = client.cookies["rapport_session"]
    assert first != second
    assert not await WebSession.exists().where(WebSession.key == first)


async def test_it_revokes_the_session_on_sign_out(client: httpx.AsyncClient, cast: Cast) -> None:
    await sign_in_staff(client, "bob@acme.test")
    stolen = client.cookies["rapport_session"]
    home = await client.get("/backoffice/")
    token = home.text.split('name="_csrf_token" value="')[1].split('"')[0]
    response = await client.post("/backoffice/signout", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    client.cookies.set("rapport_session", stolen)
    again = await client.get("/backoffice/", follow_redirects=False)
    assert again.status_code == 302  # back to sign-in: the old cookie is worthless
    assert not await WebSession.exists().where(WebSession.key == stolen)


async def test_it_lets_concurrent_requests_share_one_session(client: httpx.AsyncClient, cast: Cast) -> None:
    await sign_in_staff(client, "bob@acme.test")
    responses = await asyncio.gather(*(client.get("/backoffice/") for _ in range(5)))
    assert {r.status_code for r in responses} == {200}


def test_the_renewed_cookie_is_the_one_litestar_would_build() -> None:
    """The Set-Cookie every signed-in response sends is made from a cached tail; byte for byte Litestar's own."""
    from litestar.datastructures import Cookie

    from shared.web.sessions import RapportSessionBackend, session_config

    for secure in (True, False):
        config = session_config(idle_seconds=3600, secure=secure)
        backend = RapportSessionBackend(config=config)
        for session_id in [RapportSessionBackend.new_session_id(), "planted value;x", "ABC123"]:
            expected = Cookie(value=session_id, key=config.key, **backend._cookie_params()).to_header(header="")
            assert backend._refresh_cookie(session_id) == expected
        assert ("; Secure" in backend._refresh_cookie("ab")) is secure
