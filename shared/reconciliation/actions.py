"""Reconciliation's actions: queue a run (from the page or the daily job), resolve a break with a note or a
correcting journal, close a period. Each is one transaction with its audit row."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.ledger.actions import LedgerError, post_journal
from shared.ledger.rules import Account, Line, payable_lines, reversing_lines
from shared.reconciliation.queue import queue_run
from shared.reconciliation.rules import (
    Result,
    can_reconcile,
    clean_note,
    close_refusal,
    month_start,
    period_label,
    validate_note,
)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _check_role(staff: StaffContext, brand_id: int) -> None:
    role = staff.role_at(brand_id)
    if role is None or not can_reconcile(role):
        raise PermissionDenied("Only finance and owners reconcile payments.")


async def do_request_run(actor: Actor, staff: StaffContext, *, brand_id: int, starts_on: dt.date) -> int:
    """Finance (or an owner) reconciles a month that has begun; a closed month is final."""
    _check_role(staff, brand_id)
    if starts_on > month_start(_today()):
        raise InvalidInput({"period": "That month has not begun yet."})
    async with atomic():
        run_id = await queue_run(brand_id, month_start(starts_on), staff.id)
        if run_id is None:
            raise IllegalTransition(f"The books for {period_label(starts_on)} are closed: they can't be reconciled "
                                    "again.")  # fmt: skip
        await write_audit_row(actor, "reconciliation.run_requested", "reconciliation_run", run_id, brand_id=brand_id,
                              after={"period": starts_on.isoformat()})  # fmt: skip
    return run_id


async def _locked_break(brand_id: int, item_id: int) -> dict[str, Any]:
    rows = await get_engine().fetch(
        """
        SELECT i.id, i.kind, i.result, i.resolution, i.payable, i.currency, i.stripe_amount_minor,
               i.our_amount_minor, i.stripe_id, p.state AS period_state, p.starts_on, pay.creator
        FROM reconciliation_item i JOIN reconciliation_period p ON p.id = i.period
        LEFT JOIN payable pay ON pay.id = i.payable
        WHERE i.id = $1 AND i.brand = $2 FOR UPDATE OF i
        """,
        item_id,
        brand_id,
    )
    if not rows:
        raise NotFound("No such break.")
    row = dict(rows[0])
    if row["result"] == Result.MATCHED:
        raise IllegalTransition("This item matches Stripe: there is nothing to resolve.")
    if row["resolution"] != "open":
        raise IllegalTransition("This break is resolved already.")
    if row["period_state"] == "closed":
        raise IllegalTransition("Its period is closed.")
    return row


async def do_note_break(actor: Actor, staff: StaffContext, *, brand_id: int, item_id: int, note: str) -> None:
    """A break explained in words (e.g. a transfer made by hand in Stripe's dashboard, on purpose)."""
    _check_role(staff, brand_id)
    if errors := validate_note(note):
        raise InvalidInput(errors)
    async with atomic():
        await _locked_break(brand_id, item_id)
        await get_engine().fetch(
            "UPDATE reconciliation_item SET resolution = 'noted', note = $2, resolved_by = $3, resolved_at = now() "
            "WHERE id = $1",
            item_id,
            clean_note(note),
            staff.id,
        )
        await write_audit_row(actor, "reconciliation.break_noted", "reconciliation_item", item_id, brand_id=brand_id,
                              before={"resolution": "open"},
                              after={"resolution": "noted", "note": clean_note(note)})  # fmt: skip


def correction_lines(row: dict[str, object]) -> tuple[Line, ...] | None:
    """The journal that makes our ledger say what Stripe says, for the breaks where one can (None otherwise)."""
    stripe_amount = row["stripe_amount_minor"]
    our_amount = row["our_amount_minor"]
    creator = row["creator"]
    result = row["result"]
    if row["kind"] == "transfer":
        if result == Result.STRIPE_ONLY and isinstance(stripe_amount, int):
            # Money left the platform balance that no payable explains: booked as spend.
            return (Line(Account("expense"), stripe_amount), Line(Account("platform_balance"), -stripe_amount))
        if not isinstance(creator, int) or not isinstance(our_amount, int):
            return None
        sent = payable_lines("transfer_sent", creator, our_amount)
        if result in (Result.OURS_ONLY, Result.REVERSED_FAILED):
            return reversing_lines(sent)  # the transfer we recorded did not (or no longer) move
        if result == Result.DIFFERS and isinstance(stripe_amount, int) and stripe_amount != our_amount:
            return payable_lines("transfer_sent", creator, stripe_amount - our_amount) if stripe_amount > our_amount \
                else reversing_lines(payable_lines("transfer_sent", creator, our_amount - stripe_amount))  # fmt: skip
    if row["kind"] == "fee" and isinstance(stripe_amount, int):
        return (Line(Account("fees"), stripe_amount), Line(Account("platform_balance"), -stripe_amount))
    return None


async def do_correct_break(actor: Actor, staff: StaffContext, *, brand_id: int, item_id: int, note: str) -> int:
    """A break resolved by a correcting journal (our ledger made to say what Stripe says), with a note."""
    _check_role(staff, brand_id)
    if errors := validate_note(note):
        raise InvalidInput(errors)
    engine = get_engine()
    async with atomic():
        row = await _locked_break(brand_id, item_id)
        lines = correction_lines(row)
        if lines is None:
            raise IllegalTransition("No journal corrects this kind of break: explain it with a note.")
        reverses = None
        if row["payable"] is not None and row["result"] != Result.STRIPE_ONLY:
            found = await engine.fetch("SELECT id FROM ledger_journal WHERE key = $1",
                                       f"payable:{row['payable']}:transfer_sent")  # fmt: skip
            reverses = int(found[0]["id"]) if found else None
        try:
            journal_id, _ = await post_journal(
                key=f"reconciliation:{item_id}:correction", brand_id=brand_id, currency=str(row["currency"]),
                kind="correction", lines=lines, payable_id=row["payable"],
                description=f"Reconciliation correction: {clean_note(note)[:200]}", stripe_object=str(row["stripe_id"]),
                reverses=reverses,
            )  # fmt: skip
        except LedgerError as exc:
            raise IllegalTransition(f"The ledger refused the correction: {exc}") from exc
        await engine.fetch(
            "UPDATE reconciliation_item SET resolution = 'corrected', note = $2, resolved_by = $3, "
            "resolved_at = now(), journal = $4 WHERE id = $1",
            item_id,
            clean_note(note),
            staff.id,
            journal_id,
        )
        await write_audit_row(actor, "reconciliation.break_corrected", "reconciliation_item", item_id,
                              brand_id=brand_id, before={"resolution": "open"},
                              after={"resolution": "corrected", "journal": journal_id,
                                     "note": clean_note(note)})  # fmt: skip
    return journal_id


async def do_close_period(actor: Actor, staff: StaffContext, *, brand_id: int, starts_on: dt.date) -> None:
    """Finance closes a month that has ended, was reconciled and has no open break; no journal may be dated inside
    it afterwards (the database refuses one)."""
    _check_role(staff, brand_id)
    engine = get_engine()
    async with atomic():
        rows = await engine.fetch(
            "SELECT id, state, ends_on FROM reconciliation_period WHERE brand = $1 AND starts_on = $2 FOR UPDATE",
            brand_id,
            starts_on,
        )
        if not rows:
            raise IllegalTransition("Run reconciliation for this period first.")
        period = rows[0]
        counts = await engine.fetch(
            """
            SELECT (SELECT count(*) FROM reconciliation_run WHERE period = $1 AND state = 'done') AS done,
                   (SELECT count(*) FROM reconciliation_run WHERE period = $1 AND state IN ('queued', 'running'))
                       AS running,
                   (SELECT count(*) FROM reconciliation_item WHERE period = $1 AND resolution = 'open') AS open
            """,
            int(period["id"]),
        )
        c = counts[0]
        why = close_refusal(state=period["state"], ends_on=period["ends_on"], today=_today(),
                            runs_done=int(c["done"]), open_breaks=int(c["open"]),
                            running=bool(c["running"]))  # fmt: skip
        if why:
            raise IllegalTransition(why)
        await engine.fetch(
            "UPDATE reconciliation_period SET state = 'closed', closed_at = now(), closed_by = $2 WHERE id = $1",
            int(period["id"]),
            staff.id,
        )
        await write_audit_row(actor, "reconciliation.period_closed", "reconciliation_period", int(period["id"]),
                              brand_id=brand_id, before={"state": "open"},
                              after={"state": "closed", "period": starts_on.isoformat()})  # fmt: skip
