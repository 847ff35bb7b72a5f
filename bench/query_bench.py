"""Latency of the roster and the deliverables board at scale, through the real query functions the pages call.

Run from the repository root, after bench/generate_data.py:

    uv run python bench/query_bench.py                      # 5 warm-ups, then 50 timed calls per case
    uv run python bench/query_bench.py --runs 200 --explain # and EXPLAIN (ANALYZE, BUFFERS) of slow cases
    uv run python bench/query_bench.py --only board --explain-all

It connects the way the app does (shared.db.engine.configure_database and its connection pool) to the
database bench/generate_data.py filled (the embedded server in ./var/bench-pgdata unless
--database-url is given), and times calls of shared.crm.queries.list_roster and
shared.collaborations.board (list_board, list_board_calendar, list_creator_board) for the big brand,
one call at a time, as a page would make them. Each time covers the whole call: building the SQL,
the round trip, PostgreSQL's work and turning the rows into the dataclasses the templates get.

It prints p50 / p95 / max per case, the rows the call returned and the SQL statements it sent, and
flags every case whose p95 is at or above the target (100 ms). The exit status is 1 when one is.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # `shared`, `bench` and `piccolo_conf` live at the repository root

from bench.generate_data import BIG_BRAND_SLUG, bench_database_url, prepare_schema  # noqa: E402
from shared.collaborations.board import (  # noqa: E402
    BoardCursor,
    BoardFilters,
    list_board,
    list_board_calendar,
    list_creator_board,
)
from shared.crm.queries import list_roster  # noqa: E402
from shared.crm.rules import RosterFilters  # noqa: E402
from shared.db.engine import configure_database, connection_pool, get_engine  # noqa: E402
from shared.db.querycount import count_queries  # noqa: E402

TARGET_MS = 100.0


@dataclass(frozen=True)
class Case:
    group: str  # roster | board
    name: str
    call: Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class Result:
    case: Case
    p50: float
    p95: float
    max: float
    rows: int
    statements: int

    @property
    def slow(self) -> bool:
        return self.p95 >= TARGET_MS


def _rows(page: Any) -> int:
    if hasattr(page, "rows"):
        return len(page.rows)
    if hasattr(page, "weeks"):
        return sum(len(day.rows) for week in page.weeks for day in week)
    return len(page)


async def _setup(brand_id: int) -> dict[str, Any]:
    """Values the cases need that depend on the data: cursors deep into a list, a busy campaign, a busy creator."""
    engine = get_engine()

    async def one(sql: str, *args: object) -> Any:
        rows = await engine.fetch(sql, *args)
        return next(iter(rows[0].values())) if rows else None

    # The creator 10,000 rows into the unfiltered roster order: a cursor for "page 200".
    deep_creator = await one(
        "SELECT id FROM creator ORDER BY lower(display_name), id OFFSET 10000 LIMIT 1",
    )
    # The deliverable 100,000 rows into the board's order, and one well into the undated tail.
    deep_dated = await engine.fetch(
        "SELECT due_on, id FROM deliverable WHERE brand = $1 AND due_on IS NOT NULL ORDER BY due_on, id "
        "OFFSET 100000 LIMIT 1",
        brand_id,
    )
    deep_undated = await one(
        "SELECT id FROM deliverable WHERE brand = $1 AND due_on IS NULL ORDER BY id OFFSET 100000 LIMIT 1", brand_id
    )
    busy_campaign = await one(
        "SELECT campaign FROM deliverable WHERE brand = $1 GROUP BY campaign ORDER BY count(*) DESC LIMIT 1", brand_id
    )
    median_campaign = await one(
        "SELECT campaign FROM (SELECT campaign, count(*) AS n FROM deliverable WHERE brand = $1 GROUP BY campaign) s "
        "ORDER BY n OFFSET (SELECT count(DISTINCT campaign) / 2 FROM deliverable WHERE brand = $1) LIMIT 1",
        brand_id,
    )
    busy_creator = await one(
        "SELECT creator FROM deliverable GROUP BY creator ORDER BY count(*) DESC LIMIT 1",
    )
    owner = await one(
        "SELECT owner FROM relationship WHERE brand = $1 AND owner IS NOT NULL "
        "GROUP BY owner ORDER BY count(*) LIMIT 1",
        brand_id,
    )
    return {
        "deep_creator": deep_creator,
        "deep_dated": BoardCursor(deep_dated[0]["due_on"], deep_dated[0]["id"]).encode() if deep_dated else None,
        "deep_undated": BoardCursor(None, deep_undated).encode() if deep_undated else None,
        "busy_campaign": busy_campaign,
        "median_campaign": median_campaign,
        "busy_creator": busy_creator,
        "owner": owner,
    }


def roster_cases(brand_id: int, ctx: dict[str, Any]) -> list[Case]:
    def roster(filters: RosterFilters, after: int | None = None) -> Callable[[], Awaitable[Any]]:
        return lambda: list_roster(brand_id, filters, after=after)

    cases = [
        ("first page, no filter", RosterFilters()),
        ("search 'ann' (common fragment)", RosterFilters(q="ann")),
        ("search 'kowalski' (surname)", RosterFilters(q="kowalski")),
        ("search 'zbikowski' (rare surname)", RosterFilters(q="zbikowski")),
        # The roster is in name order and names start with the first name: a rare first name late in
        # the alphabet has all its matches at the end of the order.
        ("search 'xiomara' (rare, late in A-Z)", RosterFilters(q="xiomara")),
        ("search 'li' (2 letters)", RosterFilters(q="li")),
        ("search 'garcia12' (handle)", RosterFilters(q="garcia12")),
        ("search 'xyzq' (no match)", RosterFilters(q="xyzq")),
        ("platform instagram", RosterFilters(platform="instagram")),
        ("platform twitch", RosterFilters(platform="twitch")),
        ("tier micro", RosterFilters(tier="micro")),
        ("tier mega", RosterFilters(tier="mega")),
        ("niche hiking", RosterFilters(niche="hiking")),
        ("country PL", RosterFilters(country="PL")),
        ("followers 50k-200k", RosterFilters(min_followers=50_000, max_followers=200_000)),
        ("followers 5M+", RosterFilters(min_followers=5_000_000)),
        ("engagement 5-10%", RosterFilters(min_engagement_bp=500, max_engagement_bp=1000)),
        ("engagement 25%+", RosterFilters(min_engagement_bp=2500)),
        ("stage active", RosterFilters(stage="active")),
        ("stage none (not on roster)", RosterFilters(stage="none")),
        ("owner (least busy)", RosterFilters(owner=ctx["owner"])),
        ("owner none", RosterFilters(owner="none")),
        ("tag vip", RosterFilters(tag="vip")),
        (
            "tiktok+micro+US+eng 3%+",
            RosterFilters(platform="tiktok", tier="micro", country="US", min_engagement_bp=300),
        ),
        ("search 'ann' + stage active", RosterFilters(q="ann", stage="active")),
        ("youtube+macro+tag priority", RosterFilters(platform="youtube", tier="macro", tag="priority")),
    ]
    result = [Case("roster", name, roster(filters)) for name, filters in cases]

    async def second_page() -> Any:
        # The cursor comes from a real first page; only the second call is what a "Next" click costs,
        # but both are timed together here, so this case is the sum of two page loads.
        first = await list_roster(brand_id, RosterFilters())
        return await list_roster(brand_id, RosterFilters(), after=first.next_after)

    result.append(Case("roster", "first + second page (keyset)", second_page))
    result.append(Case("roster", "deep page (10,000 rows in)", roster(RosterFilters(), ctx["deep_creator"])))
    result.append(
        Case("roster", "deep page, platform tiktok", roster(RosterFilters(platform="tiktok"), ctx["deep_creator"]))
    )
    return result


def board_cases(brand_id: int, ctx: dict[str, Any], today: dt.date) -> list[Case]:
    def board(filters: BoardFilters, after: str | None = None) -> Callable[[], Awaitable[Any]]:
        return lambda: list_board(brand_id, filters, after=after, today=today)

    month_start = today.replace(day=1)
    result = [
        Case("board", "first page", board(BoardFilters())),
        Case("board", "status draft_submitted (review)", board(BoardFilters(status="draft_submitted"))),
        Case("board", "status changes_requested", board(BoardFilters(status="changes_requested"))),
        Case("board", "status verified", board(BoardFilters(status="verified"))),
        Case("board", "overdue only", board(BoardFilters(overdue_only=True))),
        Case("board", "busiest campaign", board(BoardFilters(campaign_id=ctx["busy_campaign"]))),
        Case("board", "median campaign", board(BoardFilters(campaign_id=ctx["median_campaign"]))),
        Case(
            "board",
            "campaign + overdue",
            board(BoardFilters(campaign_id=ctx["busy_campaign"], overdue_only=True)),
        ),
        Case("board", "platform twitch", board(BoardFilters(platform="twitch"))),
        Case("board", "creator 'kowalski'", board(BoardFilters(creator="kowalski"))),
        Case("board", "creator 'ann'", board(BoardFilters(creator="ann"))),
        Case(
            "board",
            "due in the next 14 days",
            board(BoardFilters(due_from=today, due_to=today + dt.timedelta(days=14))),
        ),
        Case("board", "deep page (100,000 dated rows in)", board(BoardFilters(), ctx["deep_dated"])),
        Case("board", "deep page in the undated tail", board(BoardFilters(), ctx["deep_undated"])),
        Case(
            "board",
            "deep page, status pending",
            board(BoardFilters(status="pending"), ctx["deep_dated"]),
        ),
        Case(
            "board",
            "calendar, this month",
            lambda: list_board_calendar(brand_id, month_start, BoardFilters(), today=today),
        ),
        Case(
            "board",
            "creator's own board (busiest)",
            lambda: list_creator_board(ctx["busy_creator"], today=today),
        ),
    ]

    async def second_page() -> Any:
        first = await list_board(brand_id, BoardFilters(), today=today)
        return await list_board(brand_id, BoardFilters(), after=first.next_after, today=today)

    result.insert(1, Case("board", "first + second page (keyset)", second_page))
    return result


async def measure(case: Case, warmups: int, runs: int) -> Result:
    for _ in range(warmups):
        await case.call()
    timings = []
    page: Any = None
    for _ in range(runs):
        started = time.perf_counter()
        page = await case.call()
        timings.append((time.perf_counter() - started) * 1000)
    with count_queries() as log:
        await case.call()
    timings.sort()
    p95 = timings[min(len(timings) - 1, max(0, round(0.95 * len(timings)) - 1))]
    # count_queries leaves out what the driver sends on its own (pool resets, type introspection).
    return Result(case, statistics.median(timings), p95, timings[-1], _rows(page), log.count)


async def explain(case: Case) -> str:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement the case sends, with its real parameters."""
    engine = get_engine()
    captured: list[tuple[str, tuple[object, ...]]] = []
    original = engine.fetch

    async def recording(sql: str, *args: object) -> list[Any]:
        captured.append((sql, args))
        return await original(sql, *args)

    engine.fetch = recording  # type: ignore[method-assign]
    try:
        await case.call()
    finally:
        del engine.fetch  # back to the class's method
    parts = []
    for sql, args in captured:
        plan = await original(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
        parts.append(sql.strip() + "\n" + "\n".join(row["QUERY PLAN"] for row in plan))
    return "\n\n".join(parts)


def _machine() -> str:
    """Cores and load: the figures mean little without them on a shared machine."""
    one, five, fifteen = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min)"


