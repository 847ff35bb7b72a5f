"""Contracts through real HTTP: Bob generates and sends, Alice signs on the portal (fresh sign-in), Olivia
countersigns with TOTP, both download the executed PDF, /verify accepts it and refuses a changed copy."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets

import httpx
import pyotp

from shared.contracts.queries import list_brand_contracts
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.settings import Settings
from shared.web.creator_auth import SIGNED_IN_AT_KEY, SIGNED_IN_WITH_KEY
from shared.web.sessions import SESSION_COOKIE, PostgresSessionStore
from tests.conftest import Cast, csrf_token_from
from tests.contract_helpers import enable_totp
from tests.factories import agreed_deal
from tests.personas import act_as_staff


async def _creator_session(client: httpx.AsyncClient, creator_id: int, *, minutes_ago: int) -> None:
    at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes_ago)
    data = {"creator_id": creator_id, SIGNED_IN_AT_KEY: at.isoformat(), SIGNED_IN_WITH_KEY: "instagram:alice.outdoors"}
    key = secrets.token_hex(32)
    await PostgresSessionStore().set(key, json.dumps(data).encode(), expires_in=3600)
    client.cookies.delete(SESSION_COOKIE)
    client.cookies.set(SESSION_COOKIE, key)


async def _post(client: httpx.AsyncClient, page: str, action: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_token_from((await client.get(page)).text)
    return await client.post(action, data={"_csrf_token": token, **data}, follow_redirects=False)


async def test_generate_sign_countersign_download_and_verify(
    client: httpx.AsyncClient, cast: Cast, settings: Settings
) -> None:
    deal = await agreed_deal(cast)
    offer_page = f"/backoffice/b/acme/offers/{deal.collaboration_id}"
    await act_as_staff(client, cast.bob_id)
    assert "Generate the contract" in (await client.get(offer_page)).text
    answer = await _post(client, offer_page, f"{offer_page}/contract", {})
    assert answer.status_code == 303
    [contract] = await list_brand_contracts(cast.acme_id)
    page = f"/backoffice/b/acme/contracts/{contract.id}"
    assert answer.headers["location"] == page
    html = (await client.get(page)).text
    assert "Influencer Services Agreement" in html and "Chain intact (1 events)" in html
    assert (await _post(client, page, f"{page}/send", {})).status_code == 303

    # Alice, signed in 20 minutes ago, is asked to sign in again before she may sign.
    await _creator_session(client, cast.alice_id, minutes_ago=20)
    sign_page = f"/contracts/{contract.id}"
    html = (await client.get(sign_page)).text
    assert "In plain words" in html and "Sign in again to sign" in html
    assert 'name="legal_name"' not in html
    refused = await _post(client, "/contracts", f"{sign_page}/sign", {"legal_name": "Alice Rivera"})
    assert refused.headers["location"] == f"/auth/instagram/signin?next=/contracts/{contract.id}"
    # Freshly signed in: the form; leaving out consent and intent is refused with the reasons.
    await _creator_session(client, cast.alice_id, minutes_ago=1)
    html = (await client.get(sign_page)).text
    consent = re.search(r'name="consent_sha256" value="([0-9a-f]{64})"', html)
    assert consent is not None
    missing = await _post(client, sign_page, f"{sign_page}/sign", {"legal_name": "Alice Rivera"})
    assert missing.status_code == 400 and "Tick the box" in missing.text
    signed = await _post(
        client,
        sign_page,
        f"{sign_page}/sign",
        {"legal_name": "Alice Rivera", "consent": "yes", "consent_sha256": consent[1], "intent": "yes"},
    )
    assert signed.status_code == 303
    assert "You signed" in (await client.get(sign_page)).text

    # Olivia countersigns with her authenticator code.
    secret = await enable_totp(Encryptor(settings.secret_key), cast.olivia_id)
    await act_as_staff(client, cast.olivia_id)
    wrong = await _post(client, page, f"{page}/countersign", {"code": "12345"})
    assert wrong.status_code == 400 and "not right" in wrong.text
    done = await _post(client, page, f"{page}/countersign", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 303
    assert "Executed" in (await client.get(page)).text
    status = await get_engine().fetch("SELECT status FROM collaboration WHERE id = $1", deal.collaboration_id)
    assert status[0]["status"] == "contracted"
    brand_pdf = await client.get(f"{page}/pdf")
    assert brand_pdf.status_code == 200 and brand_pdf.headers["content-type"] == "application/pdf"

    await _creator_session(client, cast.alice_id, minutes_ago=1)
    creator_pdf = await client.get(f"{sign_page}/pdf")
    assert creator_pdf.content == brand_pdf.content

    # /verify, signed out: the executed PDF verifies; one changed byte doesn't; junk gets a clear message.
    client.cookies.delete(SESSION_COOKIE)
    token = csrf_token_from((await client.get("/verify")).text)
    verified = await client.post(
        "/verify", data={"_csrf_token": token}, files={"file": ("c.pdf", brand_pdf.content, "application/pdf")}
    )
    assert verified.status_code == 200 and "Verified: this file" in verified.text
    assert "Alice Rivera" in verified.text and "alice@creators.test" not in verified.text
    assert "203.0.113" not in verified.text
    changed = bytearray(brand_pdf.content)
    changed[500] ^= 0x01
    refused = await client.post(
        "/verify", data={"_csrf_token": token}, files={"file": ("c.pdf", bytes(changed), "application/pdf")}
    )
    assert "Not verified" in refused.text
    junk = await client.post("/verify", data={"_csrf_token": token}, files={"file": ("c.txt", b"hello", "text/plain")})
    assert "not a PDF" in junk.text
    empty = await client.post("/verify", data={"_csrf_token": token}, files={"file": ("c.pdf", b"", "application/pdf")})
    assert empty.status_code == 400 and "empty" in empty.text


async def test_countersigning_without_totp_sends_staff_to_set_it_up(client: httpx.AsyncClient, cast: Cast) -> None:
    from tests.contract_helpers import sign

    deal = await agreed_deal(cast)
    await act_as_staff(client, cast.bob_id)
    offer_page = f"/backoffice/b/acme/offers/{deal.collaboration_id}"
    await _post(client, offer_page, f"{offer_page}/contract", {})
    [contract] = await list_brand_contracts(cast.acme_id)
    page = f"/backoffice/b/acme/contracts/{contract.id}"
    await _post(client, page, f"{page}/send", {})
    await sign(cast, contract.id)
    answer = await _post(client, page, f"{page}/countersign", {"code": "123456"})
    assert answer.status_code == 303 and answer.headers["location"] == "/backoffice/account/totp"
    assert "Countersign and execute" in (await client.get(page)).text  # still waiting, nothing happened


async def test_verify_is_rate_limited(client: httpx.AsyncClient) -> None:
    token = csrf_token_from((await client.get("/verify")).text)
    codes = []
    for _ in range(12):
        answer = await client.post(
            "/verify", data={"_csrf_token": token}, files={"file": ("c.pdf", b"%PDF-1.7 nothing", "application/pdf")}
        )
        codes.append(answer.status_code)
    assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]
