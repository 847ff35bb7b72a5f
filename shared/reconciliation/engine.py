"""What a reconciliation run does: read Stripe for a brand's month, a page at a time, and class every item.

    transfers (and their reversals)  →  matched to payables by transfer id, else by our metadata (rapport_payable)
    payables we sent in the month that no page showed  →  looked up by id at Stripe (made just outside the month?)
    connected accounts' payouts (the brand's creators)  →  paid, or failed since
    balance transactions  →  fees and currency conversions on the brand's transfers, journaled (keyed by Stripe id)

Each page is classed and written (one statement) before the next is read, so memory holds one page, plus the ids
of the payables already seen (an int each). Items are upserted by (period, key) and rewritten only when their
class or amounts changed: a rerun over an unchanged Stripe writes nothing, and a break keeps its resolution.
Runs outside any transaction (Stripe calls are never made inside one); each page is its own short write.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from shared.db.engine import get_engine
from shared.integrations.stripe_connect import BalanceTransaction, StripeConnect, StripeUnavailable, Transfer
from shared.ledger.actions import LedgerError, post_journal
from shared.ledger.rules import fee_lines, fx_lines
from shared.payments.rules import payable_id_of, payable_ref
from shared.reconciliation.rules import (
    SENT_STATES,
    OurTransfer,
    Result,
    StripeTransfer,
    SummaryCell,
    Verdict,
    classify_payout,
    classify_transfer,
    fee_amount,
    is_fee,
    item_key,
    period_bounds,
    summary_json,
)

log = logging.getLogger(__name__)
METADATA_KEY = "rapport_payable"  # as shared.payments.sending writes it


@dataclass
class Row:
    key: str
    kind: str
    result: Result
    stripe_id: str
    payable_id: int | None
    currency: str
    stripe_amount: int | None
    our_amount: int | None
    occurred: int  # unix seconds
    detail: str


@dataclass
class Progress:
    run_id: int
    brand_id: int
    period_id: int
    starts_on: dt.date
    pages: int = 0
    items: int = 0
    changed: int = 0
    seen_payables: set[int] = field(default_factory=set)


class RunRefused(RuntimeError):
    """The run can't go on (its period was closed meanwhile); recorded on the run."""


# -- the run's bookkeeping -------------------------------------------------------------------------------------
async def _start(run_id: int) -> Progress | None:
    rows = await get_engine().fetch(
        """
        UPDATE reconciliation_run r SET state = 'running', started_at = now(), pages_read = 0, items_read = 0,
               changed = 0, error = ''
        FROM reconciliation_period p
        WHERE r.id = $1 AND p.id = r.period AND r.state IN ('queued', 'running')
        RETURNING r.brand, r.period, p.starts_on, p.state AS period_state
        """,
        run_id,
    )
    if not rows:
        return None
    r = rows[0]
    progress = Progress(run_id, int(r["brand"]), int(r["period"]), r["starts_on"])
    if r["period_state"] == "closed":
        await _finish(progress, error="The period was closed: its books are final.")
        return None
    return progress


async def _step(progress: Progress) -> None:
    await get_engine().fetch(
        "UPDATE reconciliation_run SET pages_read = $2, items_read = $3, changed = $4 WHERE id = $1",
        progress.run_id,
        progress.pages,
        progress.items,
        progress.changed,
    )


async def _finish(progress: Progress, *, error: str = "") -> None:
    cells = await period_summary_cells(progress.period_id)
    await get_engine().fetch(
        """
        UPDATE reconciliation_run SET state = $2, error = $3, finished_at = now(), summary = $4::jsonb,
               pages_read = $5, items_read = $6, changed = $7
        WHERE id = $1
        """,
        progress.run_id,
        "failed" if error else "done",
        error,
        _json(summary_json(cells)),
        progress.pages,
        progress.items,
        progress.changed,
    )


def _json(value: object) -> str:
    import json

    return json.dumps(value, sort_keys=True)


async def period_summary_cells(period_id: int) -> list[SummaryCell]:
    rows = await get_engine().fetch(
        """
        SELECT result, currency, count(*) AS n, coalesce(sum(coalesce(stripe_amount_minor, our_amount_minor)), 0)
               ::bigint AS amount
        FROM reconciliation_item WHERE period = $1 GROUP BY result, currency ORDER BY result, currency
        """,
        period_id,
    )
    return [SummaryCell(r["result"], r["currency"], int(r["n"]), int(r["amount"])) for r in rows]


