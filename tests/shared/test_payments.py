"""Payables, approvals by distinct people, release with TOTP, the ledger's rules — real PostgreSQL, and the
Stripe simulator for the transfer."""

from __future__ import annotations

import asyncpg
import pyotp
import pytest

from shared.campaigns.overview import get_campaign_overview
from shared.collaborations.actions import CreatorSide, check_send_offers, do_accept_offer
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.errors import IllegalTransition, InvalidInput, PermissionDenied
from shared.ledger.queries import count_unbalanced_journals, list_balances, list_payable_journals
from shared.payments.actions import (
    check_approve_payables,
    check_release_payables,
    do_cancel_open_payables,
    do_mark_bonus_met,
    do_record_manual_payout,
    do_refuse_payable,
    do_set_payment_policy,
    record_milestone,
)
from shared.payments.rules import Policy, Threshold
from shared.settings import Settings
from tests.conftest import Cast
from tests.factories import agreed_deal, offer_form, published_campaign
from tests.payment_helpers import (
    ACTOR,
    approved,
    intent_row,
    olivia_totp,
    payable_row,
    point_jobs_at,
    ready_creator,
    release,
    run_jobs,
    run_sweep,
    signing_payable,
    staff,
    transfers_to,
)
from tests.stripe_fixtures import StripeSim


@pytest.fixture
def encryptor(settings: Settings) -> Encryptor:
    return Encryptor(settings.secret_key)


async def _audit(action: str) -> int:
    rows = await get_engine().fetch("SELECT count(*) AS n FROM audit_log WHERE action = $1", action)
    return int(rows[0]["n"])


async def test_it_creates_one_payable_per_milestone_from_the_agreed_terms(cast: Cast) -> None:
    deal = await agreed_deal(cast, fee="1200")
    first = await record_milestone(ACTOR, deal.collaboration_id, "signing")
    again = await record_milestone(ACTOR, deal.collaboration_id, "signing")
    assert first is not None and again is None
    row = await payable_row(first)
    # 50% of US$1,200.00 on signing, in minor units; due after the brand's 30 days of payment terms.
    assert row["amount_minor"] == 60000 and row["currency"] == "USD" and row["status"] == "pending_approval"
    assert (row["due_on"] - row["milestone_at"].date()).days == 30  # type: ignore[operator, union-attr]
    assert row["negotiated_by"] == cast.bob_id
    # Nothing on approval in these terms (0%): no payable.
    assert await record_milestone(ACTOR, deal.collaboration_id, "approval") is None
    # The accrual is in the ledger: expense debited, the creator's payable credited.
    balances = {b.code: b.balance_minor for b in await list_balances(cast.acme_id)}
    assert balances == {"expense": 60000, f"payable:{cast.alice_id}": -60000}
    assert await _audit("payable.created") == 1


async def test_the_database_refuses_a_second_payable_for_a_milestone(cast: Cast) -> None:
    payable_id = await signing_payable(cast)
    row = await payable_row(payable_id)
    with pytest.raises(asyncpg.UniqueViolationError):
        await get_engine().fetch(
            "INSERT INTO payable (brand, collaboration, campaign, creator, milestone, amount_minor, currency, status, "
            "method, manual_reference, note, reason, milestone_at, due_on, approvals_required, created_at, "
            "updated_at) VALUES ($1, $2, $3, $4, 'signing', 1, 'USD', 'pending_approval', 'stripe', '', '', '', "
            "now(), now()::date, 1, now(), now())",
            row["brand"], row["collaboration"], row["campaign"], row["creator"],
        )  # fmt: skip


