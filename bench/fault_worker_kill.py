"""Kill a worker mid-job, with nothing but the app's own schedule to recover: how long until the job runs again,
and is its work done once?

    uv run python bench/fault_worker_kill.py [entries]        # 100,000 ledger entries; about 3 to 4 minutes

A throwaway embedded PostgreSQL with the export benchmark's ledger (bench/export_bench.py: one brand, `entries`
entries in bulk SQL) and one ledger export requested through the real action. `rapport worker` (a process of its
own, local storage in the temp dir) starts the export; once it has written its first page of rows it is killed
with SIGKILL (no clean-up, as the OOM killer or a lost machine). A second `rapport worker` is started with the
app's own schedule and nothing else: `retry_stalled_jobs` runs every minute and puts back the jobs of workers
silent for 2 minutes (shared.health). Printed: the moments (seconds after the kill) the job was put back and the
export was done, the job's events, and the checks of "once": one file in storage, every entry in it once, one
`export.completed` audit row. Results: bench/results/fault-worker-<timestamp>.json. Exit status 1 if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from http_bench import RESULTS_DIR, ROOT, git_state

from bench.export_bench import request, setup
from shared.db.embedded import start_embedded_postgres
from shared.db.engine import configure_database, connection_pool
from shared.db.migrate import apply_migrations
from tests.worker_process import kill, start_worker, worker_env


async def run(entries: int, folder: Path) -> dict[str, Any]:
    dsn = start_embedded_postgres(folder / "pgdata", "rapport_fault", cleanup="delete")
    engine = configure_database(dsn, pool_max=4)
    await apply_migrations(engine)
    async with connection_pool(engine):
        brand_id = await setup(entries)
        [admin] = await engine.fetch("SELECT id FROM staff_user")
        export_id = await request(int(admin["id"]), brand_id)
        env = worker_env(dsn, folder / "storage")

        async def export() -> dict[str, Any]:
            return dict((await engine.fetch("SELECT * FROM export WHERE id = $1", export_id))[0])

        first = start_worker(env, folder / "first.log")
        try:
            while (row := await export())["rows_written"] == 0:
                assert row["state"] in ("queued", "running"), row  # done before the kill: use more entries
                assert first.poll() is None, (folder / "first.log").read_text()
                await asyncio.sleep(0.02)
        finally:
            kill(first)
        killed_at = time.monotonic()
        at_kill = await export()
        print(f"worker killed with {at_kill['rows_written']:,} of {entries:,} rows written; state {at_kill['state']}")
        [job] = await engine.fetch("SELECT id, status FROM procrastinate_jobs WHERE task_name = 'generate_export'")
        second = start_worker(env, folder / "second.log")
        marks: dict[str, float] = {}
        try:
            while (row := await export())["state"] != "done":
                assert second.poll() is None and time.monotonic() - killed_at < 600, (folder / "second.log").read_text()
                [status] = await engine.fetch("SELECT status FROM procrastinate_jobs WHERE id = $1", job["id"])
                if status["status"] != "doing" and "put_back" not in marks:
                    marks["put_back"] = round(time.monotonic() - killed_at, 1)
                    print(f"job put back after {marks['put_back']} s", flush=True)
                await asyncio.sleep(0.5)
            marks["done"] = round(time.monotonic() - killed_at, 1)
        finally:
            kill(second)
        events = await engine.fetch(
            "SELECT type FROM procrastinate_events WHERE job_id = $1 AND type <> 'scheduled' ORDER BY id", job["id"]
        )
        audit = await engine.fetch("SELECT action FROM audit_log WHERE subject_type = 'export' ORDER BY id")
    storage = folder / "storage"
    files = [p for p in storage.rglob("*") if p.is_file() and ".meta" not in p.relative_to(storage).parts]
    lines = files[0].read_text(encoding="utf-8").splitlines() if len(files) == 1 else []
    checks = {
        "job_status_at_kill": job["status"] == "doing",
        "one_file": len(files) == 1,
        "every_entry_once": len(lines) == entries + 1 and len(set(lines)) == len(lines),
        "rows_written": row["rows_written"] == entries,
        "one_completion_audited": [a["action"] for a in audit] == ["export.requested", "export.completed"],
    }
    return {
        "entries": entries,
        "rows_written_at_kill": at_kill["rows_written"],
        "seconds_after_kill": marks,
        "job_events": [e["type"] for e in events],
        "checks": checks,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("entries", type=int, nargs="?", default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rapport-fault-worker-") as folder:
        result = asyncio.run(run(args.entries, Path(folder)))
    for key, value in result.items():
        print(f"{key}: {value}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"fault-worker-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps({**result, "git": git_state()}, indent=2) + "\n")
    print(f"Results written to {out.relative_to(ROOT)}")
    return 0 if all(result["checks"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