async def _write(progress: Progress, rows: list[Row]) -> None:
    """Upsert a page's items in one statement; only new or changed items are written (and counted)."""
    progress.pages += 1
    progress.items += len(rows)
    if rows:
        written = await get_engine().fetch(
            """
            INSERT INTO reconciliation_item AS i (brand, period, key, kind, result, stripe_id, payable, currency,
                   stripe_amount_minor, our_amount_minor, occurred_at, detail, resolution, updated_run)
            SELECT $1, $2, t.k, t.kind, t.r, t.sid, t.pay, t.cur, t.sa, t.oa, to_timestamp(t.occ), t.det,
                   CASE WHEN t.r = 'matched' THEN '' ELSE 'open' END, $3
            FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::bigint[],
                        $11::bigint[], $12::bigint[], $13::text[]) AS t(k, kind, r, sid, pay, cur, sa, oa, occ, det)
            ON CONFLICT (period, key) DO UPDATE SET
                kind = excluded.kind, result = excluded.result, stripe_id = excluded.stripe_id,
                payable = excluded.payable, currency = excluded.currency,
                stripe_amount_minor = excluded.stripe_amount_minor, our_amount_minor = excluded.our_amount_minor,
                detail = excluded.detail, updated_run = excluded.updated_run,
                resolution = CASE
                    WHEN excluded.result = 'matched' AND i.resolution = 'open' THEN ''
                    WHEN excluded.result <> 'matched' AND i.resolution = '' THEN 'open'
                    ELSE i.resolution END
            WHERE (i.kind, i.result, i.stripe_id, i.payable, i.currency, i.stripe_amount_minor, i.our_amount_minor,
                   i.detail)
                IS DISTINCT FROM (excluded.kind, excluded.result, excluded.stripe_id, excluded.payable,
                   excluded.currency, excluded.stripe_amount_minor, excluded.our_amount_minor, excluded.detail)
            RETURNING i.id
            """,
            progress.brand_id,
            progress.period_id,
            progress.run_id,
            [r.key for r in rows],
            [r.kind for r in rows],
            [str(r.result) for r in rows],
            [r.stripe_id for r in rows],
            [r.payable_id for r in rows],
            [r.currency for r in rows],
            [r.stripe_amount for r in rows],
            [r.our_amount for r in rows],
            [r.occurred for r in rows],
            [r.detail for r in rows],
        )
        progress.changed += len(written)
    await _step(progress)


# -- our side ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Payable:
    ours: OurTransfer
    ref: str  # what our metadata at Stripe says for it


async def _payables_for(transfer_ids: list[str], payable_ids: list[int]) -> list[_Payable]:
    rows = await get_engine().fetch(
        """
        SELECT id, brand, amount_minor, currency, status, stripe_transfer_id, created_at FROM payable
        WHERE stripe_transfer_id = ANY($1::text[]) OR id = ANY($2::int[])
        """,
        transfer_ids,
        payable_ids,
    )
    return [
        _Payable(
            OurTransfer(
                int(r["id"]),
                int(r["brand"]),
                int(r["amount_minor"]),
                r["currency"],
                r["status"],
                r["stripe_transfer_id"] or "",
            ),
            payable_ref(int(r["id"]), r["created_at"]),
        )
        for r in rows
    ]


async def _brands_of_accounts(accounts: list[str]) -> dict[str, set[int]]:
    """The brands that work with the creator behind each connected account (accounts of nobody we know: absent)."""
    rows = await get_engine().fetch(
        """
        SELECT pa.stripe_account_id AS account, array_remove(array_agg(DISTINCT c.brand), NULL) AS brands
        FROM payout_account pa LEFT JOIN collaboration c ON c.creator = pa.creator
        WHERE pa.stripe_account_id = ANY($1::text[]) GROUP BY pa.stripe_account_id
        """,
        accounts,
    )
    return {r["account"]: {int(b) for b in r["brands"]} for r in rows}


def _stripe_side(transfer: Transfer) -> StripeTransfer:
    return StripeTransfer(transfer.id, transfer.amount, transfer.amount_reversed, transfer.currency, transfer.created)


