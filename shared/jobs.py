"""The job queue (procrastinate on the same PostgreSQL): the app, every area's blueprint, the periodic schedules.

Each area keeps its tasks in `shared/<area>/tasks.py` on a `procrastinate.Blueprint`, and its actions import
them at the top to queue them. This module only puts the app together, so nothing in an area imports it.
Any number of `rapport worker` processes, on any machine, share the queue; the demo runs one inside the web
process. Tasks are small and idempotent: they may run twice after a crash, and do (health.retry_stalled_jobs).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import procrastinate

from shared import health
from shared.collaborations import tasks as collaboration_tasks
from shared.content import tasks as content_tasks
from shared.contracts import tasks as contract_tasks
from shared.creators import tasks as creator_tasks
from shared.exports import tasks as export_tasks
from shared.identity import tasks as identity_tasks
from shared.notifications import tasks as notification_tasks
from shared.payments import tasks as payment_tasks
from shared.payouts import tasks as payout_tasks
from shared.reconciliation import tasks as reconciliation_tasks
from shared.results import tasks as result_tasks
from shared.rights import tasks as rights_tasks

log = logging.getLogger(__name__)

# Created without an address: `job_queue(dsn)` plugs in the real connector at start-up.
job_app = procrastinate.App(connector=procrastinate.PsycopgConnector())

# No namespace: the tasks keep the names they had before blueprints (queued jobs and periodic runs in the
# database name their task), and the names are unique across areas already.
for _blueprint in (
    health.blueprint,
    identity_tasks.blueprint,
    creator_tasks.blueprint,
    notification_tasks.blueprint,
    collaboration_tasks.blueprint,
    content_tasks.blueprint,
    contract_tasks.blueprint,
    payout_tasks.blueprint,
    payment_tasks.blueprint,
    rights_tasks.blueprint,
    result_tasks.blueprint,
    export_tasks.blueprint,
    reconciliation_tasks.blueprint,
):
    job_app.add_tasks_from(_blueprint, namespace="")

# --- periodic schedules (cron, UTC; a sixth field is seconds) --------------------------------------------------

job_app.periodic(cron=f"* * * * * */{health.HEARTBEAT_EVERY_SECONDS}")(health.heartbeat)
# Every minute: jobs left 'doing' by a worker dead for 2 minutes run again (the tasks that may, see shared.health).
job_app.periodic(cron="* * * * *")(health.retry_stalled_jobs)
job_app.periodic(cron="17 * * * *")(identity_tasks.sweep_sessions)
job_app.periodic(cron="*/10 * * * *")(creator_tasks.refresh_social_tokens)
# Every minute as a sweep; each new notification with an email also queues a run right after its commit.
job_app.periodic(cron="* * * * *")(notification_tasks.send_notification_emails)
job_app.periodic(cron="7 * * * *")(collaboration_tasks.send_due_reminders)
job_app.periodic(cron="37 * * * *")(content_tasks.abort_abandoned_uploads)
# Hourly: unsigned contracts expire on their date, and creators are reminded before.
job_app.periodic(cron="23 * * * *")(contract_tasks.contract_deadlines)
# A webhook may be lost: accounts not ready yet are re-read from Stripe.
job_app.periodic(cron="*/15 * * * *")(payout_tasks.refresh_pending_payout_accounts)
# Transfers: any released payable whose job was lost gets a new one; those waiting for funds try again.
job_app.periodic(cron="*/5 * * * *")(payment_tasks.sweep_transfer_intents)
# Hourly (idempotent per grant and day): usage rights ending in 30, 7 and 1 days are alerted once each.
job_app.periodic(cron="41 * * * *")(rights_tasks.send_rights_expiry_alerts)
# Live posts: unanswered checks retried, metrics read when due (1 h, 24 h, 7 d, 30 d, then weekly), daily re-checks.
job_app.periodic(cron="*/10 * * * *")(result_tasks.results_sweep)
# Daily at 03:15 UTC: every brand's month so far, and last month until finance closes it, read against Stripe.
job_app.periodic(cron="15 3 * * *")(reconciliation_tasks.reconcile_daily)


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
        app.run_worker_async(concurrency=concurrency, install_signal_handlers=False, name=health.worker_name())
    )
    try:
        yield task
    finally:
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):  # noqa: BLE001 - shutting down; the worker logs its own errors
            log.debug("in-process worker stopped")
