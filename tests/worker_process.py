"""`rapport worker` in a process of its own, for tests that kill one mid-job (SIGKILL) as a crash would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def worker_env(database_url: str, storage: Path, **extra: str) -> dict[str, str]:
    """The environment of a worker on the test database, its object storage in `storage` (local mode)."""
    return {**os.environ, "DATABASE_URL": database_url, "RAPPORT_ENV": "test", "LOG_LEVEL": "INFO",
            "STORAGE_URL": f"file://{storage}", **extra}  # fmt: skip


def start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """`rapport worker` in its own process (its own session, so the kill reaches only it)."""
    with log_path.open("w") as log:
        command = [sys.executable, "-m", "cli", "worker", "--concurrency", "1"]
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def kill(worker: subprocess.Popen[bytes]) -> None:
    """SIGKILL: no clean-up of any kind, as when the machine or the OOM killer takes the process."""
    if worker.poll() is None:
        os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
