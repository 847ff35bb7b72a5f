"""Latency of the content library's rights filters at scale, through the real query function the page calls.

Run from the repository root, after bench/generate_data.py (1,000,000 deliverables by default):

    uv run python bench/rights_bench.py            # grants for every approved/live asset, then 5 warm-ups + 50 runs
    uv run python bench/rights_bench.py --regrant  # empty rights_entry first and grant again

The rights ledger is filled set-based, about four entries per asset (approved, live or verified deliverable): the
approval's grant, the go-live grant that supersedes it, and, for half of them, an extension that supersedes that
(the other half get a third, older asset-less-looking grant on another channel that still stands); seven in eight
also have an earlier organic window that has ended — over 3,000,000 entries at the default size. Channels,
territories (40% worldwide, the rest one to three countries) and windows (started up to 400 days ago, 30 to 395
days long) are drawn from random() after setseed(). Then shared.rights.queries.list_library is timed for the
big brand, one call at a time, as the library page makes it (without signing media URLs).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate_data import BIG_BRAND_SLUG, bench_database_url, prepare_schema  # noqa: E402
from bench.query_bench import _machine  # noqa: E402
from shared.db.engine import configure_database, connection_pool, get_engine  # noqa: E402
from shared.db.querycount import count_queries  # noqa: E402
from shared.rights.queries import LibraryFilters, list_library  # noqa: E402

TARGET_MS = 50.0
ASSETS = "('approved', 'live', 'verified')"
CHANNELS = (
    "CASE floor(random() * 4)::int WHEN 0 THEN '{organic}' WHEN 1 THEN '{organic,paid_meta}' "
    "WHEN 2 THEN '{organic,paid_meta,paid_tiktok}' ELSE '{email,website}' END::varchar[]"
)
TERRITORIES = (
    "CASE WHEN random() < 0.4 THEN '{}' WHEN random() < 0.5 THEN '{US}' WHEN random() < 0.6 THEN '{US,CA}' "
    "ELSE '{GB,DE,FR}' END::varchar[]"
)

GRANT_SQL = [
    "SELECT setseed(0.19)",
    f"""
    INSERT INTO rights_entry (brand, collaboration, deliverable, kind, source, channels, territories, starts_on,
                              ends_on, supersedes, reason, actor_label, created_at)
    SELECT d.brand, d.collaboration, d.id, 'grant', 'approval', {CHANNELS}, {TERRITORIES}, s.start,
           s.start + (30 + random() * 365)::int, NULL, '', 'bench', now()
    FROM deliverable d CROSS JOIN LATERAL (SELECT current_date - (random() * 400)::int + 0 * d.id AS start) s
    WHERE d.status IN {ASSETS}
    """,
    """
    INSERT INTO rights_entry (brand, collaboration, deliverable, kind, source, channels, territories, starts_on,
                              ends_on, supersedes, reason, actor_label, created_at)
    SELECT a.brand, a.collaboration, a.deliverable, 'grant', 'go_live', a.channels, a.territories,
           a.starts_on + 3, a.ends_on + 3, a.id, '', 'bench', now()
    FROM rights_entry a WHERE a.source = 'approval'
    """,
    """
    INSERT INTO rights_entry (brand, collaboration, deliverable, kind, source, channels, territories, starts_on,
                              ends_on, supersedes, reason, actor_label, created_at)
    SELECT g.brand, g.collaboration, g.deliverable,
           CASE WHEN g.id % 2 = 0 THEN 'extend' ELSE 'grant' END,
           CASE WHEN g.id % 2 = 0 THEN 'renewal' ELSE 'staff' END,
           CASE WHEN g.id % 2 = 0 THEN g.channels ELSE '{website}'::varchar[] END, g.territories, g.starts_on,
           g.ends_on + 180, CASE WHEN g.id % 2 = 0 THEN g.id END, '', 'bench', now()
    FROM rights_entry g WHERE g.source = 'go_live'
    """,
    # Most assets also had an earlier window that has ended (a launch month's organic repost): history the
    # filters must step over. This brings the ledger past the 3,000,000 grants.
    """
    INSERT INTO rights_entry (brand, collaboration, deliverable, kind, source, channels, territories, starts_on,
                              ends_on, supersedes, reason, actor_label, created_at)
    SELECT a.brand, a.collaboration, a.deliverable, 'grant', 'staff', '{organic}'::varchar[], a.territories,
           a.starts_on - 120, a.starts_on - 60, NULL, '', 'bench', now()
    FROM rights_entry a WHERE a.source = 'approval' AND a.id % 8 <> 0
    """,
    "ANALYZE rights_entry",
]


async def fill(regrant: bool) -> None:
    engine = get_engine()
    count = (await engine.fetch("SELECT count(*) AS n FROM rights_entry"))[0]["n"]
    if count and not regrant:
        print(f"rights_entry already holds {count:,} entries (--regrant to make them again)")
        return
    if count:
        await engine.fetch("TRUNCATE rights_entry")
    for sql in GRANT_SQL:
        started = time.perf_counter()
        await engine.fetch(sql)
        print(f"  {sql.split()[0].lower():<8} {time.perf_counter() - started:6.1f} s")


async def _main(args: argparse.Namespace) -> int:
    dsn = bench_database_url(args.database_url)
    await prepare_schema(dsn)
    engine = configure_database(dsn)
    async with connection_pool(engine):
        found = await engine.fetch("SELECT id FROM brand WHERE slug = $1", BIG_BRAND_SLUG)
        if not found:
            print("No benchmark data here: run `uv run python bench/generate_data.py` first.", file=sys.stderr)
            return 2
        brand_id = int(found[0]["id"])
        await fill(args.regrant)
        sizes = (
            await engine.fetch(
                f"SELECT (SELECT count(*) FROM deliverable WHERE status IN {ASSETS}) AS assets, "
                "(SELECT count(*) FROM rights_entry) AS entries, "
                f"(SELECT count(*) FROM deliverable WHERE brand = $1 AND status IN {ASSETS}) AS brand_assets",
                brand_id,
            )
        )[0]
        print(
            f"Data: {sizes['assets']:,} assets with {sizes['entries']:,} ledger entries; the big brand has "
            f"{sizes['brand_assets']:,} assets. {_machine()}"
        )
        today = dt.datetime.now(dt.UTC).date()
        cases = {
            "first page, no filter": LibraryFilters(),
            "usable now: paid social (Meta) in US": LibraryFilters(channel="paid_meta", country="US"),
            "usable now: email in GB": LibraryFilters(channel="email", country="GB"),
            "usable now: out-of-home in US (none)": LibraryFilters(channel="ooh", country="US"),
            "expiring within 30 days": LibraryFilters(expiring_days=30),
            "expired (take down)": LibraryFilters(expired=True),
        }
        print("\n| case | p50 ms | p95 ms | max ms | tiles | queries |\n|---|---:|---:|---:|---:|---:|")
        slow = False
        for name, filters in cases.items():
            for _ in range(args.warmups):
                await list_library(brand_id, filters, today=today)
            timings = []
            for _ in range(args.runs):
                started = time.perf_counter()
                page = await list_library(brand_id, filters, today=today)
                timings.append((time.perf_counter() - started) * 1000)
            with count_queries() as log:
                await list_library(brand_id, filters, today=today)
            timings.sort()
            p95 = timings[min(len(timings) - 1, max(0, round(0.95 * len(timings)) - 1))]
            flag = " ⚠" if p95 >= TARGET_MS else ""
            slow = slow or bool(flag)
            print(
                f"| {name} | {statistics.median(timings):.1f} | {p95:.1f}{flag} | {timings[-1]:.1f} | "
                f"{len(page.tiles)} | {log.count} |"
            )
        return 1 if slow else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: the embedded bench server)")
    parser.add_argument("--regrant", action="store_true", help="empty rights_entry and grant again")
    parser.add_argument("--warmups", type=int, default=5)
    parser.add_argument("--runs", type=int, default=50)
    sys.exit(asyncio.run(_main(parser.parse_args())))


if __name__ == "__main__":
    main()
