"""Two-step sign-in (TOTP): forced set-up for owners and finance, codes, recovery codes, the account page."""

import re

import httpx
import pyotp

from shared.db.tables import AuditLog, RecoveryCode, SignInThrottle, StaffUser, WebSession
from tests.backoffice.staff_helpers import enrol_totp, sign_in, submit_password
from tests.conftest import Cast, csrf_token_from, post_form

Client = httpx.AsyncClient
CODE = "/backoffice/signin/code"
ENROL = "/backoffice/signin/enrol"


async def _submit_code(client: Client, code: str, step: str = CODE) -> httpx.Response:
    page = await client.get(step)
    return await client.post(
        step, data={"code": code, "_csrf_token": csrf_token_from(page.text)}, follow_redirects=False
    )


def _codes(html: str) -> list[str]:
    return re.findall(r"<li><code>([a-z0-9-]+)</code></li>", html)


async def test_it_makes_an_owner_set_up_totp_before_anything_else(client: Client, cast: Cast) -> None:
    response = await submit_password(client, "olivia@acme.test")
    assert response.headers["location"] == ENROL
    pending_cookie = client.cookies["rapport_session"]
    blocked = await client.get("/backoffice/b/acme", follow_redirects=False)
    assert blocked.status_code == 302 and blocked.headers["location"].startswith("/backoffice/signin")
    page = await client.get(ENROL)
    assert "<svg" in page.text and "Your role moves money" in page.text
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', page.text)
    assert secret
    assert (await client.get(ENROL)).text.count(secret.group(1)) == 1  # a reload keeps the same key
    wrong = await _submit_code(client, "000000", ENROL)
    assert wrong.status_code == 400 and "not right" in wrong.text
    done = await _submit_code(client, pyotp.TOTP(secret.group(1)).now(), ENROL)
    assert done.status_code == 200
    codes = _codes(done.text)
    assert len(set(codes)) == 10
    assert client.cookies["rapport_session"] != pending_cookie  # rotated once fully signed in
    assert (await client.get("/backoffice/b/acme")).status_code == 200
    staff = await StaffUser.objects().where(StaffUser.id == cast.olivia_id).first()
    assert staff is not None and staff.totp_enabled_at is not None
    assert staff.totp_secret_enc and secret.group(1) not in staff.totp_secret_enc  # encrypted at rest
    stored = [row["code_hash"] for row in await RecoveryCode.select(RecoveryCode.code_hash)]
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert await AuditLog.exists().where(AuditLog.action == "staff.totp_enabled")


async def test_it_makes_finance_set_up_totp_too_but_not_a_manager(client: Client, cast: Cast) -> None:
    fran = await submit_password(client, "fran@acme.test")
    assert fran.headers["location"] == ENROL
    client.cookies.clear()
    bob = await submit_password(client, "bob@acme.test")
    assert bob.headers["location"] == "/backoffice/"


async def test_it_asks_for_the_code_after_the_password(client: Client, cast: Cast) -> None:
    secret = await enrol_totp(cast.bob_id)
    response = await submit_password(client, "bob@acme.test")
    assert response.headers["location"] == CODE
    assert not await WebSession.exists().where(WebSession.subject == f"staff:{cast.bob_id}")  # not signed in yet
    assert (await client.get("/backoffice/", follow_redirects=False)).status_code == 302
    wrong = await _submit_code(client, "123456")
    assert wrong.status_code == 400 and "not right" in wrong.text
    assert await AuditLog.exists().where(AuditLog.action == "staff.second_factor_failed")
    ok = await _submit_code(client, pyotp.TOTP(secret).now())
    assert ok.status_code == 303 and ok.headers["location"] == "/backoffice/"
    assert (await client.get("/backoffice/")).status_code == 200
    assert await WebSession.exists().where(WebSession.subject == f"staff:{cast.bob_id}")


