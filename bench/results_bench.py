"""Latency of a campaign's results page at size: 500 creators, one live post each, 30 days of hourly readings
(360,000 post_metric rows) — the query (shared.results.queries.get_campaign_results as the page calls it) and the
whole page (the app in-process over ASGI, signed in as a manager of the bench brand: guards, queries, template),
side by side in one run.

    uv run python bench/results_bench.py                 # the embedded bench server in ./var/bench-pgdata
    uv run python bench/results_bench.py --runs 100 --explain

It adds its own brand ("results-bench") to the bench database the first time (set-based SQL, a few seconds)
and reuses it afterwards; it never touches the demo's database. Prints p50 / p95 / max of both and the statements
sent; exit status 1 when the page's p95 is at or above the target (100 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate_data import bench_database_url, prepare_schema  # noqa: E402
from shared.db.engine import configure_database, connection_pool, get_engine  # noqa: E402
from shared.db.querycount import count_queries  # noqa: E402
from shared.results.queries import get_campaign_results  # noqa: E402

TARGET_MS = 100.0
SLUG = "results-bench"
CREATORS = 500
HOURS = 30 * 24

FILL = [
    "INSERT INTO brand (name, slug, default_currency, created_at) VALUES ('Results bench', $1, 'USD', now())",
    """INSERT INTO campaign (brand, name, objective, budget_minor, currency, status, created_at)
       SELECT id, 'Results bench campaign', '', 100000000, 'USD', 'active', now() FROM brand WHERE slug = $1""",
    f"""INSERT INTO creator (display_name, email, created_at)
       SELECT 'Bench creator ' || i, 'rb' || i || '@results-bench.test', now() FROM generate_series(1, {CREATORS}) i""",
    """INSERT INTO collaboration (brand, campaign, creator, status, terms, terms_by, fee_minor, currency, agreed_terms,
                                 agreed_at, decline_reason, created_at, updated_at)
       SELECT k.brand, k.id, c.id, 'accepted', '{}'::jsonb, 'brand', 50000 + (c.id % 50) * 1000, 'USD', '{}'::jsonb,
              now(), '', now(), now()
       FROM campaign k JOIN brand b ON b.id = k.brand AND b.slug = $1
       CROSS JOIN creator c WHERE c.email LIKE 'rb%@results-bench.test'""",
    """INSERT INTO deliverable (collaboration, brand, campaign, creator, position, kind, platform, title, status,
                               live_url, live_urls, live_at, created_at, updated_at)
       SELECT c.id, c.brand, c.campaign, c.creator, 1, 'reel', 'instagram', 'Reel', 'verified',
              'https://www.instagram.com/reel/B' || c.id || '/',
              ARRAY['https://www.instagram.com/reel/B' || c.id || '/'],
              now() - interval '30 days', now(), now()
       FROM collaboration c JOIN brand b ON b.id = c.brand AND b.slug = $1""",
    """INSERT INTO live_post (deliverable, brand, campaign, creator, platform, url, post_id, state, problems,
                             live_caption, source, live_at, checked_at, verified_at, verified_note, reads)
       SELECT d.id, d.brand, d.campaign, d.creator, 'instagram', d.live_url, '1790' || d.id, 'verified', '[]'::jsonb,
              '#ad', 'Instagram Graph API', now() - interval '30 days', now(), now() - interval '30 days', '', 720
       FROM deliverable d JOIN brand b ON b.id = d.brand AND b.slug = $1""",
    f"""INSERT INTO post_metric (live_post, read_at, source, views, reach, likes, comments, shares, saves)
       SELECT lp.id, lp.live_at + h * interval '1 hour', 'Instagram Graph API', h * 40 + lp.id % 97,
              h * 30, h * 3, h / 4, h / 8, NULL
       FROM live_post lp JOIN brand b ON b.id = lp.brand AND b.slug = $1 CROSS JOIN generate_series(1, {HOURS}) h""",
    "ANALYZE post_metric",
    "ANALYZE live_post",
]


async def _main(args: argparse.Namespace) -> int:
    dsn = bench_database_url(args.database_url)
    await prepare_schema(dsn)
    engine = configure_database(dsn)
    async with connection_pool(engine):
        rows = await get_engine().fetch(
            "SELECT k.brand, k.id FROM campaign k JOIN brand b ON b.id = k.brand WHERE b.slug = $1", SLUG
        )
        if not rows:
            started = time.perf_counter()
            for sql in FILL:
                await get_engine().fetch(sql, SLUG) if "$1" in sql else await get_engine().fetch(sql)
            print(f"filled in {time.perf_counter() - started:.1f} s")
            rows = await get_engine().fetch(
                "SELECT k.brand, k.id FROM campaign k JOIN brand b ON b.id = k.brand WHERE b.slug = $1", SLUG
            )
        brand_id, campaign_id = int(rows[0]["brand"]), int(rows[0]["id"])
        metrics = await get_engine().fetch(
            "SELECT count(*) AS n FROM post_metric pm JOIN live_post lp ON lp.id = pm.live_post WHERE lp.campaign = $1",
            campaign_id,
        )
        print(f"campaign {campaign_id}: {CREATORS} creators, {int(metrics[0]['n']):,} readings")
        for _ in range(5):
            await get_campaign_results(brand_id, campaign_id)
        times = []
        with count_queries() as log:
            results = await get_campaign_results(brand_id, campaign_id)
        for _ in range(args.runs):
            started = time.perf_counter()
            await get_campaign_results(brand_id, campaign_id)
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(
            f"get_campaign_results: p50 {statistics.median(times):.1f} ms, p95 {p95:.1f} ms, max {times[-1]:.1f} ms "
            f"over {args.runs} runs; {len(results.creators)} creators, {log.count} statements"
        )
        page_times = await _page_times(dsn, brand_id, campaign_id, args.runs)
        page_p95 = page_times[max(0, int(len(page_times) * 0.95) - 1)]
        print(
            f"the page (GET …/results/{campaign_id}): p50 {statistics.median(page_times):.1f} ms, "
            f"p95 {page_p95:.1f} ms, "
            f"max {page_times[-1]:.1f} ms over {args.runs} runs; the query is "
            f"{statistics.median(times) / statistics.median(page_times):.0%} of the page at the median"
        )
        if args.explain:
            for statement in log.statements:
                plan = await get_engine().fetch(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, *([campaign_id] if "$2" not in statement else [])
                ) if "$2" not in statement else []  # fmt: skip
                print("\n".join(r["QUERY PLAN"] for r in plan))
        return 1 if page_p95 >= TARGET_MS else 0


PAGE_EMAIL = "manager@results-bench.test"
PAGE_PASSWORD = "results-bench-2026"


async def _page_times(dsn: str, brand_id: int, campaign_id: int, runs: int) -> list[float]:
    """GET the campaign's results page `runs` times through the whole app (in-process, ASGI), signed in as a
    manager of the bench brand (made once); milliseconds, sorted."""
    import os
    import re

    import httpx

    from app import create_app
    from shared.audit.context import system_actor
    from shared.identity.actions import do_create_staff_user, do_grant_membership
    from shared.identity.rules import Role
    from shared.settings import Settings

    if not await get_engine().fetch("SELECT 1 FROM staff_user WHERE email = $1", PAGE_EMAIL):
        actor = system_actor("bench")
        staff = await do_create_staff_user(actor, email=PAGE_EMAIL, name="Bench Manager", password=PAGE_PASSWORD)
        await do_grant_membership(actor, staff_id=int(staff.id), brand_id=brand_id, role=Role.MANAGER)
    os.environ["DATABASE_URL"] = dsn
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # an access-log line per request would be timed too
    app = create_app(Settings.from_env())
    path = f"/backoffice/b/{SLUG}/results/{campaign_id}"
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # Litestar is an ASGI app
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        form = await client.get("/backoffice/signin")
        token = re.search(r'name="_csrf_token"\s+value="([^"]+)"', form.text)
        assert token, "the sign-in form has no _csrf_token input"
        credentials = {"email": PAGE_EMAIL, "password": PAGE_PASSWORD, "next": path, "_csrf_token": token.group(1)}
        signed_in = await client.post("/backoffice/signin", data=credentials)
        if signed_in.status_code != 303:
            sys.exit(f"results_bench: sign-in answered {signed_in.status_code}")
        for _ in range(5):  # warm: templates, prepared statements, pool connections
            assert (await client.get(path)).status_code == 200
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = await client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    return sorted(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--explain", action="store_true")
    sys.exit(asyncio.run(_main(parser.parse_args())))


if __name__ == "__main__":
    main()
