"""A worker killed mid-job (SIGKILL, as the OOM killer or a lost machine does): the job is left 'doing', the
stalled-jobs sweep (shared.health.retry_stalled_jobs) puts it back, another worker runs it, and its work is done
once. Real `rapport worker` processes, a real export of a general ledger large enough to be caught half-way."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bench.export_bench import request, setup
from shared.db.engine import RapportEngine
from shared.health import retry_stalled_jobs
from shared.jobs import job_queue
from tests.worker_process import kill, start_worker, worker_env

ENTRIES = 60_000  # 30 pages of 2,000: the first worker is killed after its first page, long before the end


async def _done_and_succeeded(engine: RapportEngine, export_id: int, job_id: int) -> bool:
    [export] = await engine.fetch("SELECT state FROM export WHERE id = $1", export_id)
    [job] = await engine.fetch("SELECT status FROM procrastinate_jobs WHERE id = $1", job_id)
    return bool(export["state"] == "done" and job["status"] == "succeeded")


async def test_an_export_whose_worker_was_killed_is_run_again_and_made_once(
    engine: RapportEngine, database_url: str, tmp_path: Path
) -> None:
    brand_id = await setup(ENTRIES)  # the export benchmark's ledger: one brand, balanced journals in bulk SQL
    [admin] = await engine.fetch("SELECT id FROM staff_user WHERE email = 'admin@bench.test'")
    export_id = await request(int(admin["id"]), brand_id)
    storage = tmp_path / "storage"
    env = worker_env(database_url, storage)
    first = start_worker(env, tmp_path / "first.log")
    try:
        deadline = time.monotonic() + 120
        while True:
            [row] = await engine.fetch("SELECT state, rows_written FROM export WHERE id = $1", export_id)
            if row["state"] == "running" and row["rows_written"] > 0:
                break  # half-way: a page or more written to its temporary file, nothing in storage yet
            assert row["state"] in ("queued", "running"), row  # finished before the kill: the ledger is too small
            assert first.poll() is None and time.monotonic() < deadline, (tmp_path / "first.log").read_text()
            await asyncio.sleep(0.02)
    finally:
        kill(first)
    [row] = await engine.fetch("SELECT state, rows_written FROM export WHERE id = $1", export_id)
    assert row["state"] == "running" and 0 < row["rows_written"] < ENTRIES, dict(row)
    [job] = await engine.fetch("SELECT id, status FROM procrastinate_jobs WHERE task_name = 'generate_export'")
    assert job["status"] == "doing"  # procrastinate alone would leave it so for good
    assert _files(storage) == []

    second = start_worker(env, tmp_path / "second.log")
    try:
        await asyncio.sleep(1.1)  # the dead worker has been silent for more than the 1 s asked for below
        # The schedule runs the sweep every minute for workers silent 2 minutes; here, at once for 1 s.
        await engine.fetch("DELETE FROM procrastinate_jobs WHERE task_name = 'retry_stalled_jobs' AND status = 'todo'")
        async with job_queue(database_url):
            await retry_stalled_jobs.defer_async(stalled_after_seconds=1)
        deadline = time.monotonic() + 180
        # Done, and its job finished too: the export's "done" commits inside the task, and procrastinate records
        # the job's success just after the task returns (a worker killed in between would lose that record).
        while not await _done_and_succeeded(engine, export_id, int(job["id"])):
            assert second.poll() is None and time.monotonic() < deadline, (tmp_path / "second.log").read_text()
            await asyncio.sleep(0.1)
    finally:
        kill(second)

    [row] = await engine.fetch("SELECT rows_total, rows_written, storage_key FROM export WHERE id = $1", export_id)
    assert row["rows_total"] == row["rows_written"] == ENTRIES
    events = await engine.fetch(
        "SELECT type FROM procrastinate_events WHERE job_id = $1 AND type <> 'scheduled' ORDER BY id", job["id"]
    )
    # The same job, started twice: killed, put back by the sweep, then run to the end by the second worker.
    assert [e["type"] for e in events] == ["deferred", "started", "deferred_for_retry", "started", "succeeded"]
    # Its effect, once: one file, every entry in it once, one completion in the audit log.
    [file] = _files(storage)
    assert file == storage / row["storage_key"]
    lines = file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + ENTRIES and len(set(lines)) == len(lines)
    audit = await engine.fetch("SELECT action FROM audit_log WHERE subject_type = 'export' ORDER BY id")
    assert [r["action"] for r in audit] == ["export.requested", "export.completed"]


def _files(folder: Path) -> list[Path]:
    """Local storage's objects, and any half-written one (`.<name>.<random>.partial`); not its `.meta` records."""
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and ".meta" not in p.relative_to(folder).parts)


async def test_the_sweep_reruns_only_what_may_run_again(engine: RapportEngine, database_url: str) -> None:
    """The sweep's choices, on jobs a dead worker left 'doing' (the state a SIGKILL leaves, as above, here
    written directly): an export runs again; an export already run 4 times, a sweep whose next run waits already
    (its queueing lock) are failed; a transfer is left to its own sweep."""
    from shared.exports.tasks import generate_export_task
    from shared.payments.tasks import send_payable_transfer, sweep_transfer_intents
    from shared.results.tasks import results_sweep

    async with job_queue(database_url) as jobs:
        again = await generate_export_task.defer_async(export_id=10**9)  # no such export: a rerun skips it
        worn = await generate_export_task.defer_async(export_id=10**9 + 1)
        sweep = await results_sweep.defer_async(timestamp=0)
        transfer = await send_payable_transfer.defer_async(payable_id=10**9)
        [dead] = await engine.fetch(
            "INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '10 minutes') RETURNING id"
        )
        await engine.fetch(
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = $1, attempts = "
            "CASE WHEN id = $2 THEN 4 ELSE 0 END WHERE id = ANY($3::bigint[])",
            dead["id"],
            worn,
            [again, worn, sweep, transfer],
        )
        waiting = await results_sweep.defer_async(timestamp=60)  # the next run of the sweep, queued meanwhile
        # The transfers' own sweep would put the transfer back: its next run is parked where no worker here reads,
        # so the worker's periodic deferrer can't queue another (its queueing lock).
        await sweep_transfer_intents.configure(queue="parked").defer_async(timestamp=0)
        await engine.fetch("DELETE FROM procrastinate_jobs WHERE task_name = 'retry_stalled_jobs'")
        await retry_stalled_jobs.defer_async(stalled_after_seconds=60)
        await jobs.run_worker_async(wait=False, install_signal_handlers=False, queues=["default"])
    rows = await engine.fetch(
        "SELECT id, status FROM procrastinate_jobs WHERE id = ANY($1::bigint[])", [again, worn, sweep, transfer]
    )
    status = {row["id"]: row["status"] for row in rows}
    assert status == {again: "succeeded", worn: "failed", sweep: "failed", transfer: "doing"}
    [next_run] = await engine.fetch("SELECT status FROM procrastinate_jobs WHERE id = $1", waiting)
    assert next_run["status"] != "doing"  # the dead run's lock no longer holds it back