def print_table(results: list[Result]) -> None:
    width = max(len(r.case.name) for r in results)
    print(f"\n{'group':<7} {'case':<{width}} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'rows':>5} {'queries':>7}")
    for r in results:
        flag = "  <-- p95 over target" if r.slow else ""
        print(
            f"{r.case.group:<7} {r.case.name:<{width}} {r.p50:>8.2f} {r.p95:>8.2f} {r.max:>8.2f} "
            f"{r.rows:>5} {r.statements:>7}{flag}"
        )


def print_markdown(results: list[Result]) -> None:
    print("\n| group | case | p50 ms | p95 ms | max ms | rows |")
    print("|---|---|---:|---:|---:|---:|")
    for r in results:
        mark = " ⚠" if r.slow else ""
        print(f"| {r.case.group} | {r.case.name} | {r.p50:.1f} | {r.p95:.1f}{mark} | {r.max:.1f} | {r.rows} |")


async def _main(args: argparse.Namespace) -> int:
    dsn = bench_database_url(args.database_url)
    await prepare_schema(dsn)  # indexes added since the data was generated apply too
    engine = configure_database(dsn)
    async with connection_pool(engine):
        found = await engine.fetch("SELECT id FROM brand WHERE slug = $1", BIG_BRAND_SLUG)
        if not found:
            print("No benchmark data here: run `uv run python bench/generate_data.py` first.", file=sys.stderr)
            return 2
        brand_id = int(found[0]["id"])
        sizes = await engine.fetch(
            "SELECT (SELECT count(*) FROM creator) AS creators, (SELECT count(*) FROM deliverable) AS deliverables, "
            "(SELECT count(*) FROM deliverable WHERE brand = $1) AS brand_deliverables, "
            "(SELECT count(*) FROM relationship WHERE brand = $1) AS brand_relationships",
            brand_id,
        )
        size = sizes[0]
        print(
            f"Data: {size['creators']:,} creators, {size['deliverables']:,} deliverables; the big brand has "
            f"{size['brand_relationships']:,} relationships and {size['brand_deliverables']:,} deliverables."
        )
        today = dt.datetime.now(dt.UTC).date()
        ctx = await _setup(brand_id)
        cases: list[Case] = []
        if args.only in (None, "roster"):
            cases += roster_cases(brand_id, ctx)
        if args.only in (None, "board"):
            cases += board_cases(brand_id, ctx, today)
        if args.case:
            cases = [c for c in cases if any(text.lower() in c.name.lower() for text in args.case)]
        print(f"{len(cases)} cases, {args.warmups} warm-ups then {args.runs} timed calls each, one at a time.")
        print(_machine())
        results = []
        for case in cases:
            result = await measure(case, args.warmups, args.runs)
            results.append(result)
            if args.verbose:
                print(f"  {case.group} {case.name}: p95 {result.p95:.2f} ms", flush=True)
        print_table(results)
        print(f"\n{_machine()} (at the end)")
        if args.markdown:
            print_markdown(results)
        slow = [r for r in results if r.slow]
        for r in results:
            if args.explain_all or (args.explain and r.slow):
                print(f"\n--- EXPLAIN {r.case.group}: {r.case.name} (p95 {r.p95:.1f} ms)\n{await explain(r.case)}")
        if slow:
            print(
                f"\n{len(slow)} case(s) with p95 at or above {TARGET_MS:.0f} ms: "
                + ", ".join(r.case.name for r in slow)
            )
            return 1
        print(f"\nEvery case has p95 under {TARGET_MS:.0f} ms.")
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description="Roster and board query latency at scale (see the module docstring).")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: embedded server in ./var/bench-pgdata)")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmups", type=int, default=5)
    parser.add_argument("--only", choices=["roster", "board"])
    parser.add_argument("--case", action="append", help="only cases whose name contains this (repeatable)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) the slow cases")
    parser.add_argument("--explain-all", action="store_true", help="EXPLAIN (ANALYZE, BUFFERS) every case")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    parser.add_argument("-v", "--verbose", action="store_true", help="a line per case as it finishes")
    sys.exit(asyncio.run(_main(parser.parse_args())))


if __name__ == "__main__":
    main()
