"""Queuing reconciliation runs: a run row and its job in one transaction, once per period at a time."""

from __future__ import annotations

import datetime as dt
import json

from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.reconciliation.rules import month_start, next_month, previous_month

RUN_TASK = "reconcile_run"  # shared/reconciliation/tasks.py, added to shared.jobs without a namespace


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


async def _period_id(brand_id: int, starts_on: dt.date) -> int:
    engine = get_engine()
    rows = await engine.fetch(
        "INSERT INTO reconciliation_period (brand, starts_on, ends_on, state, created_at) "
        "VALUES ($1, $2, $3, 'open', now()) ON CONFLICT (brand, starts_on) DO NOTHING RETURNING id",
        brand_id,
        starts_on,
        next_month(starts_on),
    )
    if not rows:
        rows = await engine.fetch(
            "SELECT id FROM reconciliation_period WHERE brand = $1 AND starts_on = $2", brand_id, starts_on
        )
    return int(rows[0]["id"])


async def queue_run(brand_id: int, starts_on: dt.date, requested_by: int | None) -> int | None:
    """A run for the brand's month, its job queued in the same transaction (procrastinate's own SQL function);
    the running or queued run when there is one already; None when the period is closed."""
    engine = get_engine()
    async with atomic():
        period_id = await _period_id(brand_id, starts_on)
        period = await engine.fetch("SELECT state FROM reconciliation_period WHERE id = $1 FOR UPDATE", period_id)
        if period[0]["state"] == "closed":
            return None
        live = await engine.fetch(
            "SELECT id FROM reconciliation_run WHERE period = $1 AND state IN ('queued', 'running') "
            "ORDER BY id DESC LIMIT 1",
            period_id,
        )
        if live:
            return int(live[0]["id"])
        rows = await engine.fetch(
            "INSERT INTO reconciliation_run (brand, period, state, requested_by, pages_read, items_read, changed, "
            "summary, error, created_at) VALUES ($1, $2, 'queued', $3, 0, 0, 0, '{}'::jsonb, '', now()) RETURNING id",
            brand_id,
            period_id,
            requested_by,
        )
        run_id = int(rows[0]["id"])
        # One run of a period at a time (the job lock); a second request while it waits joins it (above).
        await engine.fetch(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('default', $1, 0, $2, NULL, $3::jsonb, NULL)"
            "::procrastinate_job_to_defer_v1])",
            RUN_TASK,
            f"reconcile-{period_id}",
            json.dumps({"run_id": run_id}),
        )
        return run_id


async def queue_daily_runs() -> int:
    """The daily job: every brand's current month, and last month while it is still open."""
    today = month_start(_today())
    brands = await get_engine().fetch("SELECT id FROM brand ORDER BY id")
    queued = 0
    for brand in brands:
        for month in (previous_month(today), today):
            if await queue_run(int(brand["id"]), month, None) is not None:
                queued += 1
    return queued


async def mark_run_failed(run_id: int, error: str) -> None:
    await get_engine().fetch(
        "UPDATE reconciliation_run SET state = 'failed', error = $2, finished_at = now() WHERE id = $1 "
        "AND state IN ('queued', 'running')",
        run_id,
        error,
    )
