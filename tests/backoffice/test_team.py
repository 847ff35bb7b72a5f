"""The Team page: invitations by email (real SMTP server), accepting them, roles, removal, last owner."""

import datetime as dt
import json
from urllib.parse import urlsplit

import httpx

from shared.db.querycount import count_queries
from shared.db.tables import AuditLog, Membership, StaffInvitation, StaffUser, WebSession
from tests.backoffice.staff_helpers import sign_in, submit_password
from tests.conftest import Cast, csrf_token_from, post_form
from tests.email_fixtures import Inbox

Client = httpx.AsyncClient
TEAM = "/backoffice/b/acme/team"


async def _invite(client: Client, email: str, role: str = "manager", team: str = TEAM) -> httpx.Response:
    return await post_form(client, team, f"{team}/invitations", {"email": email, "role": role})


def _path(link: str) -> str:
    return urlsplit(link).path


async def _accept_as_new(client: Client, path: str, name: str, password: str) -> httpx.Response:
    page = await client.get(path)
    return await client.post(path, data={"name": name, "password": password, "_csrf_token": csrf_token_from(page.text)})


async def test_it_invites_a_new_person_who_joins_through_the_emailed_link(
    email_client: Client, cast: Cast, inbox: Inbox
) -> None:
    client = email_client
    await sign_in(client, "olivia@acme.test")
    response = await _invite(client, "Nina@Acme.test ", "manager")
    assert response.status_code == 200
    assert "Invitation sent to nina@acme.test" in response.text
    assert "nina@acme.test" in response.text  # listed as pending
    [message] = inbox.to("nina@acme.test")
    assert "Olivia Owner invited you to Acme" in message["Subject"]
    link = inbox.last_link("nina@acme.test")
    assert link.startswith("http://127.0.0.1:8000/backoffice/invitations/")  # BASE_URL
    token = link.rsplit("/", 1)[1]
    invitation = await StaffInvitation.objects().first()
    assert invitation is not None and token not in (invitation.token_hash, invitation.email)
    assert dt.timedelta(hours=71) < invitation.expires_at - dt.datetime.now(dt.UTC) <= dt.timedelta(hours=72)

    client.cookies.clear()
    page = await client.get(_path(link))
    assert page.status_code == 200 and "Join Acme" in page.text and "Brand manager" in page.text
    joined = await _accept_as_new(client, _path(link), "Nina New", "a-long-and-unusual-passphrase")
    assert joined.status_code == 200
    assert str(joined.url).endswith("/backoffice/")
    assert "Welcome to Acme" in joined.text and "Acme" in joined.text
    nina = await StaffUser.objects().where(StaffUser.email == "nina@acme.test").first()
    assert nina is not None and nina.name == "Nina New" and nina.password_hash.startswith("$argon2id$")
    assert await Membership.exists().where((Membership.staff == nina.id) & (Membership.role == "manager"))
    actions = [row["action"] for row in await AuditLog.select(AuditLog.action).where(AuditLog.brand == cast.acme_id)]
    assert "invitation.created" in actions and "invitation.accepted" in actions


async def test_it_refuses_weak_passwords_and_keeps_the_name(email_client: Client, cast: Cast, inbox: Inbox) -> None:
    await sign_in(email_client, "olivia@acme.test")
    await _invite(email_client, "nina@acme.test")
    path = _path(inbox.last_link("nina@acme.test"))
    email_client.cookies.clear()
    for password, problem in [
        ("short-pass", "at least 12 characters"),
        ("qwerty123456", "too common"),
        ("nina@acme.test", "email or name"),
    ]:
        response = await _accept_as_new(email_client, path, "Nina New", password)
        assert response.status_code == 400, password
        assert problem in response.text
        assert 'value="Nina New"' in response.text
        assert password not in response.text.replace("nina@acme.test", "")  # never echoed
    assert not await StaffUser.exists().where(StaffUser.email == "nina@acme.test")
    # The link still works after refusals.
    ok = await _accept_as_new(email_client, path, "Nina New", "a-long-and-unusual-passphrase")
    assert ok.status_code == 200 and "Welcome to Acme" in ok.text


