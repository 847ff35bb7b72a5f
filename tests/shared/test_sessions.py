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


async def test_the_frame_comes_with_the_session_for_the_person_in_it_only(
    client: httpx.AsyncClient, cast: Cast
) -> None:
    """A page's session row and its person's frame are one statement (shared.web.frame.with_frame); the frame is
    used only for the person the session's data names, whatever the row's subject says."""
    from shared.db.engine import get_engine
    from shared.db.querycount import count_queries
    from tests.personas import act_as_creator, act_as_staff

    await act_as_staff(client, cast.bob_id)
    assert (await client.get("/backoffice/")).status_code == 200  # a first visit may look up type codecs
    with count_queries() as log:
        page = await client.get("/backoffice/")
    assert page.status_code == 200 and "(Manager)" in page.text and "(Owner)" not in page.text  # Bob's role at Acme
    assert log.count == 2, log.statements  # the session with Bob's frame, then his brands
    assert "WITH ws AS MATERIALIZED" in log.statements[0]

    # A subject naming someone else (the store never writes one; here by hand): the frame read beside the session
    # is Olivia's, so it is not used, and Bob's is read on its own.
    rewritten = await get_engine().fetch(
        "UPDATE web_session SET subject = $2 WHERE subject = $1 RETURNING key",
        f"staff:{cast.bob_id}",
        f"staff:{cast.olivia_id}",
    )
    assert len(rewritten) == 1
    with count_queries() as log:
        page = await client.get("/backoffice/")
    assert page.status_code == 200 and "(Manager)" in page.text and "(Owner)" not in page.text  # still Bob's page
    assert log.count == 3, log.statements

    # A creator's session on a back-office page: no staff frame (the subject is a creator's), no staff member.
    await act_as_creator(client, cast.alice_id)
    signed_out = await client.get("/backoffice/", follow_redirects=False)
    assert signed_out.status_code == 302 and signed_out.headers["location"].startswith("/backoffice/signin")
    # And on her own pages, her frame comes with her session.
    assert (await client.get("/offers")).status_code == 200
    with count_queries() as log:
        assert (await client.get("/offers")).status_code == 200
    assert log.count == 2 and "'creator:%'" in log.statements[0], log.statements
