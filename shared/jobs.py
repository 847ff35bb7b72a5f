"""The job queue (procrastinate on the same PostgreSQL): tasks, periodic schedules, worker runner.

Any number of `rapport worker` processes, on any machine, share the queue; the demo runs one
inside the web process. Tasks are small and idempotent: they may run twice after a crash.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import procrastinate

from shared.db.tables import WorkerHeartbeat

log = logging.getLogger(__name__)

# Created without an address: `job_queue(dsn)` plugs in the real connector at start-up.
job_app = procrastinate.App(connector=procrastinate.PsycopgConnector())

HEARTBEAT_EVERY_SECONDS = 30
# /readyz says the worker is down when its last heartbeat is older than this.
HEARTBEAT_STALE_AFTER = dt.timedelta(seconds=HEARTBEAT_EVERY_SECONDS * 4)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@job_app.periodic(cron=f"* * * * * */{HEARTBEAT_EVERY_SECONDS}")
@job_app.task(name="heartbeat", queue="default", queueing_lock="heartbeat")
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


@asynccontextmanager
async def job_queue(dsn: str) -> AsyncIterator[procrastinate.App]:
    """Connect the job app to PostgreSQL for the duration of the block (deferring and working)."""
    connector = procrastinate.PsycopgConnector(conninfo=dsn, min_size=1, max_size=4)
    with job_app.replace_connector(connector):
        async with job_app.open_async():
            yield job_app


@asynccontextmanager
async def worker_in_background(app: procrastinate.App, concurrency: int = 1) -> AsyncIterator[asyncio.Task[None]]:
    """Run a worker as a task of the current event loop (the demo's single process)."""
    task = asyncio.create_task(
        app.run_worker_async(concurrency=concurrency, install_signal_handlers=False, name=worker_name())
    )
    try:
        yield task
    finally:
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down; the worker logs its own errors
            log.debug("in-process worker stopped")


@job_app.periodic(cron="17 * * * *")
@job_app.task(name="sweep_sessions", queue="default", queueing_lock="sweep_sessions")
async def sweep_sessions(timestamp: int | None = None) -> None:
    """Delete expired sessions (they are already refused when read; this keeps the table small)."""
    from shared.identity.sessions import delete_expired_sessions

    removed = await delete_expired_sessions()
    log.info("swept expired sessions", extra={"removed": removed})


@job_app.periodic(cron="*/10 * * * *")
# `lock` keeps two runs from overlapping (a slow run and the next tick): TikTok rotates refresh
# tokens, so refreshing the same account twice at once would spend one and mark it "reconnect".
@job_app.task(
    name="refresh_social_tokens", queue="default", queueing_lock="refresh_social_tokens", lock="refresh_social_tokens"
)
async def refresh_social_tokens(timestamp: int | None = None) -> None:
    """Renew linked accounts' tokens nearing expiry; a refused refresh asks the creator to reconnect."""
    from shared.creators.refresh import refresh_expiring_tokens
    from shared.settings import Settings

    # Workers are started from the environment too (`rapport worker`), so this is the same configuration.
    report = await refresh_expiring_tokens(Settings.from_env())
    log.info(
        "refreshed social tokens",
        extra={"refreshed": report.refreshed, "reconnect_needed": report.reconnect_needed, "skipped": report.skipped},
    )


@job_app.periodic(cron="* * * * *")
@job_app.task(name="send_notification_emails", queue="default", queueing_lock="send_notification_emails")
async def send_notification_emails(timestamp: int | None = None) -> None:
    """Send queued notification emails (deferred right after a commit, and every minute as a sweep)."""
    from shared.integrations.email import Mailer
    from shared.notifications.outbox import send_pending_emails
    from shared.settings import Settings

    settings = Settings.from_env()
    sent = await send_pending_emails(Mailer(settings.smtp_url), settings.base_url)
    if sent:
        log.info("sent notification emails", extra={"sent": sent})


@job_app.periodic(cron="7 * * * *")
# Hourly; reminders are idempotent (one per deliverable and due date), and `lock` keeps a slow run and
# the next one from working side by side.
@job_app.task(name="send_due_reminders", queue="default", queueing_lock="send_due_reminders", lock="send_due_reminders")
async def send_due_reminders(timestamp: int | None = None) -> None:
    """Remind creators and brand staff of deliverables due within a few days, and of overdue ones."""
    from shared.notifications.reminders import send_due_reminders as remind

    report = await remind()
    log.info("sent due reminders", extra={"due_soon": report.due_soon, "overdue": report.overdue})


@job_app.periodic(cron="23 * * * *")
@job_app.task(name="contract_deadlines", queue="default", queueing_lock="contract_deadlines", lock="contract_deadlines")
async def contract_deadlines(timestamp: int | None = None) -> None:
    """Hourly: expire contracts left unsigned past their date; remind creators after 3 days and before expiry."""
    from shared.contracts.actions import expire_contracts, remind_signers

    expired = await expire_contracts()
    reminded = await remind_signers()
    log.info("contract deadlines", extra={"expired": expired, "reminded": reminded})


@job_app.task(name="compute_draft_sha256", queue="default")
async def compute_draft_sha256(draft_id: int) -> None:
    """Record a verified draft's SHA-256 (reads the whole file from storage once, so never in a web request)."""
    from shared.content.actions import do_record_sha256
    from shared.integrations.storage import storage_from_settings
    from shared.settings import Settings

    await do_record_sha256(draft_id, storage=storage_from_settings(Settings.from_env()))


@job_app.periodic(cron="37 * * * *")
@job_app.task(
    name="abort_abandoned_uploads", queue="default", queueing_lock="abort_abandoned_uploads", lock="abort_uploads"
)
async def abort_abandoned_uploads(timestamp: int | None = None) -> None:
    """Abort multipart uploads nobody finished within a day; their drafts are marked abandoned."""
    from shared.content.actions import abort_abandoned_uploads as abort
    from shared.integrations.storage import storage_from_settings
    from shared.settings import Settings

    abandoned = await abort(storage_from_settings(Settings.from_env()))
    log.info("aborted abandoned uploads", extra={"drafts": abandoned})
