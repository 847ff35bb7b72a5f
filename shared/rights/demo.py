"""Demo data for usage rights: the lived-in history's deals carry structured rights, so their approved drafts and
live posts already have grants. History is made "now" and then aged; here each live post's grant is re-dated to
the day the post went live (as the go-live action would have done then), so the library shows content usable,
ending soon, expired (to take down) and not yet live. One Summer grant is renewed, with its reason."""

from __future__ import annotations

import datetime as dt

from shared.audit.context import Actor
from shared.db.engine import get_engine
from shared.identity.queries import get_staff_context
from shared.rights.actions import do_extend_grant, record_grant
from shared.rights.queries import standing_entries


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
