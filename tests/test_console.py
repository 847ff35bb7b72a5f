"""What a newcomer reads in the terminal: `rapport demo` on a new database, then `rapport migrate`.

The commands run as real processes against a database of their own, so the output checked is the output
a person sees: the migration summary says what it did, the banner is not preceded by job-queue
warnings or library notices, and routine job lines stay out of the log unless LOG_LEVEL=DEBUG.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest

from shared.db.migrate import migration_ids_on_disk, migration_summary
from shared.logs import configure_logging

ROOT = Path(__file__).resolve().parents[1]
BANNER = "Rapport demo is running."


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture
async def fresh_database_url(database_url: str) -> AsyncIterator[str]:
    name = f"console_{secrets.token_hex(4)}"
    admin = await asyncpg.connect(database_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield _with_database(database_url, name)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _environment(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RAPPORT_", "LOG_", "PYTHONWARNINGS"))}
    env.update(
        DATABASE_URL=database_url,
        PORT=str(_free_port()),
        STORAGE_URL=f"file://{tmp_path / 'storage'}",
        LOG_LEVEL="INFO",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def _run_demo_until_served(env: dict[str, str], workdir: Path, *, timeout: float = 120) -> str:
    """Start `rapport demo` in `workdir`, read its console until the server listens, then stop it with Ctrl-C.

    The demo keeps its state under ./var (the local Stripe's and the platforms' stand-in's, which a new
    database resets): run elsewhere than the repository, it leaves a developer's own demo state alone.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "demo"],
        cwd=workdir,
        env={**env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Application startup complete" in line:
                break
    finally:
        process.send_signal(signal.SIGINT)
        try:
            rest, _ = process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            rest, _ = process.communicate()
    return "".join(lines) + (rest or "")


def test_the_demo_console_says_what_happened_and_little_else(fresh_database_url: str, tmp_path: Path) -> None:
    output = _run_demo_until_served(_environment(fresh_database_url, tmp_path), tmp_path)
    assert BANNER in output, output
    before_banner = output.split(BANNER, 1)[0]
    total = len(migration_ids_on_disk())

    # A new database: the summary says every migration ran, not that they were "already complete".
    assert f"New database: ran all {total} migrations." in before_banner
    assert "already complete" not in output and "not yet run" not in output
    # The seed's notifications defer their emails through an open job queue: no "App was not open".
    assert "App was not open" not in output
    # No library notices (authlib's deprecations, platformdirs' XDG_RUNTIME_DIR) before the banner.
    assert "Warning" not in before_banner, before_banner
    # The job queue's routine lines (a line per periodic job; the heartbeat every 30 s) stay quiet at INFO.
    assert "Registering task" not in output and "procrastinate" not in output
    # Contract PDFs render quietly (WeasyPrint logs each step at INFO), and the seed's notifications are
    # history: their emails are not printed one by one over the instructions.
    assert "weasyprint" not in output and "Step 5 - Creating layout" not in output
    assert "email not sent" not in output, output[-3000:]
    assert "Application startup complete" in output


def test_migrate_on_an_up_to_date_database_says_so(fresh_database_url: str, tmp_path: Path) -> None:
    env = _environment(fresh_database_url, tmp_path)
    first = subprocess.run([sys.executable, "-m", "cli", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    total = len(migration_ids_on_disk())
    assert first.stdout.strip() == f"New database: ran all {total} migrations."
    again = subprocess.run([sys.executable, "-m", "cli", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == f"Database is up to date ({total} migrations)."
    assert "already complete" not in first.stdout + first.stderr + again.stdout + again.stderr


def test_the_migration_summary_counts_what_ran() -> None:
    ids = migration_ids_on_disk()
    assert migration_summary([]) == f"Database is up to date ({len(ids)} migrations)."
    assert migration_summary(ids) == f"New database: ran all {len(ids)} migrations."
    assert migration_summary(ids[-1:]) == f"Ran 1 new migration ({ids[-1]}); {len(ids) - 1} had already run."


def test_library_chatter_is_quiet_unless_debugging() -> None:
    root = logging.getLogger()
    saved = (root.level, list(root.handlers))
    try:
        configure_logging("INFO")
        assert logging.getLogger("procrastinate.periodic").getEffectiveLevel() == logging.WARNING
        assert logging.getLogger("rapport").getEffectiveLevel() == logging.INFO
        configure_logging("DEBUG")
        assert logging.getLogger("procrastinate.periodic").getEffectiveLevel() == logging.DEBUG
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        logging.getLogger("procrastinate").setLevel(logging.NOTSET)
        for name in ("werkzeug", "weasyprint", "fontTools"):
            logging.getLogger(name).setLevel(logging.NOTSET)
