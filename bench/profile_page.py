"""Where a request's time goes: cProfile of /healthz and /backoffice/ called in-process (no HTTP server).

    uv run python bench/profile_page.py                 # 300 requests per route, top 30 functions
    uv run python bench/profile_page.py --requests 1000 --limit 50
    uv run python bench/profile_page.py --paths /backoffice/b/acme --sort tottime   # any signed-in page; own time

Same throw-away database as http_bench.py (embedded PostgreSQL in a temporary directory,
migrated and seeded). The app runs in this process and is called through httpx's ASGI
transport, one request at a time, so the profile shows the app's own Python work: the
framework, the middleware, query building, asyncpg, Jinja. cProfile roughly doubles the
cost of every Python call, so read the shares, not the absolute milliseconds; the
unprofiled figures printed first are honest: the time per request (database round trips included),
this process's CPU per request (the app and the httpx client; the page's own cost is this minus
/healthz's) and how much of it Jinja's Template.render took.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from http_bench import DEMO_EMAIL, DEMO_PASSWORD, HELLO_PATH, PAGE_PATH, Stack

# The server side of a request: the framework, our code, query building, the driver, the templates.
APP_CODE = r"litestar/|piccolo/|asyncpg/|jinja2/|shared/|backoffice/|templates/"


def time_template_rendering() -> list[float]:
    """Every Template.render's own time, unprofiled, appended to the list returned (cleared per route)."""
    from jinja2 import Template

    seconds: list[float] = []
    render = Template.render

    def timed_render(self: Template, *args: Any, **kwargs: Any) -> str:
        started = time.perf_counter()
        try:
            return render(self, *args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - started)

    Template.render = timed_render  # type: ignore[method-assign]  # a benchmark's stopwatch, never in the app
    return seconds


async def profile(requests: int, limit: int, pattern: str | None, paths: list[str], sort: str) -> None:
    import httpx

    from app import create_app
    from shared.settings import Settings

    template_seconds = time_template_rendering()
    app = create_app(Settings.from_env())
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar is an ASGI app
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        form = await client.get("/backoffice/signin")
        token = re.search(r'name="_csrf_token"\s+value="([^"]+)"', form.text)
        assert token, "the sign-in form has no _csrf_token input"
        signed_in = await client.post(
            "/backoffice/signin",
            data={"email": DEMO_EMAIL, "password": DEMO_PASSWORD, "next": PAGE_PATH, "_csrf_token": token.group(1)},
        )
        if signed_in.status_code != 303:
            sys.exit(f"profile_page: sign-in answered {signed_in.status_code}")
        session = client.cookies["rapport_session"]
        csrf = client.cookies["rapport_csrf"]
        client.cookies.clear()
        # As in http_bench.py: the hello route gets the CSRF cookie only, the page the session too.
        signed_in_headers = {"Cookie": f"rapport_session={session}; rapport_csrf={csrf}"}
        routes = [
            (path, {"Cookie": f"rapport_csrf={csrf}"} if path == HELLO_PATH else signed_in_headers) for path in paths
        ]
        for path, headers in routes:
            for _ in range(50):  # warm caches: templates, prepared statements, pool connections
                response = await client.get(path, headers=headers)
                if response.status_code != 200:
                    sys.exit(f"profile_page: GET {path} answered {response.status_code}")
            template_seconds.clear()
            started, cpu_started = time.perf_counter(), time.process_time()
            for _ in range(requests):
                await client.get(path, headers=headers)
            plain_ms = (time.perf_counter() - started) / requests * 1000
            cpu_ms = (time.process_time() - cpu_started) / requests * 1000
            template_ms = sum(template_seconds) / requests * 1000
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            for _ in range(requests):
                await client.get(path, headers=headers)
            profiler.disable()
            profiled_ms = (time.perf_counter() - started) / requests * 1000
            print(
                f"\n=== GET {path}: {plain_ms:.2f} ms/request unprofiled, {cpu_ms:.2f} ms of this process's CPU"
                f" (rendering templates {template_ms:.2f} ms, {template_ms / cpu_ms:.0%} of it),"
                f" {profiled_ms:.2f} ms profiled ({requests} sequential requests)"
            )
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).sort_stats(sort)
            stats.print_stats(*([pattern] if pattern else []), limit)
            text = out.getvalue()
            for prefix in sorted({p for p in sys.path if p}, key=len, reverse=True):
                text = text.replace(prefix.rstrip("/") + "/", "")
            print(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="requests per route (default 300)")
    parser.add_argument("--limit", type=int, default=30, help="functions to show per route (default 30)")
    parser.add_argument(
        "--filter",
        default=APP_CODE,
        help="regular expression on file:line(function) choosing the rows shown (default: the app and its libraries,"
        " not the httpx client or asyncio); '' for all",
    )
    parser.add_argument(
        "--paths",
        default=f"{HELLO_PATH},{PAGE_PATH}",
        help=f"comma-separated paths, requested as the demo manager {DEMO_EMAIL} (default: %(default)s)",
    )
    parser.add_argument("--sort", default="cumulative", choices=["cumulative", "tottime"], help="pstats order")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="rapport-profile-"))
    stack = Stack(workdir)
    try:
        print(f"Starting PostgreSQL (embedded, data in {stack.pgdata}), migrating, seeding demo data ...", flush=True)
        stack.start_database()
        os.environ.update(
            RAPPORT_ENV="test",
            DATABASE_URL=stack.dsn,
            LOG_LEVEL="WARNING",
            STORAGE_URL=f"file://{workdir / 'storage'}",
        )
        asyncio.run(profile(args.requests, args.limit, args.filter, args.paths.split(","), args.sort))
        return 0
    except KeyboardInterrupt:
        return 130
    finally:
        stack.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