async def test_the_negotiator_cannot_approve_and_nobody_approves_twice(cast: Cast) -> None:
    await do_set_payment_policy(ACTOR, await staff(cast.olivia_id), brand_id=cast.acme_id, policy=Policy(2),
                                terms_days=14)  # fmt: skip
    payable_id = await signing_payable(cast)
    # Bob negotiated the deal (and is a manager): refused on both counts.
    [bob] = await check_approve_payables(ACTOR, await staff(cast.bob_id), brand_id=cast.acme_id,
                                         payable_ids=[payable_id])  # fmt: skip
    assert not bob.done and "Only" in bob.message
    [first] = await check_approve_payables(ACTOR, await staff(cast.fran_id), brand_id=cast.acme_id,
                                           payable_ids=[payable_id])  # fmt: skip
    [twice] = await check_approve_payables(ACTOR, await staff(cast.fran_id), brand_id=cast.acme_id,
                                           payable_ids=[payable_id])  # fmt: skip
    assert first.done and not twice.done and "already" in twice.message
    assert (await payable_row(payable_id))["status"] == "pending_approval"  # 1 of 2
    # The database itself holds the rule: a second row for the same person is refused.
    with pytest.raises(asyncpg.UniqueViolationError):
        await get_engine().fetch(
            "INSERT INTO payable_approval (payable, staff, staff_name, decision, reason, created_at) "
            "VALUES ($1, $2, 'x', 'approved', '', now())",
            payable_id,
            cast.fran_id,
        )
    [second] = await check_approve_payables(ACTOR, await staff(cast.olivia_id), brand_id=cast.acme_id,
                                            payable_ids=[payable_id])  # fmt: skip
    assert second.done and (await payable_row(payable_id))["status"] == "approved"
    assert await _audit("payable.approval_given") == 2 and await _audit("payment_policy.changed") == 1


async def test_a_bonus_needs_an_owner_or_manager_and_a_note_and_its_marker_cannot_approve(cast: Cast) -> None:
    deal = await agreed_deal(cast)
    terms = await get_engine().fetch("SELECT agreed_terms FROM collaboration WHERE id = $1", deal.collaboration_id)
    assert terms  # the default offer has no bonus
    with pytest.raises(IllegalTransition, match="no bonus"):
        await do_mark_bonus_met(ACTOR, await staff(cast.olivia_id), brand_id=cast.acme_id,
                                collaboration_id=deal.collaboration_id, note="Hit 100k views")  # fmt: skip
    with pytest.raises(PermissionDenied):
        await do_mark_bonus_met(ACTOR, await staff(cast.fran_id), brand_id=cast.acme_id,
                                collaboration_id=deal.collaboration_id, note="x")  # fmt: skip
    with pytest.raises(InvalidInput):
        await do_mark_bonus_met(ACTOR, await staff(cast.olivia_id), brand_id=cast.acme_id,
                                collaboration_id=deal.collaboration_id, note="   ")  # fmt: skip


async def test_thresholds_raise_the_number_of_approvers(cast: Cast) -> None:
    await do_set_payment_policy(ACTOR, await staff(cast.olivia_id), brand_id=cast.acme_id,
                                policy=Policy(1, (Threshold(50000, 2),)), terms_days=7)  # fmt: skip
    payable_id = await signing_payable(cast, fee="1200")  # 600.00 > 500.00
    row = await payable_row(payable_id)
    assert row["approvals_required"] == 2
    assert (row["due_on"] - row["milestone_at"].date()).days == 7  # type: ignore[operator, union-attr]
    with pytest.raises(InvalidInput):
        await do_set_payment_policy(ACTOR, await staff(cast.olivia_id), brand_id=cast.acme_id,
                                    policy=Policy(4), terms_days=7)  # fmt: skip
    with pytest.raises(PermissionDenied):
        await do_set_payment_policy(ACTOR, await staff(cast.fran_id), brand_id=cast.acme_id, policy=Policy(1),
                                    terms_days=7)  # fmt: skip


async def test_a_refusal_is_kept_with_its_reason(cast: Cast) -> None:
    payable_id = await signing_payable(cast)
    with pytest.raises(InvalidInput):
        await do_refuse_payable(ACTOR, await staff(cast.fran_id), brand_id=cast.acme_id, payable_id=payable_id,
                                reason=" ")  # fmt: skip
    await do_refuse_payable(ACTOR, await staff(cast.fran_id), brand_id=cast.acme_id, payable_id=payable_id,
                            reason="The invoice is missing")  # fmt: skip
    rows = await get_engine().fetch("SELECT decision, reason FROM payable_approval WHERE payable = $1", payable_id)
    assert rows == [{"decision": "refused", "reason": "The invoice is missing"}]
    assert await _audit("payable.approval_refused") == 1


