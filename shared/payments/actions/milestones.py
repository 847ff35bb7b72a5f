"""Payables come into being with their milestone, inside the transaction of the action that reached it."""

from __future__ import annotations

import datetime as dt
import json

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.rules import Terms
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.money import format_money
from shared.payments.actions.common import _now, journal, lock_payable, move, tell_creator
from shared.payments.rules import (
    MILESTONE_WORDS,
    Policy,
    Status,
    approvals_needed,
    can_mark_bonus,
    clean_reason,
    due_on,
    renewal_milestone,
)

# A deliverable counts as approved once its draft was approved (and after: live, verified).
_APPROVED_OR_LATER = ("approved", "live", "verified")
_LIVE_OR_LATER = ("live", "verified")


async def record_milestone(
    actor: Actor,
    collaboration_id: int,
    milestone: str,
    *,
    at: dt.datetime | None = None,
    requested_by: int | None = None,
    note: str = "",
) -> int | None:
    """The collaboration reached a milestone: create its payable (amount and currency from the frozen agreed
    terms, due after the brand's payment terms). Joins the caller's transaction. None when the terms pay
    nothing for it, or its payable exists already (the unique key makes a second one impossible)."""
    engine = get_engine()
    async with atomic():
        rows = await engine.fetch(
            """
            SELECT c.brand, c.campaign, c.creator, c.agreed_terms, c.created_by, b.payment_terms_days,
                   pp.approvals_required, pp.thresholds, pp.approver_roles
            FROM collaboration c JOIN brand b ON b.id = c.brand LEFT JOIN payment_policy pp ON pp.brand = c.brand
            WHERE c.id = $1
            """,
            collaboration_id,
        )
        if not rows or rows[0]["agreed_terms"] is None:
            return None
        row = rows[0]
        terms = Terms.from_json(jsonb(row["agreed_terms"]))
        payment = next((p for p in terms.payments if p.milestone == milestone), None)
        if payment is None or payment.amount_minor <= 0:
            return None
        when = at or _now()
        policy = Policy.from_row(
            None if row["approvals_required"] is None else {
                "approvals_required": row["approvals_required"], "thresholds": _json_list(row["thresholds"]),
                "approver_roles": row["approver_roles"]}
        )  # fmt: skip
        inserted = await engine.fetch(
            """
            INSERT INTO payable (brand, collaboration, campaign, creator, milestone, amount_minor, currency, status,
                                 method, manual_reference, note, reason, milestone_at, due_on, approvals_required,
                                 negotiated_by, requested_by, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending_approval', 'stripe', '', $8, '', $9, $10, $11, $12, $13,
                    now(), now())
            ON CONFLICT (collaboration, milestone) DO NOTHING RETURNING id
            """,
            int(row["brand"]), collaboration_id, int(row["campaign"]), int(row["creator"]), milestone,
            payment.amount_minor, terms.currency, note, when, due_on(when, int(row["payment_terms_days"])),
            approvals_needed(policy, payment.amount_minor), row["created_by"], requested_by,
        )  # fmt: skip
        if not inserted:
            return None
        payable_id = int(inserted[0]["id"])
        payable = await lock_payable(payable_id)
        await write_audit_row(
            actor,
            "payable.created",
            "payable",
            payable_id,
            brand_id=payable.brand_id,
            after={"collaboration": collaboration_id, "milestone": milestone, "amount_minor": payment.amount_minor,
                   "currency": terms.currency, "status": Status.PENDING_APPROVAL.value},
        )  # fmt: skip
        await journal(payable, "accrued", description=f"{MILESTONE_WORDS[milestone]} reached")
        await tell_creator(
            payable,
            Status.PENDING_APPROVAL,
            f"You earned {format_money(payment.amount_minor, terms.currency)} for {MILESTONE_WORDS[milestone]}. "
            f"{payable.brand_name} approves it next; see when it reaches you on your Payments page.",
        )
        return payable_id


def _json_list(value: object) -> list[dict[str, int]]:
    if isinstance(value, str):
        loaded: list[dict[str, int]] = json.loads(value)
        return loaded
    return [dict(t) for t in value or []]  # type: ignore[attr-defined]


async def record_milestone_when_all_deliverables(actor: Actor, collaboration_id: int, milestone: str) -> int | None:
    """Approval is reached when the last deliverable's draft is approved; go-live when the last one is live."""
    wanted = _APPROVED_OR_LATER if milestone == "approval" else _LIVE_OR_LATER
    # Two deliverables finishing at once each lock only their own row: the collaboration's lock orders them, so
    # the second one counts after the first committed and one of them always sees "all done".
    await get_engine().fetch("SELECT id FROM collaboration WHERE id = $1 FOR NO KEY UPDATE", collaboration_id)
    rows = await get_engine().fetch(
        "SELECT count(*) FILTER (WHERE NOT (status = ANY($2::varchar[]))) AS left_over, count(*) AS total "
        "FROM deliverable WHERE collaboration = $1",
        collaboration_id,
        list(wanted),
    )
    if not rows or int(rows[0]["total"]) == 0 or int(rows[0]["left_over"]) > 0:
        return None
    return await record_milestone(actor, collaboration_id, milestone)


