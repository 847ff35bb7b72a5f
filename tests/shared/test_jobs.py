"""The job queue: a real worker runs the heartbeat task, and readiness notices."""

import datetime as dt

import httpx

from shared.db.tables import WorkerHeartbeat
from shared.health import heartbeat, latest_heartbeat
from shared.jobs import job_queue


async def test_it_runs_the_heartbeat_through_a_worker(database_url: str, client: httpx.AsyncClient) -> None:
    assert (await client.get("/readyz")).status_code == 503
    async with job_queue(database_url) as jobs:
        await heartbeat.defer_async()
        await jobs.run_worker_async(wait=False, install_signal_handlers=False)
    beat = await latest_heartbeat()
    assert beat is not None and dt.datetime.now(dt.UTC) - beat < dt.timedelta(seconds=30)
    ready = await client.get("/readyz")
    assert ready.status_code == 200, ready.json()
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "worker": "ok"}}


async def test_it_reports_a_stale_worker(client: httpx.AsyncClient) -> None:
    old = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)
    await WorkerHeartbeat.insert(WorkerHeartbeat(worker="gone:1", beat_at=old))
    ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert "is `rapport worker` running" in ready.json()["checks"]["worker"]


async def test_it_schedules_the_heartbeat_periodically() -> None:
    from shared.jobs import job_app

    periodic = {task.task.name: task.cron for task in job_app.periodic_registry.periodic_tasks.values()}
    assert periodic["heartbeat"].startswith("* * * * *")


def test_it_binds_every_area_task_to_the_app_with_its_schedule() -> None:
    from shared.collaborations.tasks import send_due_reminders
    from shared.content.tasks import abort_abandoned_uploads, compute_draft_sha256
    from shared.contracts.tasks import contract_deadlines
    from shared.creators.tasks import refresh_social_tokens
    from shared.exports.tasks import generate_export_task
    from shared.identity.tasks import sweep_sessions
    from shared.jobs import job_app
    from shared.notifications.tasks import send_notification_emails
    from shared.payments.tasks import send_payable_transfer, sweep_transfer_intents
    from shared.payouts.tasks import process_stripe_event, refresh_pending_payout_accounts
    from shared.reconciliation.tasks import reconcile_daily, reconcile_run
    from shared.results.tasks import check_live_post_task, results_sweep
    from shared.rights.tasks import send_rights_expiry_alerts

    for task in (heartbeat, sweep_sessions, refresh_social_tokens, send_notification_emails, send_due_reminders):
        assert job_app.tasks[task.name] is task and task.blueprint is job_app
    for task in (compute_draft_sha256, abort_abandoned_uploads, contract_deadlines):
        assert job_app.tasks[task.name] is task and task.blueprint is job_app
    for task in (process_stripe_event, refresh_pending_payout_accounts, send_payable_transfer, sweep_transfer_intents):
        assert job_app.tasks[task.name] is task and task.blueprint is job_app
    for task in (send_rights_expiry_alerts, check_live_post_task, results_sweep, generate_export_task):
        assert job_app.tasks[task.name] is task and task.blueprint is job_app
    for task in (reconcile_run, reconcile_daily):
        assert job_app.tasks[task.name] is task and task.blueprint is job_app
    periodic = {task.task.name: task.cron for task in job_app.periodic_registry.periodic_tasks.values()}
    assert periodic == {
        "heartbeat": "* * * * * */30",
        "retry_stalled_jobs": "* * * * *",
        "sweep_sessions": "17 * * * *",
        "refresh_social_tokens": "*/10 * * * *",
        "send_notification_emails": "* * * * *",
        "send_due_reminders": "7 * * * *",
        "abort_abandoned_uploads": "37 * * * *",
        "refresh_pending_payout_accounts": "*/15 * * * *",
        "contract_deadlines": "23 * * * *",
        "sweep_transfer_intents": "*/5 * * * *",
        "send_rights_expiry_alerts": "41 * * * *",
        "results_sweep": "*/10 * * * *",
        "reconcile_daily": "15 3 * * *",
    }


def test_every_task_says_whether_a_job_of_a_dead_worker_may_run_again() -> None:
    from shared.health import STALLED_JOBS
    from shared.jobs import job_app

    ours = {name for name in job_app.tasks if not name.startswith(("builtin:", "procrastinate."))}
    assert set(STALLED_JOBS) == ours, "add the new task to shared.health.STALLED_JOBS, with why"
