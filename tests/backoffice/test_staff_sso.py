"""Staff single sign-on with OpenID Connect, over real HTTP against the local provider."""

from __future__ import annotations

import httpx
import pyotp
from litestar import Litestar

from app import create_app
from shared.db.tables import AuditLog, StaffUser, WebSession
from shared.integrations.oauth_demo_provider import DemoProvider
from shared.settings import Settings
from tests.backoffice.staff_helpers import enrol_totp
from tests.conftest import Cast, app_client, csrf_token_from
from tests.oidc_fixtures import (
    authorize_at_provider,
    path_of,
    query_of,
    set_provider_user,
    sign_in_staff_with_sso,
    start_staff_sso,
)

Client = httpx.AsyncClient


def _verified(email: str) -> dict[str, object]:
    return {"email": email, "email_verified": True, "name": "Someone"}


async def _sso_of(staff_id: int) -> tuple[str | None, str | None]:
    row = await StaffUser.select(StaffUser.sso_provider, StaffUser.sso_subject).where(StaffUser.id == staff_id).first()
    assert row is not None
    return row["sso_provider"], row["sso_subject"]


async def _staff_sessions() -> int:
    return await WebSession.count().where(WebSession.subject.like("staff:%"))


async def _audited(action: str) -> int:
    return await AuditLog.count().where(AuditLog.action == action)


async def test_it_offers_a_button_per_staff_provider(staff_sso_client: Client) -> None:
    page = await staff_sso_client.get("/backoffice/signin")
    assert page.status_code == 200
    assert "Sign in with Corp ID" in page.text
    assert 'href="/backoffice/auth/corp/signin?next=' in page.text


async def test_it_sends_the_browser_to_the_provider_with_state_nonce_and_pkce(staff_sso_client: Client) -> None:
    query = query_of(await start_staff_sso(staff_sso_client))
    assert query["redirect_uri"] == "http://127.0.0.1:8000/backoffice/auth/corp/callback"
    assert query["client_id"] == "rapport-staff"
    assert query["code_challenge_method"] == "S256"
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32


