"""The pool hands connections on without resetting them (shared.db.engine._keep_session_state): so no code may
leave session state on a pooled connection. This scans the code for the statements that would."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Session-level state: a SET that is not SET LOCAL, set_config(..., false), advisory locks held by the
# session (the _xact_ variants end with the transaction), LISTEN, cursors that outlive their transaction.
SESSION_STATE = re.compile(  # SQL keywords as our SQL writes them (upper case); setting names are lower case
    r"\bSET\s+(?!LOCAL\b)(SESSION\s+)?[a-z_][a-z_.]*\s*(=|TO\b)"
    r"|set_config\([^)]*,\s*false\s*\)"
    r"|pg_(try_)?advisory_lock(_shared)?\s*\("
    r"|\bLISTEN\s+\w"
    r"|\bWITH\s+HOLD\b"
)


def test_no_code_leaves_session_state_on_a_pooled_connection() -> None:
    offenders = []
    for area in ("shared", "backoffice", "portal", "app.py", "cli.py"):
        base = ROOT / area
        for path in [base] if base.is_file() else base.rglob("*.py"):
            if "migrations" in path.parts:  # DDL (ALTER ... SET STATISTICS) runs outside the pool
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if SESSION_STATE.search(line) and "UPDATE" not in line:  # UPDATE ... SET column = is no setting
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_scan_sees_what_it_must() -> None:
    for bad in (
        "SET statement_timeout = 0",
        "SET SESSION work_mem TO '64MB'",
        "SELECT set_config('x.y', '1', false)",
        "SELECT pg_advisory_lock(1)",
        "LISTEN jobs",
        "DECLARE c CURSOR WITH HOLD FOR SELECT 1",
    ):
        assert SESSION_STATE.search(bad), bad
    for fine in (
        "SET LOCAL enable_seqscan = off",
        "SELECT set_config('pg_trgm.x', $1, true)",
        "pg_advisory_xact_lock(1)",
    ):
        assert not SESSION_STATE.search(fine), fine
