"""Running reconciliation in tests: a queued run done by the engine (the job's own work), and the items it left."""

from __future__ import annotations

import datetime as dt

from shared.db.engine import get_engine
from shared.integrations.stripe_connect import StripeConnect
from shared.reconciliation.engine import run_reconciliation
from shared.reconciliation.queue import queue_run


async def reconcile(connect: StripeConnect, brand_id: int, month: dt.date) -> dict[str, object]:
    """Queue a run for the month and do it; the run's row afterwards."""
    run_id = await queue_run(brand_id, month, None)
    assert run_id is not None
    assert await run_reconciliation(connect, run_id)
    # The job was queued with the run; the engine did its work here, so the job has nothing left to do.
    await get_engine().fetch("DELETE FROM procrastinate_jobs WHERE task_name = 'reconcile_run'")
    rows = await get_engine().fetch("SELECT * FROM reconciliation_run WHERE id = $1", run_id)
    return dict(rows[0])


async def items(brand_id: int, month: dt.date) -> dict[str, dict[str, object]]:
    rows = await get_engine().fetch(
        """
        SELECT i.* FROM reconciliation_item i JOIN reconciliation_period p ON p.id = i.period
        WHERE p.brand = $1 AND p.starts_on = $2
        """,
        brand_id,
        month,
    )
    return {r["key"]: dict(r) for r in rows}


def breaks(found: dict[str, dict[str, object]]) -> dict[str, str]:
    return {key: str(item["result"]) for key, item in found.items() if item["result"] != "matched"}