async def do_mark_bonus_met(
    actor: Actor, staff: StaffContext, *, brand_id: int, collaboration_id: int, note: str
) -> int:
    """An owner or manager marks the bonus condition met, saying why: the bonus payable is created."""
    if not can_mark_bonus(staff.role_at(brand_id)):
        raise PermissionDenied("Only owners and managers mark a bonus as earned.")
    cleaned = clean_reason(note)
    if not cleaned:
        raise InvalidInput({"note": "Say how the bonus condition was met."})
    async with atomic():
        rows = await get_engine().fetch(
            "SELECT id, agreed_terms FROM collaboration WHERE id = $1 AND brand = $2 FOR UPDATE",
            collaboration_id,
            brand_id,
        )
        if not rows:
            raise NotFound("No such collaboration.")
        if rows[0]["agreed_terms"] is None:
            raise IllegalTransition("This collaboration has no agreed terms yet.")
        terms = Terms.from_json(jsonb(rows[0]["agreed_terms"]))
        if terms.bonus is None:
            raise IllegalTransition("The agreed terms have no bonus.")
        payable_id = await record_milestone(actor, collaboration_id, "bonus", requested_by=staff.id, note=cleaned)
        if payable_id is None:
            raise IllegalTransition("The bonus was already marked as earned.")
        return payable_id


async def do_cancel_open_payables(actor: Actor, collaboration_id: int, *, reason: str) -> list[int]:
    """A cancelled deal cancels what was not released (pending approval or approved): the accrual is reversed."""
    cancelled: list[int] = []
    async with atomic():
        ids = await get_engine().fetch(
            "SELECT id FROM payable WHERE collaboration = $1 AND status = ANY($2::varchar[]) ORDER BY id",
            collaboration_id,
            [Status.PENDING_APPROVAL.value, Status.APPROVED.value],
        )
        for row in ids:
            payable = await lock_payable(int(row["id"]))
            await move(actor, payable, "cancel", reason=clean_reason(reason) or "the deal was cancelled")
            await journal(payable, "cancelled", description="the deal was cancelled", reverses="accrued")
            cancelled.append(payable.id)
    return cancelled


async def record_renewal_fee(
    actor: Actor,
    collaboration_id: int,
    renewal_id: int,
    *,
    amount_minor: int,
    currency: str,
    at: dt.datetime,
    negotiated_by: int | None,
) -> int | None:
    """A usage-rights renewal's amendment was executed: create the payable for its fee, due after the brand's
    payment terms. Joins the caller's transaction. Keyed (collaboration, "renewal:<id>"): one payable per renewal,
    however often this runs. None for a renewal without a fee, or when its payable exists already."""
    if amount_minor <= 0:
        return None
    engine = get_engine()
    async with atomic():
        rows = await engine.fetch(
            """
            SELECT c.brand, c.campaign, c.creator, b.payment_terms_days,
                   pp.approvals_required, pp.thresholds, pp.approver_roles
            FROM collaboration c JOIN brand b ON b.id = c.brand LEFT JOIN payment_policy pp ON pp.brand = c.brand
            WHERE c.id = $1
            """,
            collaboration_id,
        )
        if not rows:
            return None
        row = rows[0]
        milestone = renewal_milestone(renewal_id)
        policy = Policy.from_row(
            None if row["approvals_required"] is None else {
                "approvals_required": row["approvals_required"], "thresholds": _json_list(row["thresholds"]),
                "approver_roles": row["approver_roles"]}
        )  # fmt: skip
        inserted = await engine.fetch(
            """
            INSERT INTO payable (brand, collaboration, campaign, creator, milestone, amount_minor, currency, status,
                                 method, manual_reference, note, reason, milestone_at, due_on, approvals_required,
                                 negotiated_by, requested_by, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending_approval', 'stripe', '', '', '', $8, $9, $10, $11, NULL,
                    now(), now())
            ON CONFLICT (collaboration, milestone) DO NOTHING RETURNING id
            """,
            int(row["brand"]), collaboration_id, int(row["campaign"]), int(row["creator"]), milestone,
            amount_minor, currency, at, due_on(at, int(row["payment_terms_days"])),
            approvals_needed(policy, amount_minor), negotiated_by,
        )  # fmt: skip
        if not inserted:
            return None
        payable_id = int(inserted[0]["id"])
        payable = await lock_payable(payable_id)
        await write_audit_row(
            actor,
            "payable.created",
            "payable",
            payable_id,
            brand_id=payable.brand_id,
            after={"collaboration": collaboration_id, "milestone": milestone, "amount_minor": amount_minor,
                   "currency": currency, "status": Status.PENDING_APPROVAL.value, "renewal": renewal_id},
        )  # fmt: skip
        await journal(payable, "accrued", description="usage rights renewed")
        await tell_creator(
            payable,
            Status.PENDING_APPROVAL,
            f"You earned {format_money(amount_minor, currency)} for renewing usage rights. "
            f"{payable.brand_name} approves it next; see when it reaches you on your Payments page.",
        )
        return payable_id
