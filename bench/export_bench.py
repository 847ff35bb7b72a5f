"""Exporting a large general ledger: the export job's time and peak memory.

    uv run python bench/export_bench.py [entries] [--page-size N]

A throwaway embedded PostgreSQL; a brand opened through the real actions, then `entries` ledger entries (two per
journal, spread over one month) written in bulk SQL (set-up, not timed: the posting path has its own benchmark in
payout_bench.py). Timed: the export job's work (`shared.exports.generation.generate_export`: count, read in pages,
write the CSV to a temporary file, hand it to local storage, record the result). Printed: seconds, entries per
second, file size, the database statements it sent, and memory: the peak of Python's own allocations during a
second, traced run (tracemalloc) and the process's peak resident set size before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import datetime as dt
import resource
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.audit.context import system_actor
from shared.db.embedded import start_embedded_postgres
from shared.db.engine import configure_database, connection_pool, get_engine
from shared.db.migrate import apply_migrations
from shared.db.querycount import count_queries
from shared.exports.actions import do_request_export
from shared.exports.generation import generate_export
from shared.identity.actions import do_create_brand, do_create_staff_user
from shared.identity.queries import get_staff_context
from shared.integrations.storage_local import LocalStorage

ACTOR = system_actor("bench")
START = dt.date(2026, 10, 1)
END = dt.date(2026, 10, 31)


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def setup(entries: int) -> int:
    admin = await do_create_staff_user(ACTOR, email="admin@bench.test", name="Admin", password=None, is_admin=True)
    staff = await get_staff_context(int(admin.id))
    brand = await do_create_brand(ACTOR, staff, name="Bench", currency="USD")
    engine = get_engine()
    journals = entries // 2
    await engine.execute_script(
        f"""
        INSERT INTO ledger_account (brand, currency, code, kind) VALUES
            ({brand.id}, 'USD', 'expense', 'expense'), ({brand.id}, 'USD', 'manual', 'manual');
        BEGIN;
        INSERT INTO ledger_journal (brand, key, kind, description, stripe_object, created_at)
        SELECT {brand.id}, 'bench:' || g, 'accrued', 'bench accrual ' || g, '',
               timestamptz '2026-10-01 00:00:00+00' + (g * (2592000.0 / {journals})) * interval '1 second'
        FROM generate_series(0, {journals - 1}) g;
        INSERT INTO ledger_entry (journal, account, amount_minor, currency)
        SELECT j.id, a.id, CASE WHEN a.code = 'expense' THEN 1 ELSE -1 END * (1000 + j.id % 99991), 'USD'
        FROM ledger_journal j CROSS JOIN ledger_account a WHERE j.brand = {brand.id} AND a.brand = {brand.id}
        ORDER BY j.id, a.code;
        COMMIT;
        ANALYZE;
        """
    )
    return int(brand.id)


async def request(staff_id: int, brand_id: int) -> int:
    staff = await get_staff_context(staff_id)
    access = next(b for b in staff.brands if b.brand_id == brand_id)
    return await do_request_export(ACTOR, access, kind="ledger", start=START, end=END, creator_id=None,
                                   today=dt.date(2026, 11, 29))  # fmt: skip


async def run(entries: int, page_size: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        dsn = start_embedded_postgres(Path(folder) / "pgdata", "rapport_bench", cleanup="delete")
        engine = configure_database(dsn, pool_max=4)
        await apply_migrations(engine)
        storage = LocalStorage(Path(folder) / "storage", secret_key="bench" * 8, base_url="http://127.0.0.1")
        async with connection_pool(engine):
            started = time.perf_counter()
            brand_id = await setup(entries)
            print(f"set-up: {entries:,} entries in {time.perf_counter() - started:.1f} s (not timed)")
            [admin] = await engine.fetch("SELECT id FROM staff_user")
            staff_id = int(admin["id"])

            export_id = await request(staff_id, brand_id)
            rss_before = rss_mib()
            with count_queries() as log:
                started = time.perf_counter()
                state = await generate_export(export_id, storage, page_size=page_size)
                seconds = time.perf_counter() - started
            rss_after = rss_mib()
            assert state == "done", state
            [row] = await engine.fetch("SELECT rows_written, size_bytes, storage_key FROM export WHERE id = $1",
                                       export_id)  # fmt: skip

            # The file, checked: every entry once, debits equal credits.
            debit = credit = Decimal(0)
            lines = 0
            with (storage.object_path(row["storage_key"])).open(newline="", encoding="utf-8") as source:
                reader = csv.reader(source)
                next(reader)
                for record in reader:
                    lines += 1
                    debit += Decimal(record[3] or 0)
                    credit += Decimal(record[4] or 0)
            assert lines == entries == row["rows_written"] and debit == credit, (lines, debit, credit)

            traced_id = await request(staff_id, brand_id)
            tracemalloc.start()
            await generate_export(traced_id, storage, page_size=page_size)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()

    print(f"exported {entries:,} entries ({row['size_bytes'] / 1024 / 1024:.1f} MiB CSV, balanced) in {seconds:.2f} s:"
          f" {entries / seconds:,.0f} entries/s, pages of {page_size:,}, {log.count} statements")  # fmt: skip
    print(f"peak Python allocations during the export (tracemalloc, second run): {peak / 1024 / 1024:.1f} MiB")
    print(f"process peak RSS: {rss_before:.0f} MiB before the export, {rss_after:.0f} MiB after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("entries", type=int, nargs="?", default=100_000)
    parser.add_argument("--page-size", type=int, default=2_000)
    args = parser.parse_args()
    asyncio.run(run(args.entries, args.page_size))


if __name__ == "__main__":
    main()