async def _transfer_rows(connect: StripeConnect, progress: Progress, page: list[Transfer]) -> list[Row]:
    claimed: dict[str, int] = {}
    for transfer in page:
        payable_id = payable_id_of(transfer.metadata.get(METADATA_KEY, ""))
        if payable_id is not None:
            claimed[transfer.id] = payable_id
    found = await _payables_for([t.id for t in page], list(claimed.values()))
    by_transfer = {p.ours.stripe_transfer_id: p for p in found if p.ours.stripe_transfer_id}
    by_id = {p.ours.payable_id: p for p in found}
    unknown = [t for t in page if t.id not in by_transfer and t.id not in claimed]
    owners = await _brands_of_accounts(sorted({t.destination for t in unknown})) if unknown else {}
    rows: list[Row] = []
    for transfer in page:
        mine = by_transfer.get(transfer.id)
        if mine is None and transfer.id in claimed:
            candidate = by_id.get(claimed[transfer.id])
            # Our metadata names the payable, and the reference (id and creation time) is really ours.
            if candidate is not None and candidate.ref == transfer.metadata.get(METADATA_KEY):
                mine = candidate
        if mine is not None and mine.ours.brand_id != progress.brand_id:
            continue  # another brand's payable: its own run reconciles it
        if mine is None:
            brands = owners.get(transfer.destination)
            if brands is not None and progress.brand_id not in brands:
                continue  # a creator who does not work with this brand
        detail_extra = ""
        if transfer.amount_reversed:
            reversals = await connect.transfer_reversals(transfer.id)
            detail_extra = " Reversals: " + ", ".join(r[0] for r in reversals) + "."
        if mine is not None and mine.ours.stripe_transfer_id and mine.ours.stripe_transfer_id != transfer.id:
            # A second transfer for a payable that has one already: money Rapport does not account for.
            verdict = Verdict(Result.STRIPE_ONLY, f"A second transfer for payable #{mine.ours.payable_id}, which "
                                                  f"Rapport paid with {mine.ours.stripe_transfer_id}.")  # fmt: skip
            rows.append(Row(transfer.id, "transfer", verdict.result, transfer.id, mine.ours.payable_id,
                            transfer.currency, transfer.amount, None, transfer.created, verdict.detail))  # fmt: skip
            continue
        ours = mine.ours if mine is not None else None
        verdict = classify_transfer(_stripe_side(transfer), ours)
        if ours is not None:
            progress.seen_payables.add(ours.payable_id)
        rows.append(
            Row(
                item_key(ours.payable_id if ours else None, transfer.id), "transfer", verdict.result, transfer.id,
                ours.payable_id if ours else None, transfer.currency, transfer.amount,
                ours.amount if ours else None, transfer.created, (verdict.detail + detail_extra).strip(),
            )
        )  # fmt: skip
    return rows


async def _ours_only(connect: StripeConnect, progress: Progress) -> None:
    """Payables we sent within the month that no page of transfers showed: looked up at Stripe one by one (a
    transfer made a second before the month began is Stripe's and ours all the same), else ours only."""
    begin, end = period_bounds(progress.starts_on)
    after = 0
    while True:
        rows = await get_engine().fetch(
            """
            SELECT id, brand, amount_minor, currency, status, stripe_transfer_id, sent_at FROM payable
            WHERE brand = $1 AND stripe_transfer_id IS NOT NULL AND sent_at >= to_timestamp($2)
              AND sent_at < to_timestamp($3) AND status = ANY($4::text[]) AND id > $5
            ORDER BY id LIMIT 500
            """,
            progress.brand_id,
            begin,
            end,
            list(SENT_STATES),
            after,
        )
        if not rows:
            return
        after = int(rows[-1]["id"])
        out: list[Row] = []
        for r in rows:
            if int(r["id"]) in progress.seen_payables:
                continue
            ours = OurTransfer(int(r["id"]), int(r["brand"]), int(r["amount_minor"]), r["currency"], r["status"],
                               r["stripe_transfer_id"])  # fmt: skip
            transfer = await connect.find_transfer_by_id(ours.stripe_transfer_id)
            verdict = classify_transfer(_stripe_side(transfer) if transfer else None, ours)
            out.append(Row(item_key(ours.payable_id, ours.stripe_transfer_id), "transfer", verdict.result,
                           ours.stripe_transfer_id, ours.payable_id, ours.currency,
                           transfer.amount if transfer else None, ours.amount,
                           int(r["sent_at"].timestamp()), verdict.detail))  # fmt: skip
        await _write(progress, out)


async def _payouts(connect: StripeConnect, progress: Progress) -> None:
    """Each payout of the brand's creators' connected accounts made in the month."""
    begin, end = period_bounds(progress.starts_on)
    accounts = await get_engine().fetch(
        """
        SELECT DISTINCT pa.stripe_account_id FROM payable p JOIN payout_account pa ON pa.creator = p.creator
        WHERE p.brand = $1 AND p.stripe_transfer_id IS NOT NULL ORDER BY 1
        """,
        progress.brand_id,
    )
    for account in accounts:
        async for page in connect.payout_pages(account["stripe_account_id"], created_gte=begin, created_lt=end):
            ours = await get_engine().fetch(
                """
                SELECT stripe_payout_id, sum(amount_minor)::bigint AS amount FROM payable
                WHERE brand = $1 AND stripe_payout_id = ANY($2::text[]) GROUP BY stripe_payout_id
                """,
                progress.brand_id,
                [p.id for p in page],
            )
            amounts = {r["stripe_payout_id"]: int(r["amount"]) for r in ours}
            rows = []
            for payout in page:
                verdict = classify_payout(payout.status, payout.failure_code)
                rows.append(Row(payout.id, "payout", verdict.result, payout.id, None, payout.currency, payout.amount,
                                amounts.get(payout.id), payout.created, verdict.detail))  # fmt: skip
            await _write(progress, rows)


