"""Demo exports at Acme, made as finance would: Fran asked for this month's general ledger and the last quarter's
payables and payouts, and both are ready to download on the Exports page."""

from __future__ import annotations

import datetime as dt

from shared.audit.context import Actor
from shared.db.engine import get_engine
from shared.exports.actions import do_request_export
from shared.exports.generation import generate_export
from shared.identity.queries import get_staff_context
from shared.integrations.storage import Storage


async def seed_demo_exports(actor: Actor, storage: Storage) -> None:
    staff = await get_engine().fetch("SELECT id FROM staff_user WHERE email = 'fran@acme.test'")
    if not staff:
        return
    fran = await get_staff_context(int(staff[0]["id"]))
    acme = next((b for b in fran.brands if b.brand_slug == "acme"), None)
    if acme is None:
        return
    today = dt.datetime.now(dt.UTC).date()
    periods = (("ledger", today.replace(day=1)), ("payables", today - dt.timedelta(days=90)))
    for kind, start in periods:
        export_id = await do_request_export(actor, acme, kind=kind, start=start, end=today, creator_id=None,
                                            today=today)  # fmt: skip
        # Made here rather than by the worker, so the page has files at once (the queued job then finds it done).
        await generate_export(export_id, storage)
