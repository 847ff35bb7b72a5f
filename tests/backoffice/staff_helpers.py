"""Signing staff in through the real pages, second factor included (not a test module)."""

from __future__ import annotations

import re

import httpx
import pyotp

from shared.audit.context import system_actor
from shared.crypto import Encryptor
from shared.identity.actions import check_totp_enrolment, do_start_totp_enrolment
from shared.settings import DEV_SECRET_KEY
from tests.conftest import PASSWORD, csrf_token_from

_SECRET = re.compile(r'<code id="totp-secret">([A-Z2-7]+)</code>')


async def enrol_totp(staff_id: int, secret_key: str = DEV_SECRET_KEY) -> str:
    """Turn TOTP on for a staff member through the actions; returns the secret (for pyotp)."""
    encryptor = Encryptor(secret_key)
    setup = await do_start_totp_enrolment(system_actor("test"), encryptor, staff_id=staff_id)
    await check_totp_enrolment(system_actor("test"), encryptor, staff_id=staff_id, code=pyotp.TOTP(setup.secret).now())
    return setup.secret


async def submit_password(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/backoffice/signin")
    return await client.post(
        "/backoffice/signin",
        data={"email": email, "password": password, "next": "/backoffice/", "_csrf_token": csrf_token_from(page.text)},
        follow_redirects=False,
    )


async def sign_in(client: httpx.AsyncClient, email: str, *, totp_secret: str | None = None) -> str | None:
    """Password, then the TOTP code (when on) or the forced set-up (owners, finance); returns the TOTP secret."""
    response = await submit_password(client, email)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    if location == "/backoffice/signin/code":
        assert totp_secret, f"{email} has TOTP on: pass totp_secret"
        page = await client.get(location)
        done = await client.post(
            location,
            data={"code": pyotp.TOTP(totp_secret).now(), "_csrf_token": csrf_token_from(page.text)},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        return totp_secret
    if location == "/backoffice/signin/enrol":
        page = await client.get(location)
        match = _SECRET.search(page.text)
        assert match, page.text
        done = await client.post(
            location,
            data={"code": pyotp.TOTP(match.group(1)).now(), "_csrf_token": csrf_token_from(page.text)},
            follow_redirects=False,
        )
        assert done.status_code == 200 and "recovery codes" in done.text, done.text
        return match.group(1)
    return None