async def test_it_refuses_a_link_used_twice(email_client: Client, cast: Cast, inbox: Inbox) -> None:
    await sign_in(email_client, "olivia@acme.test")
    await _invite(email_client, "nina@acme.test")
    path = _path(inbox.last_link("nina@acme.test"))
    email_client.cookies.clear()
    await _accept_as_new(email_client, path, "Nina New", "a-long-and-unusual-passphrase")
    email_client.cookies.clear()
    again = await email_client.get(path)
    assert again.status_code == 410
    assert "already been used" in again.text
    page = await email_client.get("/backoffice/signin")
    replay = await email_client.post(
        path, data={"name": "Mallory", "password": "another-long-passphrase", "_csrf_token": csrf_token_from(page.text)}
    )
    assert replay.status_code == 410
    assert await StaffUser.count().where(StaffUser.email == "nina@acme.test") == 1


async def test_it_refuses_an_expired_link(email_client: Client, cast: Cast, inbox: Inbox) -> None:
    await sign_in(email_client, "olivia@acme.test")
    await _invite(email_client, "nina@acme.test")
    path = _path(inbox.last_link("nina@acme.test"))
    await StaffInvitation.update({StaffInvitation.expires_at: dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)}).where(
        StaffInvitation.email == "nina@acme.test"
    )
    email_client.cookies.clear()
    page = await email_client.get(path)
    assert page.status_code == 410 and "expired" in page.text
    token = csrf_token_from((await email_client.get("/backoffice/signin")).text)
    post = await email_client.post(
        path, data={"name": "N", "password": "a-long-and-unusual-pass", "_csrf_token": token}
    )
    assert post.status_code == 410
    assert not await StaffUser.exists().where(StaffUser.email == "nina@acme.test")


async def test_it_refuses_a_revoked_link_and_audits_the_revocation(
    email_client: Client, cast: Cast, inbox: Inbox
) -> None:
    await sign_in(email_client, "olivia@acme.test")
    await _invite(email_client, "nina@acme.test")
    path = _path(inbox.last_link("nina@acme.test"))
    invitation = await StaffInvitation.objects().first()
    assert invitation is not None
    revoked = await post_form(email_client, TEAM, f"{TEAM}/invitations/{invitation.id}/revoke", {})
    assert revoked.status_code == 200 and "Invitation withdrawn" in revoked.text
    assert await AuditLog.exists().where(
        (AuditLog.action == "invitation.revoked") & (AuditLog.actor_id == cast.olivia_id)
    )
    email_client.cookies.clear()
    page = await email_client.get(path)
    assert page.status_code == 410 and "withdrawn" in page.text
    unknown = await email_client.get("/backoffice/invitations/not-a-real-token")
    assert unknown.status_code == 404 and "not valid" in unknown.text


async def test_it_lets_an_existing_staff_member_join_after_signing_in(
    email_client: Client, cast: Cast, inbox: Inbox
) -> None:
    await sign_in(email_client, "ada@rapport.test")  # owner of Globex
    await _invite(email_client, "bob@acme.test", "viewer", team="/backoffice/b/globex/team")
    path = _path(inbox.last_link("bob@acme.test"))
    email_client.cookies.clear()
    page = await email_client.get(path)
    assert "Sign in to accept" in page.text
    refused = await post_form(email_client, "/backoffice/signin", path, {})
    assert str(refused.url).endswith(f"/backoffice/signin?next={path}")
    response = await submit_password(email_client, "bob@acme.test")
    assert response.status_code == 303
    joined = await post_form(email_client, path, path, {})
    assert joined.status_code == 200
    assert str(joined.url).endswith("/backoffice/b/globex")
    assert "You joined Globex as Viewer" in joined.text
    assert await Membership.exists().where(
        (Membership.staff == cast.bob_id) & (Membership.brand == cast.globex_id) & (Membership.role == "viewer")
    )


