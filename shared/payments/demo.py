"""Demo payables at Acme in each state a person meets: waiting for approval (one overdue, one refused with a
reason), approved, paid by bank transfer, released to a creator without payouts (the worker marks it failed,
with the reason), cancelled (the deal itself called off with the real action). Payables the lived-in history
reached (go-live) stay waiting for approval."""

from __future__ import annotations

import datetime as dt

from shared.audit.context import Actor
from shared.collaborations.actions.cancelling import do_cancel_deal
from shared.collaborations.actions.sides import BrandSide
from shared.collaborations.rules import CANCELLABLE_DEALS
from shared.db.engine import get_engine
from shared.identity.queries import get_staff_context
from shared.payments.actions import (
    check_approve_payables,
    do_record_manual_payout,
    do_refuse_payable,
    record_milestone,
)
from shared.payments.actions.approvals import release_payable


async def seed_demo_payments(actor: Actor) -> None:
    engine = get_engine()
    brands = await engine.fetch("SELECT id FROM brand WHERE slug = 'acme'")
    staff = {
        r["email"]: int(r["id"])
        for r in await engine.fetch(
            "SELECT id, email FROM staff_user WHERE email IN ('fran@acme.test', 'olivia@acme.test')"
        )
    }
    if not brands or len(staff) < 2:
        return
    acme = int(brands[0]["id"])
    fran = await get_staff_context(staff["fran@acme.test"])
    olivia = await get_staff_context(staff["olivia@acme.test"])
    deals = await engine.fetch(
        "SELECT id FROM collaboration WHERE brand = $1 AND agreed_terms IS NOT NULL ORDER BY id LIMIT 7", acme
    )
    now = dt.datetime.now(dt.UTC)
    made: list[int] = []
    for index, deal in enumerate(deals):
        # The deals were signed before payments existed: their signing milestone is recorded now, spread back in
        # time so some are overdue.
        payable_id = await record_milestone(
            actor, int(deal["id"]), "signing", at=now - dt.timedelta(days=5 + 7 * index)
        )
        if payable_id is not None:
            made.append(payable_id)
    steps = iter(made)
    if (refused := next(steps, None)) is not None:
        await do_refuse_payable(
            actor, fran, brand_id=acme, payable_id=refused, reason="Waiting for the creator's invoice"
        )
    if (approved := next(steps, None)) is not None:
        await check_approve_payables(actor, fran, brand_id=acme, payable_ids=[approved])
    if (manual := next(steps, None)) is not None:
        await check_approve_payables(actor, fran, brand_id=acme, payable_ids=[manual])
        await do_record_manual_payout(actor, olivia, brand_id=acme, payable_id=manual, method="bank_transfer",
                                      reference="ACME-2026-0412")  # fmt: skip
    if (released := next(steps, None)) is not None:
        await check_approve_payables(actor, fran, brand_id=acme, payable_ids=[released])
        # The seed has no authenticator at hand; the release itself is the real one (outbox row and job).
        await release_payable(actor, olivia, acme, released)
    # One deal is called off with the real action (the creator told; its open payables cancelled): one still
    # cancellable and with no contract waiting, so the contracts' demo states stay as they are.
    left = list(steps)
    if left:
        rows = await engine.fetch(
            """
            SELECT p.collaboration FROM payable p JOIN collaboration c ON c.id = p.collaboration
            WHERE p.id = ANY($1::int[]) AND c.status = ANY($2::varchar[])
              AND NOT EXISTS (SELECT 1 FROM contract k WHERE k.collaboration = c.id
                              AND k.status IN ('draft', 'sent', 'signed'))
            ORDER BY p.id LIMIT 1
            """,
            left,
            [s.value for s in CANCELLABLE_DEALS],
        )
        if rows:
            await do_cancel_deal(actor, BrandSide(olivia, acme), collaboration_id=int(rows[0]["collaboration"]),
                                 reason="The campaign was called off")  # fmt: skip
