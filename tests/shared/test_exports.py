"""Exports' content, exactly: golden rows built from real actions, integer-exact money, the general ledger
balancing per journal and currency, statements' opening and closing owed, streaming in pages, the job."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from shared.db.engine import get_engine
from shared.db.querycount import count_queries
from shared.errors import InvalidInput, PermissionDenied
from shared.exports.actions import do_download_statement, do_request_export
from shared.exports.generation import csv_chunks, generate_export
from shared.exports.rows import Scope, pages
from shared.exports.rules import LEDGER_COLUMNS, PAYABLES_COLUMNS, STATEMENT_COLUMNS, Kind
from shared.integrations.storage_local import LocalStorage
from shared.ledger.queries import list_payable_journals
from shared.settings import Settings
from tests.conftest import Cast
from tests.exports_helpers import ACTOR, access, acme_books, parse, today
from tests.payment_helpers import run_jobs


async def _csv(scope: Scope, page_size: int = 2_000) -> list[list[str]]:
    return parse(b"".join([chunk async for chunk in csv_chunks(scope, page_size)]))


async def _journal_ids(payable_id: int) -> dict[str, int]:
    return {line.kind: line.journal_id for line in await list_payable_journals(payable_id)}


async def test_it_exports_the_general_ledger_one_row_per_entry(cast: Cast) -> None:
    books = await acme_books(cast)
    paid, cancelled = await _journal_ids(books.paid), await _journal_ids(books.cancelled)
    day = today().isoformat()
    a = cast.alice_id
    rows = await _csv(Scope(Kind.LEDGER, cast.acme_id, today(), today()))
    assert rows == [
        list(LEDGER_COLUMNS),
        [day, str(paid["accrued"]), "expense", "600.00", "", "USD", f"payable:{books.paid}:accrued",
         "signing the contract reached", "accrued"],
        [day, str(paid["accrued"]), f"payable:{a}", "", "600.00", "USD", f"payable:{books.paid}:accrued",
         "signing the contract reached", "accrued"],
        [day, str(paid["manual_paid"]), f"payable:{a}", "600.00", "", "USD", f"payable:{books.paid}:manual_paid",
         "Bank transfer ACME-77", "manual_paid"],
        [day, str(paid["manual_paid"]), "manual", "", "600.00", "USD", f"payable:{books.paid}:manual_paid",
         "Bank transfer ACME-77", "manual_paid"],
        [day, str(cancelled["accrued"]), "expense", "125.05", "", "USD", f"payable:{books.cancelled}:accrued",
         "signing the contract reached", "accrued"],
        [day, str(cancelled["accrued"]), f"payable:{a}", "", "125.05", "USD", f"payable:{books.cancelled}:accrued",
         "signing the contract reached", "accrued"],
        [day, str(cancelled["cancelled"]), f"payable:{a}", "125.05", "", "USD",
         f"payable:{books.cancelled}:cancelled", "the deal was cancelled", "cancelled"],
        [day, str(cancelled["cancelled"]), "expense", "", "125.05", "USD", f"payable:{books.cancelled}:cancelled",
         "the deal was cancelled", "cancelled"],
    ]  # fmt: skip


async def test_it_balances_every_journal_per_currency_in_the_ledger_export(cast: Cast) -> None:
    await acme_books(cast)
    rows = await _csv(Scope(Kind.LEDGER, cast.acme_id, today() - dt.timedelta(days=31), today()))
    debits: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    credits: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in rows[1:]:
        record = dict(zip(LEDGER_COLUMNS, row, strict=True))
        assert (record["debit"] == "") != (record["credit"] == ""), row  # exactly one side per entry
        debits[record["journal"], record["currency"]] += Decimal(record["debit"] or "0")
        credits[record["journal"], record["currency"]] += Decimal(record["credit"] or "0")
    assert len(debits) == 4
    assert debits == credits
    # The totals agree with the integer minor units in the database, to the cent.
    [total] = await get_engine().fetch(
        "SELECT sum(amount_minor) FILTER (WHERE amount_minor > 0) AS d FROM ledger_entry"
    )
    assert sum(debits.values()) == Decimal(int(total["d"])) / 100


async def test_it_leaves_out_journals_outside_the_period_and_other_brands(cast: Cast) -> None:
    await acme_books(cast)
    yesterday = today() - dt.timedelta(days=1)
    assert await _csv(Scope(Kind.LEDGER, cast.acme_id, yesterday - dt.timedelta(days=30), yesterday)) == [
        list(LEDGER_COLUMNS)
    ]
    assert await _csv(Scope(Kind.LEDGER, cast.globex_id, today(), today())) == [list(LEDGER_COLUMNS)]


async def test_it_exports_payables_and_payouts_of_the_period(cast: Cast) -> None:
    books = await acme_books(cast)
    rows = await _csv(Scope(Kind.PAYABLES, cast.acme_id, today(), today()))
    assert rows[0] == list(PAYABLES_COLUMNS)
    records = [dict(zip(PAYABLES_COLUMNS, row, strict=True)) for row in rows[1:]]
    assert [r["payable"] for r in records] == [str(books.paid), str(books.cancelled)]
    paid, cancelled = records
    assert paid["creator"] == str(cast.alice_id) and paid["creator_name"] == "Alice Rivera"
    assert (paid["milestone"], paid["status"], paid["amount"], paid["currency"]) == ("signing", "paid_out", "600.00",
                                                                                     "USD")  # fmt: skip
    assert (paid["method"], paid["transfer_reference"]) == ("bank_transfer", "ACME-77")
    assert paid["milestone_date"] == today().isoformat() and paid["paid_at"].startswith(today().isoformat())
    assert paid["approved_at"].endswith("Z")
    assert (cancelled["status"], cancelled["amount"], cancelled["paid_at"]) == ("cancelled", "125.05", "")


async def test_it_makes_a_statement_with_each_payable_and_payment(cast: Cast) -> None:
    books = await acme_books(cast)
    day = today().isoformat()
    rows = await _csv(Scope(Kind.STATEMENT, cast.acme_id, today(), today(), cast.alice_id))
    campaign = (await get_engine().fetch("SELECT k.name FROM payable p JOIN campaign k ON k.id = p.campaign "
                                         "WHERE p.id = $1", books.paid))[0]["name"]  # fmt: skip
    other = (await get_engine().fetch("SELECT k.name FROM payable p JOIN campaign k ON k.id = p.campaign "
                                      "WHERE p.id = $1", books.cancelled))[0]["name"]  # fmt: skip
    assert rows == [
        list(STATEMENT_COLUMNS),
        [day, "USD", "opening balance", "", "", "", "", "", "", "0.00"],
        [day, "USD", "owed", str(books.paid), campaign, "signing", "", "600.00", "", "600.00"],
        [day, "USD", "paid (bank transfer)", str(books.paid), campaign, "signing", "ACME-77", "", "600.00", "0.00"],
        [day, "USD", "owed", str(books.cancelled), other, "signing", "", "125.05", "", "125.05"],
        [day, "USD", "cancelled", str(books.cancelled), other, "signing", "", "-125.05", "", "0.00"],
        [day, "USD", "closing balance", "", "", "", "", "", "", "0.00"],
    ]  # fmt: skip


async def test_it_carries_what_was_owed_into_a_later_statements_opening(cast: Cast) -> None:
    from shared.payments.actions import record_milestone
    from tests.factories import agreed_deal

    deal = await agreed_deal(cast, fee="99.99")
    assert await record_milestone(ACTOR, deal.collaboration_id, "signing") is not None  # owed 50.00 (rounded half)
    owed = (await get_engine().fetch("SELECT amount_minor FROM payable"))[0]["amount_minor"]
    tomorrow = today() + dt.timedelta(days=1)
    rows = await _csv(Scope(Kind.STATEMENT, cast.acme_id, tomorrow, tomorrow + dt.timedelta(days=30), cast.alice_id))
    owed_text = f"{Decimal(owed) / 100:.2f}"
    assert [r[2] for r in rows[1:]] == ["opening balance", "closing balance"]
    assert rows[1][-1] == rows[2][-1] == owed_text


async def test_it_reads_the_ledger_a_page_at_a_time(client: httpx.AsyncClient, cast: Cast) -> None:
    """8 entries in pages of 3: three fetches (3 + 3 + 2 rows), never the whole ledger at once. (The client starts
    the app, whose connection pool count_queries watches.)"""
    await acme_books(cast)
    scope = Scope(Kind.LEDGER, cast.acme_id, today(), today())
    sizes = []
    with count_queries() as log:
        async for page in pages(scope, page_size=3):
            sizes.append(len(page))
    assert sizes == [3, 3, 2]
    assert log.count == 3
    # The same rows as one big page.
    assert [row async for page in pages(scope, page_size=3) for row in page] == [
        row async for page in pages(scope, page_size=100) for row in page
    ]


async def test_it_reads_a_statement_a_page_at_a_time(client: httpx.AsyncClient, cast: Cast) -> None:
    # (the client starts the app, whose connection pool count_queries watches)
    await acme_books(cast)
    scope = Scope(Kind.STATEMENT, cast.acme_id, today(), today(), cast.alice_id)
    with count_queries() as log:
        chunks = [page async for page in pages(scope, page_size=2)]
    # The accounts with their opening balances, then 4 entries in pages of 2, then the empty page that ends them.
    assert [len(p) for p in chunks] == [1, 2, 2, 1]
    assert log.count == 1 + 3


async def test_it_generates_the_file_through_the_job_and_audits_it(
    cast: Cast, settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await acme_books(cast)
    monkeypatch.setenv("STORAGE_URL", settings.storage_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    fran = await access(cast.fran_id, cast.acme_id)
    export_id = await do_request_export(ACTOR, fran, kind="ledger", start=today(), end=today(), creator_id=None,
                                        today=today())  # fmt: skip
    [row] = await get_engine().fetch("SELECT state FROM export WHERE id = $1", export_id)
    assert row["state"] == "queued"
    await run_jobs(database_url)
    [row] = await get_engine().fetch("SELECT * FROM export WHERE id = $1", export_id)
    assert (row["state"], row["rows_total"], row["rows_written"]) == ("done", 8, 8)
    storage = LocalStorage(Path(settings.storage_url.removeprefix("file://")), settings.secret_key, settings.base_url)
    stored = await storage.get_bytes(row["storage_key"])
    assert stored == b"".join([c async for c in csv_chunks(Scope(Kind.LEDGER, cast.acme_id, today(), today()))])
    assert row["size_bytes"] == len(stored)
    audit = await get_engine().fetch("SELECT action FROM audit_log WHERE subject_type = 'export' ORDER BY id")
    assert [r["action"] for r in audit] == ["export.requested", "export.completed"]
    # A second run (a retried job) leaves the finished export alone.
    assert await generate_export(export_id, storage) == "skipped"


async def test_it_refuses_requests_finance_cannot_have_meant(cast: Cast) -> None:
    fran = await access(cast.fran_id, cast.acme_id)
    with pytest.raises(InvalidInput) as caught:
        await do_request_export(ACTOR, fran, kind="statement", start=today(), end=today() - dt.timedelta(days=1),
                                creator_id=None, today=today())  # fmt: skip
    assert set(caught.value.errors) == {"end", "creator"}
    with pytest.raises(InvalidInput) as caught:
        await do_request_export(ACTOR, fran, kind="statement", start=today(), end=today(), creator_id=cast.alice_id,
                                today=today())  # fmt: skip
    assert caught.value.errors == {"creator": "Choose a creator from the list."}  # no money with Acme yet
    bob = await access(cast.bob_id, cast.acme_id)
    with pytest.raises(PermissionDenied):
        await do_request_export(ACTOR, bob, kind="ledger", start=today(), end=today(), creator_id=None, today=today())
    assert not await get_engine().fetch("SELECT id FROM export")


async def test_it_streams_a_creators_statement_and_audits_the_download(cast: Cast) -> None:
    await acme_books(cast)
    statement = await do_download_statement(ACTOR, cast.alice_id, brand_id=cast.acme_id, year=today().year)
    rows = parse(b"".join([c async for c in statement.chunks]))
    assert rows[0] == list(STATEMENT_COLUMNS) and rows[-1][2] == "closing balance"
    assert statement.filename == f"acme-statement-{today().year}-01-01-to-{today().year}-12-31.csv"
    [audit] = await get_engine().fetch("SELECT action, subject_type FROM audit_log WHERE action LIKE 'export.%'")
    assert (audit["action"], audit["subject_type"]) == ("export.downloaded", "statement")


async def test_it_marks_an_export_failed_when_storage_refuses_it(cast: Cast, tmp_path: Path) -> None:
    await acme_books(cast)
    fran = await access(cast.fran_id, cast.acme_id)
    export_id = await do_request_export(ACTOR, fran, kind="payables", start=today(), end=today(), creator_id=None,
                                        today=today())  # fmt: skip
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the storage root should be")
    assert await generate_export(export_id, LocalStorage(blocked, "k" * 40, "http://127.0.0.1")) == "failed"
    [row] = await get_engine().fetch("SELECT state, error FROM export WHERE id = $1", export_id)
    assert row["state"] == "failed" and "Ask for it again" in row["error"]
    audit = await get_engine().fetch("SELECT action FROM audit_log WHERE subject_type = 'export' ORDER BY id")
    assert [r["action"] for r in audit] == ["export.requested", "export.failed"]