async def test_it_sends_a_new_finance_member_to_set_up_two_step_sign_in(
    email_client: Client, cast: Cast, inbox: Inbox
) -> None:
    await sign_in(email_client, "olivia@acme.test")
    await _invite(email_client, "fin@acme.test", "finance")
    path = _path(inbox.last_link("fin@acme.test"))
    email_client.cookies.clear()
    response = await _accept_as_new(email_client, path, "Finn Ance", "a-long-and-unusual-passphrase")
    assert str(response.url).endswith("/backoffice/signin/enrol")
    assert "Set up two-step sign-in" in response.text
    blocked = await email_client.get("/backoffice/b/acme", follow_redirects=False)
    assert blocked.status_code == 302 and "/backoffice/signin" in blocked.headers["location"]


async def test_it_refuses_inviting_someone_already_on_the_team(email_client: Client, cast: Cast, inbox: Inbox) -> None:
    await sign_in(email_client, "olivia@acme.test")
    response = await _invite(email_client, "bob@acme.test")
    assert response.status_code == 400
    assert "already on the team" in response.text and 'value="bob@acme.test"' in response.text
    bad = await _invite(email_client, "not-an-email")
    assert bad.status_code == 400 and "Enter an email address" in bad.text
    assert inbox.messages == []


async def test_it_changes_roles_and_removes_members_but_keeps_an_owner(client: Client, cast: Cast) -> None:
    await sign_in(client, "olivia@acme.test")
    changed = await post_form(client, TEAM, f"{TEAM}/members/{cast.bob_id}/role", {"role": "reviewer"})
    assert changed.status_code == 200 and "Role changed" in changed.text
    audit = await AuditLog.objects().where(AuditLog.action == "membership.role_changed").first()
    assert audit is not None and json.loads(audit.before) == {"role": "manager"}
    assert json.loads(audit.after) == {"role": "reviewer"} and audit.brand == cast.acme_id

    removed = await post_form(client, TEAM, f"{TEAM}/members/{cast.admin_id}/remove", {})
    assert removed.status_code == 200 and "Removed from the team" in removed.text
    assert await AuditLog.exists().where(AuditLog.action == "membership.removed")
    # Olivia is now the only owner of Acme.
    demote = await post_form(client, TEAM, f"{TEAM}/members/{cast.olivia_id}/role", {"role": "viewer"})
    assert demote.status_code == 400 and "at least one owner" in demote.text
    leave = await post_form(client, TEAM, f"{TEAM}/members/{cast.olivia_id}/remove", {})
    assert leave.status_code == 400
    assert await Membership.exists().where((Membership.staff == cast.olivia_id) & (Membership.role == "owner"))


async def test_it_signs_out_someone_promoted_to_finance_until_they_set_up_totp(client: Client, cast: Cast) -> None:
    bob = httpx.AsyncClient(transport=client._transport, base_url="http://127.0.0.1", follow_redirects=True)
    await sign_in(bob, "bob@acme.test")
    assert (await bob.get("/backoffice/b/acme")).status_code == 200
    await sign_in(client, "olivia@acme.test")
    await post_form(client, TEAM, f"{TEAM}/members/{cast.bob_id}/role", {"role": "finance"})
    assert not await WebSession.exists().where(WebSession.subject == f"staff:{cast.bob_id}")
    again = await bob.get("/backoffice/b/acme", follow_redirects=False)
    assert again.status_code == 302
    response = await submit_password(bob, "bob@acme.test")
    assert response.headers["location"] == "/backoffice/signin/enrol"
    await bob.aclose()