async def _fees_and_fx(connect: StripeConnect, progress: Progress) -> None:
    """Fees and conversions on the brand's transfers, journaled once each (keyed by the balance transaction)."""
    begin, end = period_bounds(progress.starts_on)
    async for page in connect.balance_transaction_pages(created_gte=begin, created_lt=end):
        wanted = [t for t in page if is_fee(t.type, t.fee) or (t.exchange_rate is not None and t.type == "transfer")]
        if not wanted:
            progress.pages += 1
            progress.items += len(page)
            await _step(progress)
            continue
        found = await _payables_for([t.source for t in wanted if t.source], [])
        by_transfer = {p.ours.stripe_transfer_id: p.ours for p in found}
        rows: list[Row] = []
        for txn in wanted:
            ours = by_transfer.get(txn.source)
            if ours is None or ours.brand_id != progress.brand_id:
                continue  # a platform fee no brand's transfer explains: not this brand's (docs/reconciliation.md)
            rows.extend(await _journal_balance_line(progress, txn, ours))
        progress.items += len(page) - len(wanted)
        await _write(progress, rows)


async def _journal_balance_line(progress: Progress, txn: BalanceTransaction, ours: OurTransfer) -> list[Row]:
    rows: list[Row] = []
    dated = dt.datetime.fromtimestamp(txn.created, dt.UTC)
    if is_fee(txn.type, txn.fee):
        amount = fee_amount(txn.type, txn.amount, txn.fee)
        verdict = Verdict(Result.MATCHED, f"Journaled to fees ({txn.description or txn.type}).")
        try:
            await post_journal(key=f"stripe-fee:{txn.id}", brand_id=progress.brand_id, currency=txn.currency,
                               kind="fee", lines=fee_lines(amount), payable_id=ours.payable_id, dated=dated,
                               description=f"Stripe fee: {txn.description or txn.type}",
                               stripe_object=txn.id)  # fmt: skip
        except LedgerError as exc:
            verdict = Verdict(Result.STRIPE_ONLY, f"Stripe took this fee; it could not be journaled: {exc}")
        rows.append(Row(f"fee:{txn.id}", "fee", verdict.result, txn.id, ours.payable_id, txn.currency, amount,
                        amount if verdict.result == Result.MATCHED else None, txn.created, verdict.detail))  # fmt: skip
    if txn.exchange_rate is not None and txn.type == "transfer" and txn.currency != ours.currency:
        settled = -txn.amount
        verdict = Verdict(Result.MATCHED, f"Converted at {txn.exchange_rate:g}; journaled to fx.")
        try:
            await post_journal(key=f"stripe-fx:{txn.id}", brand_id=progress.brand_id, currency=ours.currency,
                               kind="fx", lines=fx_lines(ours.amount, ours.currency, settled, txn.currency),
                               payable_id=ours.payable_id, dated=dated, stripe_object=txn.id,
                               description=f"Stripe converted {txn.currency} to {ours.currency}")  # fmt: skip
        except LedgerError as exc:
            verdict = Verdict(Result.STRIPE_ONLY, f"Stripe converted this transfer; it could not be journaled: {exc}")
        journaled = settled if verdict.result == Result.MATCHED else None
        rows.append(Row(f"fx:{txn.id}", "fx", verdict.result, txn.id, ours.payable_id, txn.currency, settled,
                        journaled, txn.created, verdict.detail))  # fmt: skip
    return rows


async def run_reconciliation(connect: StripeConnect, run_id: int) -> bool:
    """Do a queued run; False when there was nothing to do (done already, or its period is closed)."""
    progress = await _start(run_id)
    if progress is None:
        return False
    begin, end = period_bounds(progress.starts_on)
    try:
        async for page in connect.transfer_pages(created_gte=begin, created_lt=end):
            await _write(progress, await _transfer_rows(connect, progress, page))
        await _ours_only(connect, progress)
        await _payouts(connect, progress)
        await _fees_and_fx(connect, progress)
    except StripeUnavailable as exc:
        await _finish(progress, error=str(exc))
        raise
    await _finish(progress)
    log.info("reconciliation run", extra={"run": run_id, "items": progress.items, "changed": progress.changed})
    return True
