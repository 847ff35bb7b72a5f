import httpx

from shared.db.tables import AuditLog, StaffUser
from tests.conftest import Cast, csrf_token_from, sign_in_staff

Client = httpx.AsyncClient


async def _submit(client: Client, email: str, password: str, next_url: str = "/backoffice/"):  # type: ignore[no-untyped-def]
    page = await client.get("/backoffice/signin")
    return await client.post(
        "/backoffice/signin",
        data={"email": email, "password": password, "next": next_url, "_csrf_token": csrf_token_from(page.text)},
        follow_redirects=False,
    )


async def test_it_signs_staff_in_and_audits_it(client: Client, cast: Cast) -> None:
    response = await _submit(client, "Bob@Acme.test ", "correct-horse-battery")
    assert response.status_code == 303
    assert response.headers["location"] == "/backoffice/"
    assert await AuditLog.exists().where((AuditLog.action == "staff.signed_in") & (AuditLog.actor_id == cast.bob_id))
    staff = await StaffUser.objects().where(StaffUser.id == cast.bob_id).first()
    assert staff is not None and staff.last_sign_in_at is not None


async def test_it_rejects_a_wrong_password_keeping_the_email(client: Client, cast: Cast) -> None:
    response = await _submit(client, "bob@acme.test", "wrong-password-here")
    assert response.status_code == 400
    assert "do not match" in response.text
    assert 'value="bob@acme.test"' in response.text
    assert "wrong-password-here" not in response.text
    failure = await AuditLog.objects().where(AuditLog.action == "staff.sign_in_failed").first()
    assert failure is not None and failure.subject_id == str(cast.bob_id)
    assert "rapport_session" not in response.cookies


async def test_it_gives_the_same_answer_for_unknown_emails(client: Client, cast: Cast) -> None:
    unknown = await _submit(client, "nobody@acme.test", "correct-horse-battery")
    wrong = await _submit(client, "bob@acme.test", "not-the-password")
    assert unknown.status_code == wrong.status_code == 400
    assert "do not match" in unknown.text


async def test_it_refuses_deactivated_staff(client: Client, cast: Cast) -> None:
    await StaffUser.update({StaffUser.is_active: False}).where(StaffUser.id == cast.bob_id)
    response = await _submit(client, "bob@acme.test", "correct-horse-battery")
    assert response.status_code == 400


async def test_it_signs_out_a_deactivated_member_on_next_request(client: Client, cast: Cast) -> None:
    await sign_in_staff(client, "bob@acme.test")
    await StaffUser.update({StaffUser.is_active: False}).where(StaffUser.id == cast.bob_id)
    response = await client.get("/backoffice/", follow_redirects=False)
    assert response.status_code == 302


async def test_it_returns_to_the_page_asked_for_but_never_off_site(client: Client, cast: Cast) -> None:
    response = await _submit(client, "bob@acme.test", "correct-horse-battery", next_url="/backoffice/b/acme")
    assert response.headers["location"] == "/backoffice/b/acme"
    client.cookies.clear()
    evil = await _submit(client, "bob@acme.test", "correct-horse-battery", next_url="https://evil.example/")
    assert evil.headers["location"] == "/backoffice/"


async def test_it_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = await client.get("/backoffice/b/acme", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/backoffice/signin?next=/backoffice/b/acme"
    api = await client.get("/backoffice/", headers={"accept": "application/json"}, follow_redirects=False)
    assert api.status_code == 401
