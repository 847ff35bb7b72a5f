"""Money at Acme for the export tests, built through the real payment actions (no Stripe needed: a payable paid
by bank transfer, and one cancelled)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from shared.audit.context import system_actor
from shared.identity.queries import BrandAccess, get_staff_context
from shared.payments.actions import do_cancel_open_payables, do_record_manual_payout, record_milestone
from tests.conftest import Cast
from tests.factories import agreed_deal
from tests.payment_helpers import approved

ACTOR = system_actor("test")


@dataclass(frozen=True)
class Books:
    paid: int  # Alice's signing payable (US$600.00), approved by Fran and paid by bank transfer (ACME-77)
    cancelled: int  # Alice's signing payable of another deal (US$125.05), cancelled with the deal
    cancelled_deal: int


async def acme_books(cast: Cast) -> Books:
    first = await agreed_deal(cast, fee="1200")
    paid = await record_milestone(ACTOR, first.collaboration_id, "signing")
    assert paid is not None
    await approved(cast, paid)
    olivia = await get_staff_context(cast.olivia_id)
    await do_record_manual_payout(ACTOR, olivia, brand_id=cast.acme_id, payable_id=paid, method="bank_transfer",
                                  reference="ACME-77")  # fmt: skip
    second = await agreed_deal(cast, fee="250.10")
    cancelled = await record_milestone(ACTOR, second.collaboration_id, "signing")
    assert cancelled is not None
    await do_cancel_open_payables(ACTOR, second.collaboration_id, reason="called off")
    return Books(paid, cancelled, second.collaboration_id)


async def access(staff_id: int, brand_id: int) -> BrandAccess:
    staff = await get_staff_context(staff_id)
    return next(b for b in staff.brands if b.brand_id == brand_id)


def parse(data: bytes) -> list[list[str]]:
    assert data.decode("utf-8")  # UTF-8 throughout
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def backdated_accrual(brand_id: int, creator_id: int, amount_minor: int, at: dt.datetime, key: str) -> int:
    """An accrual journal posted at `at` (in the past). Rapport posts journals at the time of the event and has no
    action that back-dates one, so a past month's books are written as a posting is: an INSERT into the append-only
    ledger, balanced (the database's deferred check still runs at commit)."""
    from shared.db.engine import get_engine
    from shared.db.transactions import atomic
    from shared.ledger.rules import payable_lines

    engine = get_engine()
    async with atomic():
        [journal] = await engine.fetch(
            "INSERT INTO ledger_journal (brand, key, kind, description, stripe_object, created_at) "
            "VALUES ($1, $2, 'accrued', 'the bonus reached', '', $3) RETURNING id",
            brand_id,
            key,
            at,
        )
        for line in payable_lines("accrued", creator_id, amount_minor):
            [account] = await engine.fetch(
                "INSERT INTO ledger_account (brand, currency, code, kind, creator) VALUES ($1, 'USD', $2, $3, $4) "
                "ON CONFLICT (brand, currency, code) DO UPDATE SET code = excluded.code RETURNING id",
                brand_id,
                line.account.code,
                line.account.kind,
                line.account.creator_id,
            )
            await engine.fetch(
                "INSERT INTO ledger_entry (journal, account, amount_minor, currency) VALUES ($1, $2, $3, 'USD')",
                int(journal["id"]),
                int(account["id"]),
                line.amount_minor,
            )
    return int(journal["id"])
