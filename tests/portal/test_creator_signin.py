"""Creator sign-in with OpenID Connect, over real HTTP against the local provider."""

from __future__ import annotations

import httpx

from shared.crypto import Encryptor
from shared.db.tables import AuditLog, Creator, SocialIdentity, WebSession
from shared.integrations.oauth_demo_provider import DemoProvider
from shared.settings import DEV_SECRET_KEY
from tests.oidc_fixtures import (
    authorize_at_provider,
    path_of,
    query_of,
    set_provider_user,
    sign_in_creator,
    start_sign_in,
)

Client = httpx.AsyncClient


async def _counts() -> tuple[int, int, int]:
    return await Creator.count(), await SocialIdentity.count(), await AuditLog.count()


async def test_it_lists_a_button_per_configured_provider(oidc_client: Client) -> None:
    response = await oidc_client.get("/signin")
    assert response.status_code == 200
    assert "Continue with Demo ID" in response.text
    assert "Continue with Other ID" in response.text
    assert 'href="/auth/demo/signin"' in response.text
    assert "No sign-in providers are set up yet" not in response.text


async def test_it_sends_the_browser_to_the_provider_with_state_nonce_and_pkce(
    oidc_client: Client, oidc_provider: DemoProvider
) -> None:
    url = await start_sign_in(oidc_client)
    assert url.startswith(f"{oidc_provider.issuer}/oauth2/authorize?")
    query = query_of(url)
    assert query["response_type"] == "code"
    assert query["redirect_uri"] == "http://127.0.0.1:8000/auth/demo/callback"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 32 and len(query["nonce"]) >= 32
    assert "openid" in query["scope"].split()


async def test_it_creates_the_creator_on_first_sign_in(oidc_client: Client, oidc_provider: DemoProvider) -> None:
    claims = {"email": "nina@creators.test", "email_verified": True, "name": "Nina Park"}
    response = await sign_in_creator(oidc_client, "nina-1", claims=claims, oidc=oidc_provider)
    assert response.status_code == 303
    assert response.headers["location"] == "/welcome"
    creator = await Creator.objects().first()
    assert creator is not None
    assert creator.display_name == "Nina Park" and creator.email == "nina@creators.test"
    assert creator.onboarded_at is None
    identity = await SocialIdentity.objects().first()
    assert identity is not None
    assert (identity.provider, identity.subject, identity.creator) == ("demo", "nina-1", creator.id)
    assert identity.followers is None  # OIDC says who you are, not who follows you
    assert identity.access_token_enc and identity.refresh_token_enc
    assert Encryptor(DEV_SECRET_KEY).decrypt(identity.access_token_enc)  # stored encrypted, readable by us
    assert identity.token_expires_at is not None
    assert await AuditLog.exists().where((AuditLog.action == "creator.created") & (AuditLog.actor_kind == "creator"))
    session = await WebSession.objects().where(WebSession.subject == f"creator:{creator.id}").first()
    assert session is not None
    page = await oidc_client.get("/welcome")
    assert page.status_code == 200 and 'value="Nina Park"' in page.text


async def test_it_signs_a_returning_creator_into_the_same_account(oidc_client: Client) -> None:
    await sign_in_creator(oidc_client, "omar-1")
    oidc_client.cookies.clear()
    again = await sign_in_creator(oidc_client, "omar-1")
    assert again.status_code == 303
    assert await Creator.count() == 1 and await SocialIdentity.count() == 1
    assert await AuditLog.exists().where(AuditLog.action == "creator.signed_in")


async def test_it_rotates_the_session_id_at_sign_in(oidc_client: Client) -> None:
    authorize_url = await start_sign_in(oidc_client)
    before = oidc_client.cookies.get("rapport_session")
    assert before  # the pending authorization lives in the server-side session
    callback = await authorize_at_provider(authorize_url, "rosa-1")
    response = await oidc_client.get(path_of(callback), follow_redirects=False)
    assert response.status_code == 303
    after = oidc_client.cookies.get("rapport_session")
    assert after and after != before
    assert not await WebSession.exists().where(WebSession.key == before)


async def test_it_refuses_a_replayed_callback(oidc_client: Client) -> None:
    authorize_url = await start_sign_in(oidc_client)
    callback = await authorize_at_provider(authorize_url, "paul-1")
    first = await oidc_client.get(path_of(callback), follow_redirects=False)
    assert first.status_code == 303
    counts = await _counts()
    replay = await oidc_client.get(path_of(callback), follow_redirects=False)
    assert replay.status_code == 400
    assert "expired or was already used" in replay.text
    assert await _counts() == counts