async def test_release_needs_a_code_approvals_and_a_second_person(cast: Cast, encryptor: Encryptor) -> None:
    payable_id = await signing_payable(cast)
    olivia = await staff(cast.olivia_id)
    with pytest.raises(PermissionDenied, match="two-factor"):
        await check_release_payables(ACTOR, olivia, encryptor, brand_id=cast.acme_id, payable_ids=[payable_id],
                                     code="123456")  # fmt: skip
    secret = await olivia_totp(cast, encryptor)
    with pytest.raises(InvalidInput):
        await check_release_payables(ACTOR, olivia, encryptor, brand_id=cast.acme_id, payable_ids=[payable_id],
                                     code="000000")  # fmt: skip
    assert await _audit("payable.release_code_failed") == 1
    assert not await release(cast, encryptor, secret, payable_id)  # not approved yet
    # Olivia approves it herself: she would be its only approver, so she can't release it.
    await check_approve_payables(ACTOR, olivia, brand_id=cast.acme_id, payable_ids=[payable_id])
    [outcome] = await check_release_payables(ACTOR, olivia, encryptor, brand_id=cast.acme_id,
                                             payable_ids=[payable_id], code=pyotp.TOTP(secret).now())  # fmt: skip
    assert not outcome.done and "only approver" in outcome.message
    with pytest.raises(PermissionDenied):
        await check_release_payables(ACTOR, await staff(cast.bob_id), encryptor, brand_id=cast.acme_id,
                                     payable_ids=[payable_id], code="123456")  # fmt: skip


async def test_other_brands_cannot_touch_a_payable(cast: Cast) -> None:
    payable_id = await signing_payable(cast)
    [outcome] = await check_approve_payables(ACTOR, await staff(cast.charlie_id), brand_id=cast.globex_id,
                                             payable_ids=[payable_id])  # fmt: skip
    assert not outcome.done and outcome.message == "No such payable."


async def test_a_cancelled_deal_cancels_what_was_not_released(cast: Cast) -> None:
    payable_id = await signing_payable(cast)
    row = await payable_row(payable_id)
    assert await do_cancel_open_payables(ACTOR, int(row["collaboration"]), reason="Deal cancelled") == [payable_id]  # type: ignore[call-overload]
    assert (await payable_row(payable_id))["status"] == "cancelled"
    balances = {b.code: b.balance_minor for b in await list_balances(cast.acme_id)}
    assert balances == {"expense": 0, f"payable:{cast.alice_id}": 0}
    # The correction is a reversing journal that names the accrual it reverses.
    rows = await get_engine().fetch("SELECT id, kind, reverses FROM ledger_journal ORDER BY id")
    assert [(r["kind"], r["reverses"]) for r in rows] == [("accrued", None), ("cancelled", rows[0]["id"])]


async def test_a_manual_payout_takes_the_same_path(cast: Cast) -> None:
    payable_id = await signing_payable(cast)
    await approved(cast, payable_id)
    olivia = await staff(cast.olivia_id)
    with pytest.raises(InvalidInput):
        await do_record_manual_payout(ACTOR, olivia, brand_id=cast.acme_id, payable_id=payable_id,
                                      method="paypal", reference="")  # fmt: skip
    await do_record_manual_payout(ACTOR, olivia, brand_id=cast.acme_id, payable_id=payable_id,
                                  method="bank_transfer", reference="SEPA 2026-12-01 #778")  # fmt: skip
    row = await payable_row(payable_id)
    assert row["status"] == "paid_out" and row["manual_reference"] == "SEPA 2026-12-01 #778"
    kinds = [line.kind for line in await list_payable_journals(payable_id)]
    assert kinds == ["accrued", "accrued", "manual_paid", "manual_paid"]
    assert {b.code: b.balance_minor for b in await list_balances(cast.acme_id)}[f"payable:{cast.alice_id}"] == 0


async def test_the_ledger_refuses_changes_and_unbalanced_journals(cast: Cast) -> None:
    await signing_payable(cast)
    engine = get_engine()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await engine.fetch("UPDATE ledger_entry SET amount_minor = 1")
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await engine.fetch("DELETE FROM ledger_journal")
    account = (await engine.fetch("SELECT id FROM ledger_account LIMIT 1"))[0]["id"]
    with pytest.raises(asyncpg.CheckViolationError, match="does not balance"):
        async with engine.transaction():
            [journal] = await engine.fetch(
                "INSERT INTO ledger_journal (brand, key, kind, description, stripe_object, created_at) "
                "VALUES ($1, 'bad', 'accrued', '', '', now()) RETURNING id",
                cast.acme_id,
            )
            await engine.fetch(
                "INSERT INTO ledger_entry (journal, account, amount_minor, currency) VALUES ($1, $2, 5, 'USD')",
                journal["id"],
                account,
            )
    assert await count_unbalanced_journals() == 0