async def test_it_shows_the_team_read_only_to_other_roles(client: Client, cast: Cast) -> None:
    await sign_in(client, "bob@acme.test")
    page = await client.get(TEAM)
    assert page.status_code == 200 and "Olivia Owner" in page.text
    assert "Invite someone" not in page.text and "Save role" not in page.text
    invite = await post_form(client, TEAM, f"{TEAM}/invitations", {"email": "x@acme.test", "role": "owner"})
    assert invite.status_code == 403
    promote = await post_form(client, TEAM, f"{TEAM}/members/{cast.bob_id}/role", {"role": "owner"})
    assert promote.status_code == 403
    assert not await StaffInvitation.exists()


async def test_it_hides_other_brands_teams(client: Client, cast: Cast) -> None:
    await sign_in(client, "charlie@globex.test")
    assert (await client.get(TEAM)).status_code == 404
    token = csrf_token_from((await client.get("/backoffice/")).text)
    for action in (f"{TEAM}/invitations", f"{TEAM}/members/{cast.bob_id}/remove", f"{TEAM}/invitations/1/revoke"):
        response = await client.post(action, data={"_csrf_token": token, "email": "x@y.z", "role": "owner"})
        assert response.status_code == 404, action


async def test_it_never_revokes_another_brands_invitation(email_client: Client, cast: Cast, inbox: Inbox) -> None:
    await sign_in(email_client, "ada@rapport.test")  # owner of both brands
    await _invite(email_client, "nina@acme.test")
    invitation = await StaffInvitation.objects().first()
    assert invitation is not None
    globex = "/backoffice/b/globex/team"
    response = await post_form(email_client, globex, f"{globex}/invitations/{invitation.id}/revoke", {})
    assert response.status_code == 404
    assert await StaffInvitation.exists().where(StaffInvitation.revoked_at.is_null())


async def test_it_sends_anonymous_visitors_to_sign_in(client: Client, cast: Cast) -> None:
    response = await client.get(TEAM, follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"].startswith("/backoffice/signin")
    page = await client.get("/backoffice/signin")
    post = await client.post(
        f"{TEAM}/invitations", data={"_csrf_token": csrf_token_from(page.text)}, follow_redirects=False
    )
    assert post.status_code in (302, 401)


async def test_it_prints_the_email_to_the_log_without_smtp(client: Client, cast: Cast, caplog) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level("WARNING", logger="rapport.email")
    await sign_in(client, "olivia@acme.test")
    response = await _invite(client, "nina@acme.test")
    assert "Invitation sent" in response.text
    logged = "\n".join(record.getMessage() for record in caplog.records if record.name == "rapport.email")
    assert "nina@acme.test" in logged and "/backoffice/invitations/" in logged


async def test_it_lists_the_team_in_constant_queries(email_client: Client, cast: Cast, inbox: Inbox) -> None:
    await sign_in(email_client, "olivia@acme.test")
    with count_queries() as few:
        await email_client.get(TEAM)
    for n in range(5):
        await _invite(email_client, f"person{n}@acme.test", "viewer")
    with count_queries() as many:
        page = await email_client.get(TEAM)
    assert "person4@acme.test" in page.text
    assert many.count == few.count, many.statements


async def test_it_refuses_an_invitation_meant_for_someone_else(email_client: Client, cast: Cast, inbox: Inbox) -> None:
    await sign_in(email_client, "olivia@acme.test")
    await post_form(email_client, TEAM, f"{TEAM}/members/{cast.bob_id}/remove", {})
    await _invite(email_client, "bob@acme.test", "viewer")
    path = _path(inbox.last_link("bob@acme.test"))
    email_client.cookies.clear()
    await sign_in(email_client, "vic@acme.test")
    page = await email_client.get(path)
    assert "you are signed in as vic@acme.test" in page.text and "Join Acme</button>" not in page.text
    refused = await post_form(email_client, "/backoffice/", path, {})
    assert refused.status_code == 403
    assert not await Membership.exists().where(Membership.staff == cast.bob_id)
    assert await StaffInvitation.exists().where(StaffInvitation.accepted_at.is_null())  # still usable by Bob