async def test_it_refuses_a_wrong_state_and_creates_nothing(oidc_client: Client) -> None:
    authorize_url = await start_sign_in(oidc_client)
    callback = await authorize_at_provider(authorize_url, "quinn-1")
    forged = path_of(callback).replace(f"state={query_of(callback)['state']}", "state=forged-state")
    response = await oidc_client.get(forged, follow_redirects=False)
    assert response.status_code == 400
    assert "Sign-in did not work" in response.text
    assert await _counts() == (0, 0, 0)
    # The pending authorization was consumed: the genuine callback no longer works either.
    genuine = await oidc_client.get(path_of(callback), follow_redirects=False)
    assert genuine.status_code == 400
    assert await _counts() == (0, 0, 0)


async def test_it_refuses_a_callback_from_another_browser(oidc_client: Client) -> None:
    authorize_url = await start_sign_in(oidc_client)
    callback = await authorize_at_provider(authorize_url, "rae-1")
    oidc_client.cookies.clear()  # the attacker's browser never started this sign-in
    response = await oidc_client.get(path_of(callback), follow_redirects=False)
    assert response.status_code == 400
    assert await _counts() == (0, 0, 0)


async def test_it_refuses_an_id_token_with_another_nonce(oidc_client: Client) -> None:
    authorize_url = await start_sign_in(oidc_client)
    tampered = authorize_url.replace(f"nonce={query_of(authorize_url)['nonce']}", "nonce=someone-elses-nonce")
    callback = await authorize_at_provider(tampered, "sam-1")
    response = await oidc_client.get(path_of(callback), follow_redirects=False)
    assert response.status_code == 400
    assert "could not be verified" in response.text
    assert await _counts() == (0, 0, 0)


async def test_it_refuses_an_invalid_code(oidc_client: Client) -> None:
    authorize_url = await start_sign_in(oidc_client)
    callback = await authorize_at_provider(authorize_url, "tess-1")
    bogus = path_of(callback).replace(f"code={query_of(callback)['code']}", "code=not-a-real-code")
    response = await oidc_client.get(bogus, follow_redirects=False)
    assert response.status_code == 400
    assert "refused by the provider" in response.text
    assert await _counts() == (0, 0, 0)


async def test_it_explains_a_provider_error(oidc_client: Client) -> None:
    authorize_url = await start_sign_in(oidc_client)
    callback = await authorize_at_provider(authorize_url, None, deny=True)
    assert query_of(callback)["error"] == "access_denied"
    response = await oidc_client.get(path_of(callback), follow_redirects=False)
    assert response.status_code == 400
    assert "You cancelled signing in with Demo ID" in response.text
    assert await _counts() == (0, 0, 0)


async def test_it_answers_404_for_an_unknown_provider(oidc_client: Client) -> None:
    assert (await oidc_client.get("/auth/nope/signin", follow_redirects=False)).status_code == 404
    assert (await oidc_client.get("/auth/nope/callback?state=x&code=y", follow_redirects=False)).status_code == 404


async def test_it_does_not_take_over_an_account_by_email(oidc_client: Client, oidc_provider: DemoProvider) -> None:
    claims = {"email": "uma@creators.test", "email_verified": True, "name": "Uma"}
    await sign_in_creator(oidc_client, "uma-1", claims=claims, oidc=oidc_provider)
    oidc_client.cookies.clear()
    set_provider_user(oidc_provider, "uma-1", claims)
    response = await sign_in_creator(oidc_client, "uma-1", provider="other")
    assert response.status_code == 303
    # Same email at another provider: a separate creator, without the email (they may link instead).
    assert await Creator.count() == 2
    assert await Creator.count().where(Creator.email == "uma@creators.test") == 1


async def test_it_returns_to_the_page_asked_for_but_never_off_site(oidc_client: Client) -> None:
    from tests.portal.test_creator_portal import _onboard

    await sign_in_creator(oidc_client, "vic-1")
    await _onboard(oidc_client)
    oidc_client.cookies.clear()
    for asked, landed in [("/accounts", "/accounts"), ("//evil.example/", "/home"), ("https://evil.example/", "/home")]:
        authorize = (await oidc_client.get(f"/auth/demo/signin?next={asked}", follow_redirects=False)).headers[
            "location"
        ]
        callback = await authorize_at_provider(authorize, "vic-1")
        response = await oidc_client.get(path_of(callback), follow_redirects=False)
        assert response.headers["location"] == landed, asked
        oidc_client.cookies.clear()