async def test_it_accepts_each_recovery_code_once(client: Client, cast: Cast) -> None:
    await sign_in(client, "olivia@acme.test")  # sets up TOTP through the pages
    page = await client.get("/backoffice/account")
    fresh = await post_form(client, "/backoffice/account", "/backoffice/account/recovery-codes", {})
    codes = _codes(fresh.text)
    assert len(codes) == 10 and "shown only once" in fresh.text
    assert "10 unused recovery codes" in page.text
    client.cookies.clear()
    await submit_password(client, "olivia@acme.test")
    ok = await _submit_code(client, codes[0].upper().replace("-", " "))  # typed loosely
    assert ok.status_code == 303
    assert await AuditLog.exists().where(AuditLog.action == "staff.second_factor_passed")
    assert "9 unused recovery codes" in (await client.get("/backoffice/account")).text
    client.cookies.clear()
    await submit_password(client, "olivia@acme.test")
    again = await _submit_code(client, codes[0])
    assert again.status_code == 400


async def test_it_locks_the_code_step_after_repeated_failures(client: Client, cast: Cast) -> None:
    secret = await enrol_totp(cast.bob_id)
    await submit_password(client, "bob@acme.test")
    for _ in range(5):
        await _submit_code(client, "000000")
    locked = await _submit_code(client, pyotp.TOTP(secret).now())
    assert locked.status_code == 429 and "Too many attempts" in locked.text
    assert await SignInThrottle.exists().where(SignInThrottle.key == f"totp:{cast.bob_id}")


async def test_it_lets_a_manager_turn_totp_on_and_off(client: Client, cast: Cast) -> None:
    await sign_in(client, "bob@acme.test")
    page = await client.get("/backoffice/account")
    assert "Set up two-step sign-in" in page.text
    setup = await client.get("/backoffice/account/totp")
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', setup.text)
    assert secret
    token = csrf_token_from(setup.text)
    done = await client.post(
        "/backoffice/account/totp", data={"code": pyotp.TOTP(secret.group(1)).now(), "_csrf_token": token}
    )
    assert len(_codes(done.text)) == 10
    off = await post_form(client, "/backoffice/account", "/backoffice/account/totp/disable", {})
    assert "Two-step sign-in is off" in off.text
    assert not await RecoveryCode.exists()
    assert await AuditLog.exists().where(AuditLog.action == "staff.totp_disabled")


async def test_it_refuses_to_turn_totp_off_for_finance(client: Client, cast: Cast) -> None:
    await sign_in(client, "fran@acme.test")
    page = await client.get("/backoffice/account")
    assert "must keep it on" in page.text and "Turn off" not in page.text
    refused = await post_form(client, "/backoffice/account", "/backoffice/account/totp/disable", {})
    assert "must keep two-step sign-in on" in refused.text
    staff = await StaffUser.objects().where(StaffUser.id == cast.fran_id).first()
    assert staff is not None and staff.totp_enabled_at is not None


async def test_it_signs_out_everywhere_else(client: Client, cast: Cast) -> None:
    other = httpx.AsyncClient(transport=client._transport, base_url="http://127.0.0.1", follow_redirects=True)
    await sign_in(other, "bob@acme.test")
    await sign_in(client, "bob@acme.test")
    response = await post_form(client, "/backoffice/account", "/backoffice/account/sign-out-everywhere", {})
    assert "Signed out 1 other session" in response.text
    assert (await client.get("/backoffice/")).status_code == 200
    assert (await other.get("/backoffice/", follow_redirects=False)).status_code == 302
    assert await AuditLog.exists().where(AuditLog.action == "staff.signed_out_everywhere")
    await other.aclose()


async def test_it_keeps_the_account_pages_for_signed_in_staff(client: Client, cast: Cast) -> None:
    for path in ("/backoffice/account", "/backoffice/account/totp", CODE, ENROL):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 302 and response.headers["location"].startswith("/backoffice/signin"), path
