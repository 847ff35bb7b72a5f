"""Download my data, delete my account, and keeping linked accounts' access fresh."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import httpx

from shared.creators.refresh import refresh_expiring_tokens
from shared.crypto import Encryptor
from shared.db.tables import AuditLog, Creator, SocialIdentity, WebSession
from shared.settings import Settings
from tests.conftest import Cast, csrf_token_from, post_form
from tests.oidc_fixtures import sign_in_creator
from tests.portal.test_creator_portal import _onboard

Client = httpx.AsyncClient


async def test_it_exports_the_creators_data_without_tokens(oidc_client: Client, cast: Cast) -> None:
    await sign_in_creator(oidc_client, "nina-1")
    await _onboard(oidc_client)
    response = await oidc_client.get("/privacy/export")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"README.txt", "profile.json", "accounts.json", "activity.json", "contracts.json"}
    profile = json.loads(archive.read("profile.json"))
    assert profile["display_name"] == "Nina Park" and profile["email"] == "nina@creators.test"
    assert profile["rate_minor"] == 125050
    accounts = json.loads(archive.read("accounts.json"))
    assert [(a["provider"], a["subject"]) for a in accounts] == [("demo", "nina-1")]
    assert all("token" not in key or key == "token_expires_at" for a in accounts for key in a)
    activity = json.loads(archive.read("activity.json"))
    actions = [row["action"] for row in activity]
    assert actions[:2] == ["creator.created", "creator.onboarded"] and "creator.data_exported" in actions
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    assert "alice" not in everything.lower()  # nothing about another creator
    identity = await SocialIdentity.objects().where(SocialIdentity.subject == "nina-1").first()
    assert identity is not None and identity.access_token_enc is not None
    assert identity.access_token_enc not in everything


async def test_it_asks_for_confirmation_before_deleting(oidc_client: Client) -> None:
    await sign_in_creator(oidc_client, "nina-1")
    await _onboard(oidc_client)
    response = await post_form(oidc_client, "/privacy/delete", "/privacy/delete", {"confirm": "yes"})
    assert response.status_code == 400
    assert "Type DELETE in capitals" in response.text
    creator = await Creator.objects().first()
    assert creator is not None and creator.deleted_at is None


async def test_it_deletes_the_account_by_anonymising_it(oidc_client: Client, cast: Cast) -> None:
    await sign_in_creator(oidc_client, "nina-1")
    await _onboard(oidc_client)
    creator_id = (await SocialIdentity.objects().where(SocialIdentity.subject == "nina-1").first()).creator  # type: ignore[union-attr]
    page = await oidc_client.get("/privacy")
    assert "nothing is kept" in page.text
    response = await post_form(oidc_client, "/privacy/delete", "/privacy/delete", {"confirm": "DELETE"})
    assert response.status_code == 200
    assert "Your account is deleted" in response.text
    creator = await Creator.objects().where(Creator.id == creator_id).first()
    assert creator is not None and creator.deleted_at is not None
    assert creator.display_name == "Deleted creator" and creator.email is None and creator.country is None
    assert creator.niches == [] and creator.rate_minor is None and creator.content_preferences == ""
    assert not await SocialIdentity.exists().where(SocialIdentity.creator == creator_id)
    assert not await WebSession.exists().where(WebSession.subject == f"creator:{creator_id}")
    audit = await AuditLog.objects().where(AuditLog.action == "creator.deleted").first()
    assert audit is not None and audit.subject_id == str(creator_id)
    assert "nina" not in json.dumps(audit.after).lower()
    assert (await oidc_client.get("/home", follow_redirects=False)).status_code == 302
    # Alice is untouched, and signing in again starts a new, empty account.
    assert (await Creator.objects().where(Creator.id == cast.alice_id).first()).email == "alice@creators.test"  # type: ignore[union-attr]
    again = await sign_in_creator(oidc_client, "nina-1")
    assert again.headers["location"] == "/welcome"
    assert await Creator.count() == 3


async def test_it_ends_every_session_of_a_deleted_creator(oidc_client: Client) -> None:
    await sign_in_creator(oidc_client, "nina-1")
    phone = oidc_client.cookies.get("rapport_session")
    oidc_client.cookies.clear()
    await sign_in_creator(oidc_client, "nina-1")  # the same creator in a second browser
    creator_id = (await Creator.objects().first()).id  # type: ignore[union-attr]
    assert await WebSession.count().where(WebSession.subject == f"creator:{creator_id}") == 2
    await post_form(oidc_client, "/privacy/delete", "/privacy/delete", {"confirm": "DELETE"})
    assert not await WebSession.exists().where(WebSession.subject == f"creator:{creator_id}")
    oidc_client.cookies.clear()
    oidc_client.cookies.set("rapport_session", phone or "")
    assert (await oidc_client.get("/home", follow_redirects=False)).status_code == 302


async def _soon(subject: str) -> None:
    await SocialIdentity.update(
        {SocialIdentity.token_expires_at: dt.datetime.now(dt.UTC) + dt.timedelta(minutes=2)}
    ).where(SocialIdentity.subject == subject)


async def test_it_refreshes_tokens_nearing_expiry(oidc_client: Client, oidc_settings: Settings) -> None:
    await sign_in_creator(oidc_client, "nina-1")
    before = await SocialIdentity.objects().first()
    assert before is not None
    untouched = await refresh_expiring_tokens(oidc_settings)
    assert untouched.refreshed == 0  # an hour left: nothing to do yet
    await _soon("nina-1")
    report = await refresh_expiring_tokens(oidc_settings)
    assert report.refreshed == 1 and report.reconnect_needed == 0
    after = await SocialIdentity.objects().first()
    assert after is not None and after.status == "active"
    encryptor = Encryptor(oidc_settings.secret_key)
    assert encryptor.decrypt(after.access_token_enc or "") != encryptor.decrypt(before.access_token_enc or "")
    assert after.token_expires_at and after.token_expires_at > dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)


async def test_it_asks_the_creator_to_reconnect_when_refresh_is_refused(
    oidc_client: Client, oidc_settings: Settings
) -> None:
    await sign_in_creator(oidc_client, "nina-1")
    await _onboard(oidc_client)
    revoked = Encryptor(oidc_settings.secret_key).encrypt("revoked-refresh-token")
    await SocialIdentity.update({SocialIdentity.refresh_token_enc: revoked}).where(SocialIdentity.subject == "nina-1")
    await _soon("nina-1")
    report = await refresh_expiring_tokens(oidc_settings)
    assert report.reconnect_needed == 1
    identity = await SocialIdentity.objects().first()
    assert identity is not None and identity.status == "reconnect_needed"
    assert await AuditLog.exists().where(AuditLog.action == "social_identity.reconnect_needed")
    home = await oidc_client.get("/home")
    assert "Reconnect your Demo ID account" in home.text
    # Reconnecting is linking the same account again: fresh tokens, active again.
    token = csrf_token_from(home.text)
    start = await oidc_client.post("/accounts/link/demo", data={"_csrf_token": token}, follow_redirects=False)
    from tests.oidc_fixtures import authorize_at_provider, path_of

    await oidc_client.get(path_of(await authorize_at_provider(start.headers["location"], "nina-1")))
    identity = await SocialIdentity.objects().first()
    assert identity is not None and identity.status == "active"
    assert "Reconnect your" not in (await oidc_client.get("/home")).text