async def test_it_links_by_verified_email(staff_sso_client: Client, oidc_provider: DemoProvider, cast: Cast) -> None:
    authorize_url = await start_staff_sso(staff_sso_client)
    before = staff_sso_client.cookies.get("rapport_session")
    set_provider_user(oidc_provider, "staff-bob-1", _verified("Bob@Acme.test"))
    callback = await authorize_at_provider(authorize_url, "staff-bob-1")
    response = await staff_sso_client.get(path_of(callback), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/backoffice/"
    assert await _sso_of(cast.bob_id) == ("corp", "staff-bob-1")
    assert await _audited("staff.sso_linked") == 1
    assert await AuditLog.exists().where((AuditLog.action == "staff.signed_in") & (AuditLog.actor_id == cast.bob_id))
    after = staff_sso_client.cookies.get("rapport_session")
    assert before and after and after != before  # the session id was rotated
    assert not await WebSession.exists().where(WebSession.key == before)
    home = await staff_sso_client.get("/backoffice/", follow_redirects=False)
    assert home.status_code == 200 and "Acme" in home.text


async def test_it_refuses_an_unverified_email(
    staff_sso_client: Client, oidc_provider: DemoProvider, cast: Cast
) -> None:
    claims = {"email": "bob@acme.test", "email_verified": False}
    response = await sign_in_staff_with_sso(staff_sso_client, oidc_provider, "staff-bob-unverified", claims)
    assert response.status_code == 400
    assert "did not confirm your email address" in response.text
    assert await _sso_of(cast.bob_id) == (None, None)
    assert await _staff_sessions() == 0
    assert await _audited("staff.sign_in_failed") == 1
    assert (await staff_sso_client.get("/backoffice/", follow_redirects=False)).status_code in (302, 303)


async def test_it_refuses_an_unknown_email(staff_sso_client: Client, oidc_provider: DemoProvider, cast: Cast) -> None:
    staff_before = await StaffUser.count()
    response = await sign_in_staff_with_sso(
        staff_sso_client, oidc_provider, "staff-stranger-1", _verified("stranger@acme.test")
    )
    assert response.status_code == 400
    assert "No back-office account for this email; ask an owner for an invitation" in response.text
    assert await StaffUser.count() == staff_before  # SSO never creates staff accounts
    assert await _staff_sessions() == 0
    assert await _audited("staff.sign_in_failed") == 1


async def test_it_signs_a_returning_sso_user_in_by_subject(
    staff_sso_client: Client, oidc_provider: DemoProvider, cast: Cast
) -> None:
    first = await sign_in_staff_with_sso(staff_sso_client, oidc_provider, "staff-vic-1", _verified("vic@acme.test"))
    assert first.status_code == 303
    staff_sso_client.cookies.clear()
    # The provider no longer vouches for the email: the linked subject is enough.
    set_provider_user(oidc_provider, "staff-vic-1", {"email": "vic@elsewhere.test", "email_verified": False})
    again = await sign_in_staff_with_sso(staff_sso_client, oidc_provider, "staff-vic-1")
    assert again.status_code == 303 and again.headers["location"] == "/backoffice/"
    assert await _audited("staff.sso_linked") == 1
    assert await _audited("staff.signed_in") == 2
    assert (await staff_sso_client.get("/backoffice/", follow_redirects=False)).status_code == 200


async def test_it_does_not_relink_an_account_linked_to_another_subject(
    staff_sso_client: Client, oidc_provider: DemoProvider, cast: Cast
) -> None:
    await sign_in_staff_with_sso(staff_sso_client, oidc_provider, "staff-bob-2", _verified("bob@acme.test"))
    staff_sso_client.cookies.clear()
    response = await sign_in_staff_with_sso(
        staff_sso_client, oidc_provider, "staff-bob-impostor", _verified("bob@acme.test")
    )
    assert response.status_code == 400
    assert "already linked" in response.text
    assert await _sso_of(cast.bob_id) == ("corp", "staff-bob-2")


async def test_it_refuses_deactivated_staff(staff_sso_client: Client, oidc_provider: DemoProvider, cast: Cast) -> None:
    await sign_in_staff_with_sso(staff_sso_client, oidc_provider, "staff-bob-3", _verified("bob@acme.test"))
    staff_sso_client.cookies.clear()
    await StaffUser.update({StaffUser.is_active: False}).where(StaffUser.id == cast.bob_id)
    sessions = await _staff_sessions()
    response = await sign_in_staff_with_sso(staff_sso_client, oidc_provider, "staff-bob-3")
    assert response.status_code == 400
    assert "deactivated" in response.text
    assert await _staff_sessions() == sessions
    assert (await staff_sso_client.get("/backoffice/", follow_redirects=False)).status_code in (302, 303)


async def test_it_sends_an_owner_without_totp_to_set_it_up(
    staff_sso_client: Client, oidc_provider: DemoProvider, cast: Cast
) -> None:
    response = await sign_in_staff_with_sso(
        staff_sso_client, oidc_provider, "staff-olivia-1", _verified("olivia@acme.test")
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/backoffice/signin/enrol"
    # Only the pending marker: nothing in the back-office is reachable yet.
    assert await _staff_sessions() == 0
    assert (await staff_sso_client.get("/backoffice/", follow_redirects=False)).status_code in (302, 303)
    page = await staff_sso_client.get("/backoffice/signin/enrol")
    assert page.status_code == 200 and 'id="totp-secret"' in page.text


async def test_it_asks_for_the_code_when_totp_is_on(
    staff_sso_client: Client, oidc_provider: DemoProvider, cast: Cast
) -> None:
    secret = await enrol_totp(cast.fran_id)
    response = await sign_in_staff_with_sso(
        staff_sso_client, oidc_provider, "staff-fran-1", _verified("fran@acme.test")
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/backoffice/signin/code"
    assert (await staff_sso_client.get("/backoffice/", follow_redirects=False)).status_code in (302, 303)
    page = await staff_sso_client.get("/backoffice/signin/code")
    done = await staff_sso_client.post(
        "/backoffice/signin/code",
        data={"code": pyotp.TOTP(secret).now(), "_csrf_token": csrf_token_from(page.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/backoffice/"
    assert (await staff_sso_client.get("/backoffice/", follow_redirects=False)).status_code == 200


async def test_it_refuses_a_replayed_state(staff_sso_client: Client, oidc_provider: DemoProvider, cast: Cast) -> None:
    set_provider_user(oidc_provider, "staff-bob-4", _verified("bob@acme.test"))
    callback = await authorize_at_provider(await start_staff_sso(staff_sso_client), "staff-bob-4")
    first = await staff_sso_client.get(path_of(callback), follow_redirects=False)
    assert first.status_code == 303
    sessions, linked = await _staff_sessions(), await _audited("staff.sso_linked")
    replay = await staff_sso_client.get(path_of(callback), follow_redirects=False)
    assert replay.status_code == 400
    assert "expired or was already used" in replay.text
    assert await _staff_sessions() == sessions and await _audited("staff.sso_linked") == linked


async def test_it_refuses_a_forged_state_and_links_nothing(
    staff_sso_client: Client, oidc_provider: DemoProvider, cast: Cast
) -> None:
    set_provider_user(oidc_provider, "staff-bob-5", _verified("bob@acme.test"))
    callback = await authorize_at_provider(await start_staff_sso(staff_sso_client), "staff-bob-5")
    forged = path_of(callback).replace(f"state={query_of(callback)['state']}", "state=forged-state")
    response = await staff_sso_client.get(forged, follow_redirects=False)
    assert response.status_code == 400
    assert await _sso_of(cast.bob_id) == (None, None)
    assert (await staff_sso_client.get(path_of(callback), follow_redirects=False)).status_code == 400
    assert await _staff_sessions() == 0


async def test_it_refuses_an_id_token_with_another_nonce(
    staff_sso_client: Client, oidc_provider: DemoProvider, cast: Cast
) -> None:
    set_provider_user(oidc_provider, "staff-bob-6", _verified("bob@acme.test"))
    authorize_url = await start_staff_sso(staff_sso_client)
    tampered = authorize_url.replace(f"nonce={query_of(authorize_url)['nonce']}", "nonce=someone-elses-nonce")
    callback = await authorize_at_provider(tampered, "staff-bob-6")
    response = await staff_sso_client.get(path_of(callback), follow_redirects=False)
    assert response.status_code == 400
    assert "could not be verified" in response.text
    assert await _sso_of(cast.bob_id) == (None, None)
    assert await _staff_sessions() == 0


async def test_it_explains_a_provider_error(staff_sso_client: Client, cast: Cast) -> None:
    callback = await authorize_at_provider(await start_staff_sso(staff_sso_client), None, deny=True)
    assert query_of(callback)["error"] == "access_denied"
    response = await staff_sso_client.get(path_of(callback), follow_redirects=False)
    assert response.status_code == 400
    assert "You cancelled signing in with Corp ID" in response.text
    assert await _staff_sessions() == 0
    assert await _audited("staff.sign_in_failed") == 1


async def test_it_answers_404_for_unknown_and_creator_providers(
    staff_sso_settings: Settings, oidc_app: Litestar
) -> None:
    # One app at a time: both would share (and fight over) the process's connection pool.
    async with app_client(create_app(staff_sso_settings)) as staff_sso_client:
        assert (await staff_sso_client.get("/backoffice/auth/nope/signin", follow_redirects=False)).status_code == 404
    async with app_client(oidc_app) as oidc_client:
        # "demo" is a creator provider in oidc_client's app: it is no way into the back-office.
        assert (await oidc_client.get("/backoffice/auth/demo/signin", follow_redirects=False)).status_code == 404
        assert (await oidc_client.get("/backoffice/auth/demo/callback?state=x&code=y")).status_code == 404
        assert "Sign in with" not in (await oidc_client.get("/backoffice/signin")).text
