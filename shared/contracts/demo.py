"""Demo data for contracts: each demo brand gets the default template; Diego's accepted Acme deal gets a
contract sent and waiting for his signature; in the lived-in demo, Acme's other accepted deals show the other
states a contract reaches without a person at an authenticator: one signed by the creator and waiting for
Acme's countersignature, one declined by the creator, one voided by Acme, one still a draft."""

from __future__ import annotations

import datetime as dt

from shared.audit.context import Actor
from shared.contracts.actions import (
    BrandSide,
    ContractTools,
    do_decline_contract,
    do_generate_contract,
    do_send_contract,
    do_sign_contract,
    do_void_contract,
    ensure_default_template,
)
from shared.contracts.rules import consent_hash
from shared.db.engine import get_engine
from shared.identity.queries import get_staff_context

DEMO_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) rapport-demo"


async def seed_demo_contracts(actor: Actor, tools: ContractTools | None) -> None:
    engine = get_engine()
    for brand in await engine.fetch("SELECT id FROM brand WHERE slug IN ('acme', 'globex') ORDER BY id"):
        await ensure_default_template(actor, int(brand["id"]))
    if tools is None:
        return  # no storage to keep PDFs in (tests of the seed itself)
    rows = await engine.fetch(
        """
        SELECT c.id, c.brand, c.creator, cr.email = 'diego@creators.test' AS is_diego, s.id AS staff_id
        FROM collaboration c
        JOIN brand b ON b.id = c.brand AND b.slug = 'acme'
        JOIN creator cr ON cr.id = c.creator
        JOIN staff_user s ON s.email = 'bob@acme.test'
        WHERE c.status = 'accepted' AND NOT EXISTS (SELECT 1 FROM contract t WHERE t.collaboration = c.id)
        ORDER BY (cr.email = 'diego@creators.test') DESC, c.id
        """
    )
    # Deals past these keep no contract yet: the deal page offers to generate one.
    states = iter(("signed", "declined", "voided", "draft"))
    for row in rows:
        state = "sent" if row["is_diego"] else next(states, None)
        if state is None:
            break
        side = BrandSide(await get_staff_context(int(row["staff_id"])), int(row["brand"]))
        contract_id = await do_generate_contract(actor, side, tools, collaboration_id=int(row["id"]))
        if state == "draft":
            continue
        await do_send_contract(actor, side, contract_id=contract_id)
        if state == "sent":
            continue
        if state == "voided":
            await do_void_contract(
                actor, side, contract_id=contract_id, reason="The fee in the terms was wrong; a corrected one follows."
            )
            continue
        creator_id = int(row["creator"])
        if state == "declined":
            await do_decline_contract(
                actor,
                creator_id,
                contract_id=contract_id,
                reason="My agent asks for 60 days of usage rights, not 90. Happy to sign with that change.",
                user_agent=DEMO_AGENT,
            )
            continue
        await do_sign_contract(
            actor,
            creator_id,
            contract_id=contract_id,
            legal_name=await _legal_name(creator_id),
            consent=True,
            consent_sha256=consent_hash(),
            intent=True,
            signed_in_at=dt.datetime.now(dt.UTC),
            identity="demo sign-in",
            user_agent=DEMO_AGENT,
        )


async def _legal_name(creator_id: int) -> str:
    rows = await get_engine().fetch("SELECT display_name FROM creator WHERE id = $1", creator_id)
    return str(rows[0]["display_name"])
