"""Readiness: is the database reachable, is the schema current, has a worker run jobs lately; and the queue's
own upkeep: jobs left half-done by a worker that died are run again.

The worker question is answered by the heartbeat task below, on this module's procrastinate blueprint
(shared.jobs adds it to the app and schedules it every 30 seconds). `retry_stalled_jobs`, on the same blueprint
and scheduled there too, puts back the jobs of dead workers.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass, field

import procrastinate

from shared.db.engine import RapportEngine
from shared.db.migrate import pending_migrations
from shared.db.tables import WorkerHeartbeat

HEARTBEAT_EVERY_SECONDS = 30
# /readyz says the worker is down when its last heartbeat is older than this.
HEARTBEAT_STALE_AFTER = dt.timedelta(seconds=HEARTBEAT_EVERY_SECONDS * 4)

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@blueprint.task(name="heartbeat", queue="default", queueing_lock="heartbeat")
async def heartbeat(timestamp: int | None = None) -> None:
    """Record that a worker is executing jobs right now (readiness depends on it)."""
    now = dt.datetime.now(dt.UTC)
    await WorkerHeartbeat.insert(WorkerHeartbeat(worker=worker_name(), beat_at=now)).on_conflict(
        target=WorkerHeartbeat.worker, action="DO UPDATE", values=[WorkerHeartbeat.beat_at]
    )


async def latest_heartbeat() -> dt.datetime | None:
    row = (
        await WorkerHeartbeat.select(WorkerHeartbeat.beat_at).order_by(WorkerHeartbeat.beat_at, ascending=False).first()
    )
    return row["beat_at"] if row else None


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)
    ok: bool = True

    def fail(self, name: str, reason: str) -> None:
        self.checks[name] = reason
        self.ok = False


async def check_readiness(engine: RapportEngine) -> Readiness:
    readiness = Readiness()
    try:
        await engine.fetch("SELECT 1")
        readiness.checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"; the reason is reported
        readiness.fail("database", f"unreachable: {type(exc).__name__}")
        readiness.fail("migrations", "unknown")
        readiness.fail("worker", "unknown")
        return readiness
    pending = await pending_migrations(engine)
    if pending:
        readiness.fail("migrations", f"{len(pending)} pending; run `rapport migrate`")
        # The heartbeat table may not exist yet; the worker cannot be judged before migrating.
        readiness.fail("worker", "unknown until migrations are applied")
        return readiness
    readiness.checks["migrations"] = "ok"
    beat = await latest_heartbeat()
    if beat is None:
        readiness.fail("worker", "no heartbeat yet; start `rapport worker`")
    elif dt.datetime.now(dt.UTC) - beat > HEARTBEAT_STALE_AFTER:
        readiness.fail("worker", f"last heartbeat {beat.isoformat()}; is `rapport worker` running?")
    else:
        readiness.checks["worker"] = "ok"
    return readiness


# --- jobs of dead workers --------------------------------------------------------------------------------------

# A worker killed mid-job (OOM, SIGKILL, a machine gone) leaves its job 'doing' for good: procrastinate never
# runs it again by itself, and a job with a `lock` then blocks every later job of that lock (each periodic sweep
# below has one). A worker beats every 10 s and procrastinate prunes one silent for 30 s; after 2 minutes without
# a heartbeat its jobs are stalled.
STALLED_AFTER_SECONDS = 120.0
# A job run this many times already (its attempts: stalls and ordinary retries alike) that stalls again, say one
# that runs its worker out of memory each time, is failed instead of run again.
MAX_RUNS = 5

# Every task of the app, and whether its job may simply run again after its worker died mid-way. Only "rerun"
# tasks are put back; a new task must be added here (tests/shared/test_jobs.py checks every task is listed).
# The reason says why running it a second time does its work once.
RERUN = "rerun"
STALLED_JOBS: dict[str, tuple[str, str]] = {
    "heartbeat": (RERUN, "an upsert of the worker's last beat"),
    "sweep_sessions": (RERUN, "deletes expired sessions; again, there are none left to delete"),
    "refresh_social_tokens": (RERUN, "periodic: running it again is its next scheduled run, early"),
    "send_notification_emails": (
        RERUN,
        "each email is claimed before it is sent and marked sent after; a batch the dead run claimed and"
        " didn't send goes with a later run once its claim lapses (shared/notifications/outbox.py)",
    ),
    "send_due_reminders": (RERUN, "one reminder per deliverable and due date (shared/collaborations/tasks.py)"),
    "compute_draft_sha256": (RERUN, "writes the same hash of the same file again"),
    "abort_abandoned_uploads": (RERUN, "aborting an upload storage no longer has is a no-op; drafts are marked once"),
    "contract_deadlines": (RERUN, "expiring and reminding are both idempotent (shared/contracts/tasks.py)"),
    "process_stripe_event": (RERUN, "re-reads the account, transfer or payout from Stripe and records its state"),
    "refresh_pending_payout_accounts": (RERUN, "re-reads accounts from Stripe"),
    "send_payable_transfer": ("own sweep", "sweep_transfer_intents puts these back itself (Stripe idempotency key)"),
    "sweep_transfer_intents": (RERUN, "periodic; re-queues what has no live job"),
    "send_rights_expiry_alerts": (RERUN, "idempotent per grant and day: each alert goes once"),
    "check_live_post": (RERUN, "a reading is stored with next_read_at moved on, in one transaction"),
    "results_sweep": (RERUN, "periodic; each check as check_live_post"),
    "generate_export": (
        RERUN,
        "a running export is claimed afresh (progress reset) and its file is written to the"
        " same key; 'done' and its audit row are one transaction, and a done export is skipped",
    ),
    "reconcile_run": (RERUN, "a running run starts afresh; items are upserts keyed by period and Stripe object"),
    "reconcile_daily": (RERUN, "queues a run per brand and month only where none is queued"),
    "retry_stalled_jobs": (RERUN, "this sweep"),
}


@blueprint.task(name="retry_stalled_jobs", queue="default", queueing_lock="retry_stalled_jobs",
                lock="retry_stalled_jobs", pass_context=True)  # fmt: skip
async def retry_stalled_jobs(
    context: procrastinate.JobContext,
    timestamp: int | None = None,
    stalled_after_seconds: float = STALLED_AFTER_SECONDS,
) -> None:
    """Run again the jobs whose worker died mid-job, for the tasks that may run twice (STALLED_JOBS)."""
    manager = context.app.job_manager
    stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after_seconds)
    retried, failed = [], []
    for job in stalled:
        policy, _ = STALLED_JOBS.get(job.task_name, ("unknown", ""))
        if policy != RERUN or job.id == context.job.id or job.worker_id == context.job.worker_id:
            continue  # left alone: not ours to rerun, or this very worker is alive and running it
        assert job.id is not None
        try:
            if job.attempts + 1 >= MAX_RUNS:
                await manager.finish_job_by_id_async(job.id, procrastinate.jobs.Status.FAILED, delete_job=False)
                failed.append(job.id)
            else:
                await manager.retry_job(job)
                retried.append(job.id)
        except procrastinate.exceptions.ConnectorException:  # e.g. a newer run of a periodic task waits already
            log.warning("stalled job not retried", extra={"job": job.id, "task": job.task_name}, exc_info=True)
            await manager.finish_job_by_id_async(job.id, procrastinate.jobs.Status.FAILED, delete_job=False)
            failed.append(job.id)
    if retried or failed:
        log.warning("stalled jobs of dead workers", extra={"retried": retried, "failed": failed})
