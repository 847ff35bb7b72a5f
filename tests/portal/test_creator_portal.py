"""Onboarding, the dashboard, linked accounts and who may see what, with creators signed in for real."""

from __future__ import annotations

import httpx

from shared.db.tables import AuditLog, Creator, SocialIdentity
from shared.integrations.oauth_demo_provider import DemoProvider
from tests.conftest import Cast, csrf_token_from, post_form, sign_in_staff
from tests.oidc_fixtures import authorize_at_provider, path_of, set_provider_user, sign_in_creator

Client = httpx.AsyncClient

GOOD_ANSWERS = {
    "display_name": "Nina Park",
    "email": "nina@creators.test",
    "country": "kr",
    "niches": "Food, travel, food",
    "rate": "1,250.50",
    "currency": "USD",
    "content_preferences": "Reels and stories; no alcohol.",
}


async def _onboard(client: Client, answers: dict[str, str] | None = None) -> httpx.Response:
    page = await client.get("/welcome")
    data: dict[str, str | list[str]] = {**GOOD_ANSWERS, **(answers or {})}
    data.update(wants=["money", "product"], _csrf_token=csrf_token_from(page.text))
    return await client.post("/welcome", data=data, follow_redirects=False)


async def _creator_id(subject: str, provider: str = "demo") -> int:
    row = (
        await SocialIdentity.select(SocialIdentity.creator)
        .where((SocialIdentity.provider == provider) & (SocialIdentity.subject == subject))
        .first()
    )
    assert row is not None
    return int(row["creator"])


async def test_it_onboards_a_new_creator_and_shows_the_dashboard(oidc_client: Client) -> None:
    await sign_in_creator(oidc_client, "nina-1")
    assert (await oidc_client.get("/home", follow_redirects=False)).headers["location"] == "/welcome"
    response = await _onboard(oidc_client)
    assert response.status_code == 303 and response.headers["location"] == "/home"
    creator = await Creator.objects().first()
    assert creator is not None
    assert creator.display_name == "Nina Park" and creator.email == "nina@creators.test"
    assert creator.country == "KR" and creator.niches == ["food", "travel"]
    assert creator.rate_minor == 125050 and creator.rate_currency == "USD"
    assert creator.wants == ["money", "product"] and creator.onboarded_at is not None
    assert await AuditLog.exists().where(AuditLog.action == "creator.onboarded")
    home = await oidc_client.get("/home")
    assert home.status_code == 200
    assert "What needs you now" in home.text and "No offers waiting for you." in home.text
    assert (await oidc_client.get("/", follow_redirects=False)).headers["location"] == "/home"


async def test_it_keeps_what_was_typed_when_onboarding_is_rejected(oidc_client: Client) -> None:
    await sign_in_creator(oidc_client, "nina-1")
    page = await oidc_client.get("/welcome")
    data = {**GOOD_ANSWERS, "email": "not-an-email", "rate": "12.345", "country": "Korea"}
    response = await oidc_client.post("/welcome", data={**data, "_csrf_token": csrf_token_from(page.text)})
    assert response.status_code == 400
    assert "Enter an email address" in response.text
    assert "at most 2 decimals" in response.text
    assert "two-letter code" in response.text
    assert "Choose at least one" in response.text
    assert 'value="not-an-email"' in response.text and 'value="12.345"' in response.text
    assert "Reels and stories; no alcohol." in response.text
    creator = await Creator.objects().first()
    assert creator is not None and creator.onboarded_at is None


async def test_it_refuses_an_email_another_creator_uses(oidc_client: Client, cast: Cast) -> None:
    await sign_in_creator(oidc_client, "nina-1")
    response = await _onboard(oidc_client, {"email": "alice@creators.test"})
    assert response.status_code == 400
    assert "Another creator account uses this email" in response.text


async def test_it_links_another_provider_and_signs_in_with_either(oidc_client: Client) -> None:
    await sign_in_creator(oidc_client, "vera-demo")
    await _onboard(oidc_client)
    page = await oidc_client.get("/accounts")
    assert "Link Other ID" in page.text
    start = await oidc_client.post(
        "/accounts/link/other", data={"_csrf_token": csrf_token_from(page.text)}, follow_redirects=False
    )
    assert start.status_code == 303
    callback = await authorize_at_provider(start.headers["location"], "vera-other")
    done = await oidc_client.get(path_of(callback))
    assert "Your Other ID account is linked" in done.text
    creator_id = await _creator_id("vera-demo")
    assert await _creator_id("vera-other", "other") == creator_id
    assert await AuditLog.exists().where(AuditLog.action == "creator.account_linked")
    oidc_client.cookies.clear()
    again = await sign_in_creator(oidc_client, "vera-other", provider="other")
    assert again.headers["location"] == "/home"
    assert await Creator.count() == 1


async def test_it_refuses_to_link_an_account_owned_by_someone_else(oidc_client: Client) -> None:
    await sign_in_creator(oidc_client, "wes-other", provider="other")
    oidc_client.cookies.clear()
    await sign_in_creator(oidc_client, "xia-demo")
    page = await oidc_client.get("/welcome")
    start = await oidc_client.post(
        "/accounts/link/other", data={"_csrf_token": csrf_token_from(page.text)}, follow_redirects=False
    )
    callback = await authorize_at_provider(start.headers["location"], "wes-other")
    response = await oidc_client.get(path_of(callback))
    assert "already linked to another Rapport creator account" in response.text
    assert await _creator_id("wes-other", "other") != await _creator_id("xia-demo")
    assert await SocialIdentity.count() == 2


