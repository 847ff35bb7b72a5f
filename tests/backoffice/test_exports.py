"""The Exports page: finance asks for an export, watches it, downloads it from a signed, expiring URL (audited);
the form keeps what was typed; managers are refused. And a creator's statements on the portal Payments page."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import httpx
import pytest

from shared.db.engine import get_engine
from shared.db.querycount import count_queries
from shared.exports.generation import generate_export
from shared.exports.rules import LEDGER_COLUMNS, STATEMENT_COLUMNS, last_month
from shared.integrations.storage import DOWNLOAD_URL_SECONDS
from shared.integrations.storage_local import LocalStorage
from tests.conftest import Cast, csrf_token_from
from tests.exports_helpers import acme_books, parse, today
from tests.personas import act_as_creator, act_as_staff

PAGE = "/backoffice/b/acme/exports"


async def _post(client: httpx.AsyncClient, data: dict[str, str]) -> httpx.Response:
    token = csrf_token_from((await client.get(PAGE)).text)
    return await client.post(PAGE, data={"_csrf_token": token, **data}, follow_redirects=False)


async def _audit(action: str) -> list[str]:
    rows = await get_engine().fetch("SELECT actor_label FROM audit_log WHERE action = $1 ORDER BY id", action)
    return [r["actor_label"] for r in rows]


async def test_finance_requests_watches_and_downloads_the_ledger(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage
) -> None:
    await acme_books(cast)
    await act_as_staff(client, cast.fran_id)
    page = await client.get(PAGE)
    assert page.status_code == 200
    start, end = last_month(today())
    assert f'value="{start.isoformat()}"' in page.text and f'value="{end.isoformat()}"' in page.text
    assert "No exports yet" in page.text
    answer = await _post(client, {"kind": "ledger", "start": today().isoformat(), "end": today().isoformat()})
    assert answer.status_code == 303
    page = await client.get(PAGE)
    assert "Waiting for a worker" in page.text and 'hx-trigger="every 2s"' in page.text
    [row] = await get_engine().fetch("SELECT id FROM export")
    export_id = int(row["id"])
    assert await generate_export(export_id, local_storage) == "done"
    table = await client.get(PAGE, headers={"hx-request": "true"})
    assert "<h1>" not in table.text and "Ready" in table.text and "every 2s" not in table.text
    assert f"{PAGE}/{export_id}/download" in table.text

    download = await client.get(f"{PAGE}/{export_id}/download", follow_redirects=False)
    assert download.status_code == 303
    signed = download.headers["location"]
    assert "/storage/objects/" in signed
    served = await client.get(urlsplit(signed).path)
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/csv")
    rows = parse(served.content)
    assert rows[0] == list(LEDGER_COLUMNS) and len(rows) == 9
    assert await _audit("export.requested") == ["fran@acme.test"]
    assert await _audit("export.downloaded") == ["fran@acme.test"]
    assert "Fran Finance" in page.text  # who asked, by name


async def test_the_signed_url_refuses_tampering_and_expires(
    client: httpx.AsyncClient, cast: Cast, local_storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    await acme_books(cast)
    await act_as_staff(client, cast.fran_id)
    await _post(client, {"kind": "ledger", "start": today().isoformat(), "end": today().isoformat()})
    [row] = await get_engine().fetch("SELECT id FROM export")
    await generate_export(int(row["id"]), local_storage)
    signed = (await client.get(f"{PAGE}/{row['id']}/download", follow_redirects=False)).headers["location"]
    path = urlsplit(signed).path
    payload, _, signature = path.rsplit("/", 1)[1].partition(".")
    tampered = f"/storage/objects/{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}.{signature}"
    assert (await client.get(tampered)).status_code == 403
    assert (await client.get(path)).status_code == 200
    monkeypatch.setattr(local_storage, "_clock", lambda: time.time() + DOWNLOAD_URL_SECONDS + 5)
    expired = await client.get(path)
    assert expired.status_code == 403 and "expired" in expired.text


async def test_the_form_keeps_what_was_typed(client: httpx.AsyncClient, cast: Cast) -> None:
    await act_as_staff(client, cast.fran_id)
    answer = await _post(client, {"kind": "statement", "start": "2026-03-31", "end": "2026-03-01", "creator": ""})
    assert answer.status_code == 400
    assert 'value="2026-03-31"' in answer.text and 'value="2026-03-01"' in answer.text
    assert 'value="statement" checked' in answer.text
    assert "The period ends before it starts." in answer.text
    assert "Choose the creator whose statement to make." in answer.text
    assert not await get_engine().fetch("SELECT id FROM export")


async def test_managers_and_other_brands_get_nothing(client: httpx.AsyncClient, cast: Cast) -> None:
    await act_as_staff(client, cast.bob_id)
    assert (await client.get(PAGE)).status_code == 403
    await act_as_staff(client, cast.charlie_id)
    assert (await client.get(PAGE)).status_code == 404


async def test_an_export_of_another_brand_or_unfinished_is_not_found(client: httpx.AsyncClient, cast: Cast) -> None:
    await act_as_staff(client, cast.fran_id)
    await _post(client, {"kind": "ledger", "start": today().isoformat(), "end": today().isoformat()})
    [row] = await get_engine().fetch("SELECT id FROM export")
    assert (await client.get(f"{PAGE}/{row['id']}/download", follow_redirects=False)).status_code == 404
    assert await _audit("export.downloaded") == []


async def test_a_creator_downloads_their_own_statement(client: httpx.AsyncClient, cast: Cast) -> None:
    await acme_books(cast)
    await act_as_creator(client, cast.alice_id)
    page = await client.get("/payments")
    url = f"/payments/statements/{cast.acme_id}/{today().year}"
    assert f'href="{url}"' in page.text and f"Acme, {today().year}" in page.text
    answer = await client.get(url)
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    rows = parse(answer.content)
    assert rows[0] == list(STATEMENT_COLUMNS)
    assert [r[2] for r in rows[1:]] == ["opening balance", "owed", "paid (bank transfer)", "owed", "cancelled",
                                        "closing balance"]  # fmt: skip
    assert await _audit("export.downloaded") == ["alice@creators.test"]
    # Globex owes her nothing: no statement there, and no way to ask for another creator's.
    assert (await client.get(f"/payments/statements/{cast.globex_id}/{today().year}")).status_code == 404


async def test_past_exports_come_a_page_at_a_time(client: httpx.AsyncClient, cast: Cast) -> None:
    """Fifty a page, newest first; older pages by keyset, never polled; another brand's exports never shown."""
    await get_engine().fetch(
        "INSERT INTO export (brand, kind, period_start, period_end, state, requested_by_name) "
        "SELECT $1, 'ledger', current_date, current_date, CASE WHEN n = 60 THEN 'running' ELSE 'done' END, 'Fran' "
        "FROM generate_series(1, 60) n",
        cast.acme_id,
    )
    await get_engine().fetch(
        "INSERT INTO export (brand, kind, period_start, period_end, state) VALUES ($1, 'ledger', current_date, "
        "current_date, 'done')",
        cast.globex_id,
    )
    ids = [int(r["id"]) for r in await get_engine().fetch(
        "SELECT id FROM export WHERE brand = $1 ORDER BY id DESC", cast.acme_id
    )]  # fmt: skip
    await act_as_staff(client, cast.fran_id)
    await client.get(PAGE)  # a first visit may look up type codecs and save the session
    with count_queries() as counted:
        first = await client.get(PAGE)
    assert first.status_code == 200 and counted.count <= 3, counted.statements  # session, exports, creators
    shown = [int(x) for x in re.findall(r'id="export-(\d+)"', first.text)]
    assert shown == ids[:50]
    assert 'hx-trigger="every 2s"' in first.text  # the newest is being made
    assert f'href="?before={ids[49]}" rel="next"' in first.text
    older = await client.get(f"{PAGE}?before={ids[49]}")
    assert [int(x) for x in re.findall(r'id="export-(\d+)"', older.text)] == ids[50:]
    assert "every 2s" not in older.text and 'rel="next"' not in older.text and "Newest exports" in older.text
    beyond = await client.get(f"{PAGE}?before={ids[-1]}")
    assert "No older exports" in beyond.text and "No exports yet" not in beyond.text
    assert (await client.get(f"{PAGE}?before=abc")).status_code == 400