async def test_a_released_payable_is_transferred_once_and_journalled(
    cast: Cast, encryptor: Encryptor, stripe_sim: StripeSim, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_jobs_at(stripe_sim, monkeypatch)
    stripe_sim.top_up(10_000_000)
    account = await ready_creator(stripe_sim, cast.alice_id)
    secret = await olivia_totp(cast, encryptor)
    payable_id = await signing_payable(cast)
    await approved(cast, payable_id)
    assert await release(cast, encryptor, secret, payable_id)
    assert (await intent_row(payable_id))["state"] == "queued"
    await run_jobs(database_url)
    row = await payable_row(payable_id)
    assert row["status"] == "transfer_sent" and row["stripe_transfer_id"]
    [transfer] = transfers_to(stripe_sim, account)
    assert transfer["amount"] == 60000 and transfer["transfer_group"] == f"collaboration-{row['collaboration']}"
    assert (await intent_row(payable_id))["state"] == "sent"
    balances = {b.code: b.balance_minor for b in await list_balances(cast.acme_id)}
    assert balances[f"in_transit:{cast.alice_id}"] == 60000 and balances["platform_balance"] == -60000


async def test_an_empty_platform_balance_waits_for_funds_then_sends(
    cast: Cast, encryptor: Encryptor, stripe_sim: StripeSim, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    point_jobs_at(stripe_sim, monkeypatch)
    account = await ready_creator(stripe_sim, cast.alice_id)
    secret = await olivia_totp(cast, encryptor)
    stripe_sim.simulator.state.balance("", "usd")["available"] = 0  # the platform's balance is spent
    payable_id = await signing_payable(cast)
    await approved(cast, payable_id)
    assert await release(cast, encryptor, secret, payable_id)
    await run_jobs(database_url)
    row = await payable_row(payable_id)
    assert row["status"] == "waiting_funds" and "balance is too low" in str(row["reason"])
    assert transfers_to(stripe_sim, account) == []
    stripe_sim.top_up(100_000)
    await run_sweep(database_url)
    assert (await payable_row(payable_id))["status"] == "transfer_sent"
    assert len(transfers_to(stripe_sim, account)) == 1


async def test_the_campaign_overview_shows_approved_and_paid(cast: Cast) -> None:
    paid, waiting = await signing_payable(cast), await signing_payable(cast)
    await approved(cast, paid)
    await approved(cast, waiting)
    await do_record_manual_payout(ACTOR, await staff(cast.olivia_id), brand_id=cast.acme_id, payable_id=paid,
                                  method="paypal", reference="PP-1")  # fmt: skip
    campaign = int((await payable_row(paid))["campaign"])  # type: ignore[call-overload]
    overview = await get_campaign_overview(cast.acme_id, campaign)
    assert (overview.approved_minor, overview.paid_minor) == (0, 60000)
    other = await get_campaign_overview(cast.acme_id, int((await payable_row(waiting))["campaign"]))  # type: ignore[call-overload]
    assert (other.approved_minor, other.paid_minor) == (60000, 0)


async def test_an_owner_marks_the_bonus_met_and_cannot_approve_it_herself(cast: Cast) -> None:
    form = {**offer_form("1200"), "bonus": "300", "bonus_condition": "100,000 views in 30 days"}
    [collaboration_id] = await check_send_offers(ACTOR, await staff(cast.bob_id), brand_id=cast.acme_id,
                                                 campaign_id=await published_campaign(cast),
                                                 creator_ids=[cast.alice_id], form=form)  # fmt: skip
    await do_accept_offer(ACTOR, CreatorSide(cast.alice_id), collaboration_id=collaboration_id)
    olivia = await staff(cast.olivia_id)
    payable_id = await do_mark_bonus_met(ACTOR, olivia, brand_id=cast.acme_id, collaboration_id=collaboration_id,
                                         note="The reel passed 140k views on day 12")  # fmt: skip
    row = await payable_row(payable_id)
    assert (row["milestone"], row["amount_minor"], row["requested_by"]) == ("bonus", 30000, cast.olivia_id)
    assert row["note"] == "The reel passed 140k views on day 12"
    with pytest.raises(IllegalTransition, match="already"):
        await do_mark_bonus_met(ACTOR, olivia, brand_id=cast.acme_id, collaboration_id=collaboration_id,
                                note="again")  # fmt: skip
    [own] = await check_approve_payables(ACTOR, olivia, brand_id=cast.acme_id, payable_ids=[payable_id])
    assert not own.done and "someone else" in own.message
