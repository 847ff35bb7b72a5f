"""Demo data for contracts: each demo brand gets the default template; Diego's accepted Acme deal gets a
contract sent and waiting for his signature."""

from __future__ import annotations

from shared.audit.context import Actor
from shared.contracts.actions import (
    BrandSide,
    ContractTools,
    do_generate_contract,
    do_send_contract,
    ensure_default_template,
)
from shared.db.engine import get_engine
from shared.identity.queries import get_staff_context


async def seed_demo_contracts(actor: Actor, tools: ContractTools | None) -> None:
    engine = get_engine()
    for brand in await engine.fetch("SELECT id FROM brand WHERE slug IN ('acme', 'globex') ORDER BY id"):
        await ensure_default_template(actor, int(brand["id"]))
    if tools is None:
        return  # no storage to keep PDFs in (tests of the seed itself)
    rows = await engine.fetch(
        """
        SELECT c.id, c.brand, s.id AS staff_id FROM collaboration c
        JOIN brand b ON b.id = c.brand AND b.slug = 'acme'
        JOIN creator cr ON cr.id = c.creator AND cr.email = 'diego@creators.test'
        JOIN staff_user s ON s.email = 'bob@acme.test'
        WHERE c.status = 'accepted' AND NOT EXISTS (SELECT 1 FROM contract t WHERE t.collaboration = c.id)
        """
    )
    for row in rows:
        side = BrandSide(await get_staff_context(int(row["staff_id"])), int(row["brand"]))
        contract_id = await do_generate_contract(actor, side, tools, collaboration_id=int(row["id"]))
        await do_send_contract(actor, side, contract_id=contract_id)