async def test_it_refuses_to_unlink_the_last_account_and_unlinks_others(oidc_client: Client) -> None:
    await sign_in_creator(oidc_client, "yan-demo")
    await _onboard(oidc_client)
    creator_id = await _creator_id("yan-demo")
    only = await SocialIdentity.objects().where(SocialIdentity.creator == creator_id).first()
    assert only is not None
    refused = await post_form(oidc_client, "/accounts", f"/accounts/{only.id}/unlink", {})
    assert "This is the only linked account you can sign in with" in refused.text
    assert await SocialIdentity.count() == 1
    page = await oidc_client.get("/accounts")
    start = await oidc_client.post(
        "/accounts/link/other", data={"_csrf_token": csrf_token_from(page.text)}, follow_redirects=False
    )
    await oidc_client.get(path_of(await authorize_at_provider(start.headers["location"], "yan-other")))
    unlinked = await post_form(oidc_client, "/accounts", f"/accounts/{only.id}/unlink", {})
    assert "The account is unlinked." in unlinked.text
    assert await SocialIdentity.count() == 1
    assert await AuditLog.exists().where(AuditLog.action == "creator.account_unlinked")


async def test_it_shows_hidden_follower_counts_honestly(oidc_client: Client) -> None:
    await sign_in_creator(oidc_client, "zed-demo")
    page = await oidc_client.get("/accounts")
    assert "hidden / not available" in page.text


async def test_it_never_lets_one_creator_touch_anothers_accounts(oidc_client: Client, cast: Cast) -> None:
    alices = await SocialIdentity.objects().where(SocialIdentity.creator == cast.alice_id).first()
    assert alices is not None
    await sign_in_creator(oidc_client, "mallory-demo")
    page = await oidc_client.get("/accounts")
    assert "alice.outdoors" not in page.text
    response = await oidc_client.post(
        f"/accounts/{alices.id}/unlink", data={"_csrf_token": csrf_token_from(page.text)}, follow_redirects=False
    )
    assert response.status_code == 404
    assert await SocialIdentity.exists().where(SocialIdentity.id == alices.id)
    export = await oidc_client.get("/privacy/export")
    assert b"alice" not in export.content.lower()


async def test_it_does_not_let_staff_sessions_into_creator_pages(oidc_client: Client, cast: Cast) -> None:
    await sign_in_staff(oidc_client, "bob@acme.test")
    for path in ("/home", "/welcome", "/accounts", "/privacy", "/privacy/export", "/privacy/delete"):
        response = await oidc_client.get(path, follow_redirects=False)
        assert response.status_code == 302, path
        assert response.headers["location"].startswith("/signin?next="), path


async def test_it_does_not_let_creator_sessions_into_the_backoffice(oidc_client: Client) -> None:
    await sign_in_creator(oidc_client, "nina-1")
    response = await oidc_client.get("/backoffice/", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"].startswith("/backoffice/signin")


async def test_it_ends_a_staff_session_when_a_creator_signs_in_in_the_same_browser(
    oidc_client: Client, cast: Cast
) -> None:
    await sign_in_staff(oidc_client, "bob@acme.test")
    await sign_in_creator(oidc_client, "nina-1")
    assert (await oidc_client.get("/backoffice/", follow_redirects=False)).status_code == 302


async def test_it_sends_anonymous_visitors_to_sign_in(oidc_client: Client) -> None:
    response = await oidc_client.get("/accounts", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/signin?next=/accounts"
    page = await oidc_client.get("/signin?next=/accounts")
    assert 'href="/auth/demo/signin?next=/accounts"' in page.text


async def test_it_signs_creators_out(oidc_client: Client) -> None:
    await sign_in_creator(oidc_client, "nina-1")
    await _onboard(oidc_client)
    response = await post_form(oidc_client, "/home", "/signout", {})
    assert "You are signed out." in response.text
    assert (await oidc_client.get("/home", follow_redirects=False)).status_code == 302


async def test_it_uses_the_name_from_the_provider(oidc_client: Client, oidc_provider: DemoProvider) -> None:
    set_provider_user(oidc_provider, "ola-1", {"preferred_username": "ola.makes", "email": "x"})
    await sign_in_creator(oidc_client, "ola-1")
    creator = await Creator.objects().first()
    assert creator is not None and creator.display_name == "ola.makes" and creator.email is None


async def test_it_keeps_the_last_account_that_can_sign_in(oidc_client: Client, cast: Cast) -> None:
    """Alice also has an Instagram account, but Instagram is not a sign-in provider here."""
    from shared.audit.context import system_actor
    from shared.creators.actions import do_link_social_identity, do_unlink_social_identity
    from shared.crypto import Encryptor
    from shared.errors import InvalidInput
    from shared.integrations.oauth import ExternalIdentity, TokenSet

    actor = system_actor("test")
    tokens = TokenSet("", None, None, "")
    identity = ExternalIdentity("demo", "alice", "alice@creators.test", True, "Alice", "alice", "", tokens)
    await do_link_social_identity(actor, cast.alice_id, identity, Encryptor("k"))
    demo = await SocialIdentity.objects().where(SocialIdentity.subject == "alice").first()
    instagram = await SocialIdentity.objects().where(SocialIdentity.provider == "instagram").first()
    assert demo is not None and instagram is not None
    try:
        await do_unlink_social_identity(actor, cast.alice_id, demo.id, sign_in_providers=["demo", "other"])
    except InvalidInput as exc:
        assert "only linked account you can sign in with" in str(exc)
    else:
        raise AssertionError("unlinking the last sign-in account was allowed")
    await do_unlink_social_identity(actor, cast.alice_id, instagram.id, sign_in_providers=["demo", "other"])
    assert await SocialIdentity.count().where(SocialIdentity.creator == cast.alice_id) == 1
