"""Demo data for usage rights: the lived-in history's deals carry structured rights, so their approved drafts and
live posts already have grants. History is made "now" and then aged; here each live post's grant is re-dated to
the day the post went live (as the go-live action would have done then), so the library shows content usable,
ending soon, expired (to take down) and not yet live. One Summer grant is renewed, with its reason; and
`seed_demo_renewals` shows a renewal in each state of its flow (shared.rights.renewals)."""

from __future__ import annotations

import datetime as dt

import pyotp

from shared.audit.context import Actor
from shared.contracts.actions import BrandSide, ContractTools, do_countersign_contract, do_sign_contract
from shared.contracts.demo import DEMO_AGENT
from shared.contracts.rules import consent_hash
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.identity.actions import check_totp_enrolment, do_disable_totp, do_start_totp_enrolment
from shared.identity.queries import get_staff_context
from shared.rights.actions import do_extend_grant, record_grant
from shared.rights.queries import STANDING, standing_entries
from shared.rights.renewals import (
    RenewalSide,
    check_counter_renewal,
    check_propose_renewal,
    do_accept_renewal,
    do_decline_renewal,
)


async def seed_demo_rights(actor: Actor) -> None:
    engine = get_engine()
    live = await engine.fetch(
        """
        SELECT d.id, (d.live_at AT TIME ZONE 'UTC')::date AS went_live FROM deliverable d
        JOIN brand b ON b.id = d.brand AND b.slug = 'acme'
        WHERE d.live_at IS NOT NULL AND EXISTS (SELECT 1 FROM rights_entry e WHERE e.deliverable = d.id)
        ORDER BY d.id
        """
    )
    for row in live:
        await record_grant(actor, int(row["id"]), source="go_live", go_live=row["went_live"])
    summer = await engine.fetch(
        """
        SELECT d.id, d.brand FROM deliverable d JOIN campaign k ON k.id = d.campaign AND k.name = 'Summer camp series'
        JOIN brand b ON b.id = d.brand AND b.slug = 'acme' WHERE d.live_at IS NOT NULL ORDER BY d.id LIMIT 1
        """
    )
    bob = await engine.fetch("SELECT id FROM staff_user WHERE email = 'bob@acme.test'")
    if not summer or not bob:
        return
    deliverable_id = int(summer[0]["id"])
    [entry] = (await standing_entries([deliverable_id]))[deliverable_id]
    await do_extend_grant(
        actor,
        await get_staff_context(int(bob[0]["id"])),
        int(summer[0]["brand"]),
        entry.id,
        ends_on=entry.grant.ends_on + dt.timedelta(days=182),
        reason="Renewed for 6 more months: US$400 agreed by email",
    )


async def seed_demo_renewals(actor: Actor, tools: ContractTools, encryptor: Encryptor) -> None:
    """Renewals at Acme in each state: proposed to the creator; countered by the creator (what changed shows);
    agreed, its amendment awaiting the creator's signature; executed (both signed: the grant extended, the fee's
    payable waiting for approval in Payouts); declined by the creator. Bob proposes each."""
    engine = get_engine()
    rows = await engine.fetch(
        f"""
        SELECT DISTINCT ON (d.id) d.id, d.brand, d.creator, e.id AS entry, e.ends_on FROM deliverable d
        JOIN brand b ON b.id = d.brand AND b.slug = 'acme' JOIN rights_entry e ON e.deliverable = d.id AND {STANDING}
        WHERE d.live_at IS NOT NULL AND e.kind = 'grant' AND e.ends_on >= CURRENT_DATE
          AND NOT EXISTS (SELECT 1 FROM rights_renewal r WHERE r.deliverable = d.id)
        ORDER BY d.id, e.id DESC
        """  # noqa: S608 (a constant)
    )
    bob_rows = await engine.fetch("SELECT id FROM staff_user WHERE email = 'bob@acme.test'")
    if len(rows) < len(RENEWAL_STORIES) or not bob_rows:
        return
    bob = await get_staff_context(int(bob_rows[0]["id"]))
    for row, (state, months, fee, note) in zip(rows, RENEWAL_STORIES, strict=False):
        brand_id, creator_id = int(row["brand"]), int(row["creator"])
        creator = RenewalSide.creator(creator_id)
        renewal_id = await check_propose_renewal(
            actor, bob, brand_id, int(row["entry"]), ends_on=row["ends_on"] + dt.timedelta(days=30 * months),
            fee=fee, note=note,
        )  # fmt: skip
        if state == "proposed":
            continue
        if state == "declined":
            await do_decline_renewal(actor, creator, renewal_id)
            continue
        if state in ("countered", "executed"):
            await check_counter_renewal(
                actor, creator, renewal_id, ends_on=row["ends_on"] + dt.timedelta(days=30 * (months + 3)),
                fee=str(int(fee) + 250), note="Paid ads run longer than organic: nine months, and a little more.",
            )  # fmt: skip
        if state == "countered":
            continue
        accepting = RenewalSide.brand(bob, brand_id) if state == "executed" else creator
        contract_id = await do_accept_renewal(actor, accepting, tools, renewal_id)
        if state == "signing":
            continue
        names = await engine.fetch("SELECT display_name FROM creator WHERE id = $1", creator_id)
        await do_sign_contract(
            actor, creator_id, contract_id=contract_id, legal_name=str(names[0]["display_name"]), consent=True,
            consent_sha256=consent_hash(), intent=True, signed_in_at=dt.datetime.now(dt.UTC),
            identity="demo sign-in", user_agent=DEMO_AGENT,
        )  # fmt: skip
        # Countersigning takes an authenticator code: Bob sets one up for the moment, and turns it off after, so
        # his demo sign-in stays a password (both steps are in the audit log).
        setup = await do_start_totp_enrolment(actor, encryptor, staff_id=bob.id)
        await check_totp_enrolment(actor, encryptor, staff_id=bob.id, code=pyotp.TOTP(setup.secret).now())
        await do_countersign_contract(
            actor, BrandSide(bob, brand_id), tools, encryptor, contract_id=contract_id,
            code=pyotp.TOTP(setup.secret).now(),
        )  # fmt: skip
        await do_disable_totp(actor, bob)


# (state, months more, fee, Bob's note)
RENEWAL_STORIES = (
    ("executed", 6, "400", "The reel keeps performing in paid social: six more months?"),
    ("signing", 6, "300", "We'd like to keep it in our always-on ads."),
    ("countered", 6, "400", "Six more months for paid social?"),
    ("proposed", 3, "200", "Three more months for the website and email."),
    ("declined", 12, "150", "A year more, organic only."),
)
