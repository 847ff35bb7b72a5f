"""Joining the portal from a brand's emailed invitation: real SMTP, real OAuth sign-in, the prospect claimed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest

from app import create_app
from shared.db.tables import (
    AuditLog,
    Creator,
    CreatorInvitation,
    Relationship,
    RelationshipEvent,
    RelationshipNote,
    SocialIdentity,
)
from shared.integrations.oauth_demo_provider import DemoProvider
from shared.settings import Settings
from tests.conftest import Cast, app_client, csrf_token_from, post_form
from tests.email_fixtures import Inbox
from tests.oidc_fixtures import sign_in_creator
from tests.personas import act_as_creator, act_as_staff

Client = httpx.AsyncClient
ROSTER = "/backoffice/b/acme/creators"
JOIN_LINK = r"https?://\S+/join/\S+"


@pytest.fixture
async def join_client(oidc_settings: Settings, smtp_server: tuple[Inbox, int]) -> AsyncIterator[Client]:
    """The app with the local OpenID provider for creators and the captured SMTP server for email."""
    settings = dataclasses.replace(oidc_settings, smtp_url=f"smtp://127.0.0.1:{smtp_server[1]}")
    async with app_client(create_app(settings)) as client:
        yield client


async def _invite_prospect(
    client: Client, cast: Cast, inbox: Inbox, email: str, handle: str = "nina.dances"
) -> tuple[int, str]:
    """Bob adds a prospect with an email (which sends the invitation); returns the prospect and the link's path."""
    await act_as_staff(client, cast.bob_id)
    response = await post_form(
        client, f"{ROSTER}/new", ROSTER, {"platform": "instagram", "handle": handle, "email": email}
    )
    assert f"An invitation to join Rapport went to {email}" in response.text
    prospect = int(str(response.url).rsplit("/", 1)[1])
    client.cookies.clear()
    return prospect, urlsplit(inbox.last_link(email, JOIN_LINK)).path


async def test_it_brings_a_new_creator_in_and_merges_the_prospect(
    join_client: Client, cast: Cast, inbox: Inbox, oidc_provider: DemoProvider
) -> None:
    client = join_client
    prospect, path = await _invite_prospect(client, cast, inbox, "nina@example.test")
    await act_as_staff(client, cast.bob_id)
    await post_form(client, f"{ROSTER}/{prospect}", f"{ROSTER}/{prospect}/notes", {"body": "Great dance reels."})
    client.cookies.clear()

    page = await client.get(path)
    assert page.status_code == 200
    assert "Acme invited you to Rapport" in page.text and "Continue with Demo ID" in page.text

    claims = {"email": "nina@example.test", "email_verified": True, "name": "Nina Park"}
    callback = await sign_in_creator(client, "nina-1", claims=claims, oidc=oidc_provider)
    assert callback.status_code == 303 and callback.headers["location"] == "/welcome"
    welcome = await client.get("/welcome")
    assert "You joined Acme on Rapport" in welcome.text

    nina = await Creator.objects().where(Creator.display_name == "Nina Park").first()
    assert nina is not None and nina.source == "signup" and nina.id != prospect
    relationship = await Relationship.objects().where(Relationship.brand == cast.acme_id).first()
    assert relationship is not None
    assert (relationship.creator, relationship.stage, relationship.owner) == (nina.id, "contacted", cast.bob_id)
    assert await RelationshipNote.count().where(RelationshipNote.relationship == relationship.id) == 1
    gone = await Creator.objects().where(Creator.id == prospect).first()
    assert gone is not None and gone.deleted_at is not None
    assert not await SocialIdentity.exists().where(SocialIdentity.creator == prospect)  # the typed handle went
    kinds = [
        row["kind"]
        for row in await RelationshipEvent.select(RelationshipEvent.kind).where(RelationshipEvent.creator == nina.id)
    ]
    assert {"prospect.added", "invitation.sent", "note", "invitation.accepted"} <= set(kinds)
    audit = await AuditLog.objects().where(AuditLog.action == "creator_invitation.claimed").first()
    assert audit is not None and audit.actor_kind == "creator" and audit.actor_id == nina.id
    assert json.loads(audit.after) == {"prospect_id": prospect, "creator_id": nina.id, "merged": True}

    # The link is spent; Acme sees Nina on its roster, and only one Nina.
    client.cookies.clear()
    again = await client.get(path)
    assert again.status_code == 410 and "already been used" in again.text
    await act_as_staff(client, cast.bob_id)
    roster = (await client.get(ROSTER)).text
    assert "Nina Park" in roster and "nina.dances" not in roster
    await act_as_staff(client, cast.charlie_id)
    assert "Nina Park" not in (await client.get("/backoffice/b/globex/creators")).text


async def test_it_lets_a_signed_in_creator_accept_and_combines_relationships(
    join_client: Client, cast: Cast, inbox: Inbox
) -> None:
    client = join_client
    await act_as_staff(client, cast.bob_id)
    alice_page = f"{ROSTER}/{cast.alice_id}"
    await post_form(client, alice_page, f"{alice_page}/tags", {"tags": "outdoors"})
    prospect, path = await _invite_prospect(client, cast, inbox, "alice.work@example.test", handle="alice.second")
    await act_as_staff(client, cast.bob_id)
    await post_form(client, f"{ROSTER}/{prospect}", f"{ROSTER}/{prospect}/tags", {"tags": "vip"})

    await act_as_creator(client, cast.alice_id)
    page = await client.get(path)
    assert "You are signed in as <strong>Alice Rivera</strong>" in page.text
    response = await client.post(path, data={"_csrf_token": csrf_token_from(page.text)}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/home"

    [relationship] = await Relationship.objects().where(Relationship.brand == cast.acme_id)
    assert relationship.creator == cast.alice_id and sorted(relationship.tags) == ["outdoors", "vip"]
    assert relationship.stage == "contacted"
    assert await Creator.exists().where((Creator.id == prospect) & Creator.deleted_at.is_not_null())
    assert (await client.post(path, data={"_csrf_token": csrf_token_from(page.text)})).status_code == 410


async def test_it_explains_unknown_and_expired_links(join_client: Client, cast: Cast, inbox: Inbox) -> None:
    client = join_client
    unknown = await client.get("/join/not-a-real-token")
    assert unknown.status_code == 404 and "This invitation link is not valid" in unknown.text
    _, path = await _invite_prospect(client, cast, inbox, "late@example.test")
    # Fifteen days later.
    await CreatorInvitation.update(
        {CreatorInvitation.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(days=1)}
    ).where(CreatorInvitation.email == "late@example.test")
    expired = await client.get(path)
    assert expired.status_code == 410 and "This invitation has expired" in expired.text
    await act_as_creator(client, cast.alice_id)
    token = csrf_token_from((await client.get("/home")).text)
    assert (await client.post(path, data={"_csrf_token": token})).status_code == 410
    assert not await Relationship.exists().where(Relationship.creator == cast.alice_id)


async def test_it_asks_anonymous_visitors_to_sign_in_before_accepting(
    join_client: Client, cast: Cast, inbox: Inbox
) -> None:
    client = join_client
    _, path = await _invite_prospect(client, cast, inbox, "nina@example.test")
    assert "Continue with Demo ID" in (await client.get(path)).text
    token = csrf_token_from((await client.get("/backoffice/signin")).text)
    response = await client.post(path, data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code in (302, 303, 401)
    assert not await CreatorInvitation.exists().where(CreatorInvitation.accepted_at.is_not_null())
