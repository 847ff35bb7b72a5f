"""Tax details over real HTTP: Alice files her W-9 in the portal; a refused form keeps what she typed but never
the TIN; after entry the TIN is masked everywhere, and it appears in no page, log line or export but the year-end
filing file (the logs are captured and grepped). Creators see only their own form and totals."""

from __future__ import annotations

import datetime as dt
import io
import logging
import zipfile

import pytest

from shared.audit.context import system_actor
from shared.db.engine import get_engine
from shared.identity.actions import SocialAccount, do_create_creator
from shared.settings import Settings
from tests.conftest import Cast, csrf_token_from
from tests.personas import act_as_creator, act_as_staff
from tests.tax_helpers import FOREIGN_TIN, SSN, SSN_DIGITS, W8BEN, W9, file_w9, paid_manually

YEAR = dt.datetime.now(dt.UTC).year
SECRETS = (SSN, SSN_DIGITS, "524-713986", "52471-3986")


def assert_no_tin(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"the TIN appears in {where}"


async def test_alice_files_her_w9_and_sees_it_masked(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    await act_as_creator(client, cast.alice_id)
    empty = await client.get("/tax")
    assert "No tax form on file yet" in empty.text
    form = await client.get("/tax/w9")
    assert form.status_code == 200 and "Under penalties of perjury" in form.text
    sent = await client.post("/tax/w9", data={**W9, "_csrf_token": csrf_token_from(form.text)}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/tax"
    page = await client.get("/tax")
    assert 'data-form="w9"' in page.text and "•••-••-3986" in page.text and "Alice Walker" in page.text
    assert_no_tin(page.text, "the tax page")
    again = await client.get("/tax/w9")  # a new submission starts from the current one, but never the TIN
    assert 'value="1 Trail Rd"' in again.text and 'name="tin" value=""' in again.text
    assert_no_tin(again.text, "the form")


async def test_a_refused_form_keeps_what_was_typed_except_the_tin(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    await act_as_creator(client, cast.alice_id)
    token = csrf_token_from((await client.get("/tax/w9")).text)
    sent = await client.post("/tax/w9", data={**W9, "postal_code": "8030", "certify": "", "_csrf_token": token})
    assert sent.status_code == 400
    assert "Enter a ZIP code like 94107" in sent.text
    assert "Tick the box to certify" in sent.text
    assert 'value="Alice Outdoors LLC"' in sent.text and 'value="8030"' in sent.text
    assert 'name="tin" value=""' in sent.text and "never shown back" in sent.text
    assert_no_tin(sent.text, "the refused form")
    bad_tin = await client.post("/tax/w9", data={**W9, "tin": "666-12-3456", "_csrf_token": token})
    assert bad_tin.status_code == 400 and "never starts with 666" in bad_tin.text and "666-12-3456" not in bad_tin.text
    assert not await get_engine().fetch("SELECT 1 FROM tax_profile")

    w8 = await client.post("/tax/w8ben", data={**W8BEN, "country": "US", "_csrf_token": token})
    assert w8.status_code == 400 and "US residents fill in a W-9" in w8.text
    assert FOREIGN_TIN not in w8.text and 'value="Manchester"' in w8.text


async def test_creators_see_only_their_own_form(client, cast: Cast, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    await file_w9(settings.secret_key, cast.alice_id)
    account = SocialAccount("instagram", "ig-bea", "bea.eats", 12_000, 300)
    bea = await do_create_creator(system_actor("test"), display_name="Bea", email="bea@creators.test", country="US",
                                  niches=["food"], accounts=[account])  # fmt: skip
    await act_as_creator(client, int(bea.id))
    for url in ("/tax", "/tax/w9", "/payments"):
        page = await client.get(url)
        assert page.status_code == 200
        assert "Alice Walker" not in page.text and "3986" not in page.text, url


async def test_the_tin_is_in_no_page_log_or_export_but_the_filing(  # type: ignore[no-untyped-def]
    client, cast: Cast, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    await paid_manually(cast, fee="6000")  # 3,000 paid this year: reportable
    await act_as_creator(client, cast.alice_id)
    token = csrf_token_from((await client.get("/tax/w9")).text)
    refused = await client.post("/tax/w9", data={**W9, "region": "ZZ", "_csrf_token": token})
    assert refused.status_code == 400
    saved = await client.post("/tax/w9", data={**W9, "_csrf_token": token}, follow_redirects=False)
    assert saved.status_code == 303

    pages: dict[str, str] = {}
    for url in ("/tax", "/tax/w9", "/tax/w8ben", "/payments", "/home"):
        pages[url] = (await client.get(url)).text
    archive = await client.get("/privacy/export")  # the creator's own data export
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as files:
        for name in files.namelist():
            assert_no_tin(files.read(name).decode(), f"the data export's {name}")
    assert "•••-••-3986" in pages["/payments"] and f'data-year="{YEAR}"' in pages["/payments"]
    assert "US$3,000.00" in pages["/payments"]

    await act_as_staff(client, cast.olivia_id)
    for url in ("/backoffice/b/acme/year-end", "/backoffice/b/acme/audit", "/backoffice/b/acme/payouts",
                "/backoffice/b/acme/payouts.csv", "/backoffice/b/acme/settings/tax",
                f"/backoffice/b/acme/creators/{cast.alice_id}"):  # fmt: skip
        answer = await client.get(url)
        assert answer.status_code == 200, url
        pages[url] = answer.text
    assert "•••-••-3986" in pages["/backoffice/b/acme/year-end"]
    for url, text in pages.items():
        assert_no_tin(text, url)

    filing = await client.get(f"/backoffice/b/acme/year-end/{YEAR}/1099-nec.csv")
    assert filing.status_code == 200 and filing.headers["content-type"].startswith("text/csv")
    assert "524-71-3986" in filing.text and "3000.00" in filing.text
    assert filing.headers["cache-control"] == "no-store"

    stored = await get_engine().fetch(
        "SELECT (SELECT string_agg(a::text, ' ') FROM audit_log a) AS audit, "
        "(SELECT string_agg(n::text, ' ') FROM notification n) AS notes, "
        "(SELECT string_agg(t::text, ' ') FROM tax_profile t) AS profiles"
    )
    for column in ("audit", "notes", "profiles"):
        assert_no_tin(str(stored[0][column] or ""), column)

    captured = capfd.readouterr()
    logs = caplog.text + captured.out + captured.err
    logs += " ".join(str(r.args) + str(r.__dict__.get("event", "")) for r in caplog.records)
    assert "/tax/w9" in logs and "1099-nec.csv" in logs  # the requests were logged: these are real lines
    assert_no_tin(logs, "the logs")
