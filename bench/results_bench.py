"""Latency of a campaign's results page query at size: 500 creators, one live post each, 30 days of hourly
readings (360,000 post_metric rows), through shared.results.queries.get_campaign_results as the page calls it.

    uv run python bench/results_bench.py                 # the embedded bench server in ./var/bench-pgdata
    uv run python bench/results_bench.py --runs 100 --explain

It adds its own brand ("results-bench") to the bench database the first time (set-based SQL, a few seconds)
and reuses it afterwards; it never touches the demo's database. Prints p50 / p95 / max and the statements sent;
exit status 1 when p95 is at or above the target (100 ms).
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
        if args.explain:
            for statement in log.statements:
                plan = await get_engine().fetch(
                    "EXPLAIN (ANALYZE, BUFFERS) " + statement, *([campaign_id] if "$2" not in statement else [])
                ) if "$2" not in statement else []  # fmt: skip
                print("\n".join(r["QUERY PLAN"] for r in plan))
        return 1 if p95 >= TARGET_MS else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--explain", action="store_true")
    sys.exit(asyncio.run(_main(parser.parse_args())))


if __name__ == "__main__":
    main()
