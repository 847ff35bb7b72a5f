"""Demo tax picture at Acme, through the real actions: Alice has a W-9 on file and was paid US$2,500 this year
(flagged for a 1099-NEC); Nico (Italy) has a W-8BEN with a treaty claim and was paid (not reportable); Olu was
paid above the threshold with no form yet (flagged, form missing), Rosa below it; Acme holds payouts to US
creators until their W-9 is on file, so Maya's approved payment waits and her Payments page says why."""

from __future__ import annotations

import datetime as dt

from shared.audit.context import Actor
from shared.collaborations.actions import CreatorSide, check_send_offers, do_accept_offer
from shared.db.engine import get_engine
from shared.identity.queries import get_staff_context
from shared.payments.actions import check_approve_payables, do_record_manual_payout, record_milestone
from shared.settings import Settings
from shared.tax.actions import do_set_tax_hold, do_submit_tax_profile
from shared.tax.rules import certification_hash, tin_encryptor

# Made-up numbers in valid ranges (never real people's): the demo's filing export shows them in full.
ALICE_W9 = {
    "legal_name": "Alice Rivera",
    "business_name": "",
    "classification": "individual",
    "address_line1": "220 Canyon Blvd",
    "address_line2": "Apt 3",
    "city": "Boulder",
    "region": "CO",
    "postal_code": "80302",
    "tin_kind": "ssn",
    "tin": "412-55-0198",
    "signed_name": "Alice Rivera",
    "certify": "yes",
    "certification_sha256": certification_hash("w9"),
}
NICO_W8BEN = {
    "legal_name": "Nico Romano",
    "citizenship": "IT",
    "address_line1": "Via dei Coronari 12",
    "city": "Roma",
    "postal_code": "00186",
    "country": "IT",
    "foreign_tin": "RMNNCI90A01H501X",
    "treaty_country": "IT",
    "treaty_article": "14",
    "treaty_rate": "0",
    "signed_name": "Nico Romano",
    "certify": "yes",
    "certification_sha256": certification_hash("w8ben"),
}


def _in_days(days: int) -> str:
    return (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=days)).isoformat()


ALICE_OFFER = {
    "fee": "5000",
    "pay_signing": "50",
    "pay_approval": "0",
    "pay_go_live": "50",
    "product": "",
    "usage_rights": "Organic reposts for 90 days",
    "exclusivity": "",
    "revision_rounds": "2",
    "review_days": "3",
    "note": "Ambassador season: two reels.",
    "d0_kind": "reel",
    "d0_platform": "instagram",
    "d0_title": "Ambassador reel",
    "d0_draft_due": _in_days(10),
    "d0_live_due": _in_days(20),
}


async def _creator(email: str) -> int | None:
    rows = await get_engine().fetch("SELECT id FROM creator WHERE email = $1", email)
    return int(rows[0]["id"]) if rows else None


async def _pay(actor: Actor, acme: int, fran_id: int, olivia_id: int, payable_ids: list[int]) -> None:
    fran, olivia = await get_staff_context(fran_id), await get_staff_context(olivia_id)
    for payable_id in payable_ids:
        # Acme's policy may ask for two approvers: Fran, then Olivia (who pays, never as the only approver).
        for approver in (fran, olivia):
            status = await get_engine().fetch("SELECT status FROM payable WHERE id = $1", payable_id)
            if status[0]["status"] == "pending_approval":
                await check_approve_payables(actor, approver, brand_id=acme, payable_ids=[payable_id])
        await do_record_manual_payout(actor, olivia, brand_id=acme, payable_id=payable_id, method="bank_transfer",
                                      reference=f"ACME-TAX-{payable_id}")  # fmt: skip


async def seed_demo_tax(actor: Actor, settings: Settings | None) -> None:
    """The tax picture (needs the demo's settings: TINs are encrypted with its SECRET_KEY)."""
    if settings is None:
        return
    engine = get_engine()
    if await engine.fetch("SELECT 1 FROM tax_profile LIMIT 1"):
        return
    acme_rows = await engine.fetch("SELECT id FROM brand WHERE slug = 'acme'")
    staff = {
        r["email"]: int(r["id"])
        for r in await engine.fetch(
            "SELECT id, email FROM staff_user WHERE email IN ('fran@acme.test', 'olivia@acme.test', 'bob@acme.test')"
        )
    }
    alice, nico, olu, rosa = [await _creator(f"{n}@creators.test") for n in ("alice", "nico", "olu", "rosa")]
    if not acme_rows or len(staff) < 3:
        return
    acme = int(acme_rows[0]["id"])
    encryptor = tin_encryptor(settings.secret_key)
    creator_actor = Actor("creator", None, "demo creator", "198.51.100.23")

    if alice is not None:
        await do_submit_tax_profile(creator_actor, alice, encryptor, kind="w9", values=ALICE_W9,
                                    user_agent="Mozilla/5.0 (iPhone) demo")  # fmt: skip
        # A deal paid this year in an active Acme campaign she has no offer in: US$2,500 at signing.
        campaign = await engine.fetch(
            """
            SELECT k.id FROM campaign k WHERE k.brand = $1 AND k.status = 'active'
              AND EXISTS (SELECT 1 FROM brief_version v WHERE v.campaign = k.id AND v.published_at IS NOT NULL)
              AND NOT EXISTS (SELECT 1 FROM collaboration c WHERE c.campaign = k.id AND c.creator = $2)
            ORDER BY k.id LIMIT 1
            """,
            acme,
            alice,
        )
        if campaign:
            bob = await get_staff_context(staff["bob@acme.test"])
            [deal] = await check_send_offers(actor, bob, brand_id=acme, campaign_id=int(campaign[0]["id"]),
                                             creator_ids=[alice], form=ALICE_OFFER)  # fmt: skip
            await do_accept_offer(actor, CreatorSide(alice), collaboration_id=deal)
            if (payable := await record_milestone(actor, deal, "signing")) is not None:
                await _pay(actor, acme, staff["fran@acme.test"], staff["olivia@acme.test"], [payable])
    if nico is not None:
        await do_submit_tax_profile(creator_actor, nico, encryptor, kind="w8ben", values=NICO_W8BEN,
                                    user_agent="Mozilla/5.0 (Android) demo")  # fmt: skip
    # Paid by bank transfer from their waiting payables: Nico's approval milestone (he has a W-8BEN: not
    # reportable), both of Olu's (US$2,100, no form yet: flagged, form missing), Rosa's approval (below the line).
    waiting = await engine.fetch(
        "SELECT id FROM payable WHERE brand = $1 AND status = 'pending_approval' AND ("
        "(creator = $2 AND milestone = 'approval') OR (creator = $3 AND milestone IN ('approval', 'go_live')) "
        "OR (creator = $4 AND milestone = 'approval')) ORDER BY id",
        acme,
        nico,
        olu,
        rosa,
    )
    await _pay(actor, acme, staff["fran@acme.test"], staff["olivia@acme.test"], [int(r["id"]) for r in waiting])
    # Last: the hold, so Maya's approved payment (US, no W-9) waits for her W-9.
    await do_set_tax_hold(actor, await get_staff_context(staff["olivia@acme.test"]), brand_id=acme, hold=True)
