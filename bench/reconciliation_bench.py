"""Reconciling a month of N transfers (default 100,000) against the Stripe simulator, through the real SDK over HTTP.

    uv run python bench/reconciliation_bench.py [transfers]

A throwaway embedded PostgreSQL. The month is built first, in a child process (bench/reconciliation_data.py:
payables by set-based SQL, their transfers written into a simulator's state and saved as its JSON snapshot, plus
three seeded breaks). The simulator then serves that snapshot from its own process (`rapport stripe-sim`), so this
process holds only what reconciliation itself holds. Printed: the run's time and pages, the items in each class,
peak memory of this process (ru_maxrss) before and after the run, and the time of a rerun (which changes nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shared.db.embedded import start_embedded_postgres  # noqa: E402
from shared.db.engine import configure_database, connection_pool, get_engine  # noqa: E402
from shared.db.migrate import apply_migrations  # noqa: E402

KEY = "sk_test_rapport_bench"
MONTH = dt.date(2025, 3, 1)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


async def build(dsn: str, state: Path, transfers: int) -> None:
    """The child process: a brand, the month's payables and transfers, three breaks; the simulator's snapshot."""
    from bench.reconciliation_data import add_transfer, build_month
    from shared.audit.context import system_actor
    from shared.identity.actions import do_create_brand, do_create_staff_user
    from shared.identity.queries import get_staff_context
    from shared.integrations.stripe_simulator import Simulator

    engine = configure_database(dsn, pool_max=4)
    async with connection_pool(engine):
        actor = system_actor("bench")
        admin = await do_create_staff_user(actor, email="ada@bench.test", name="Ada", password=None, is_admin=True)
        brand = await do_create_brand(actor, await get_staff_context(int(admin.id)), name="Acme", currency="USD")
        simulator = Simulator(state_path=state)
        started = time.perf_counter()
        month = await build_month(simulator, brand_id=int(brand.id), month=MONTH, transfers=transfers)
        add_transfer(simulator, created=int(dt.datetime(2025, 3, 9, tzinfo=dt.UTC).timestamp()), amount=4200,
                     currency="USD", destination=month.accounts[0], metadata={})  # fmt: skip
        [gone] = await get_engine().fetch("SELECT stripe_transfer_id FROM payable WHERE id = $1", month.payable_ids[7])
        del simulator.state.objects[gone["stripe_transfer_id"]]
        [off] = await get_engine().fetch("SELECT stripe_transfer_id FROM payable WHERE id = $1", month.payable_ids[-3])
        simulator.state.objects[off["stripe_transfer_id"]]["amount"] += 100
        simulator.store.save()
        print(f"built {transfers:,} payables and transfers in {time.perf_counter() - started:.0f} s", flush=True)


def _serve_simulator(state: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = 18000 + os.getpid() % 1000
    env = {**os.environ, "STRIPE_API_KEY": "", "RAPPORT_ENV": "development"}
    process = subprocess.Popen(
        [sys.executable, "-c", "import cli; cli.main()", "stripe-sim", "--state", str(state), "--port", str(port)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # a large snapshot takes a while to load
    while True:
        try:
            if httpx.get(f"{url}/v1/balance", headers={"Authorization": f"Bearer {KEY}"}, timeout=2).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the simulator did not start")
        time.sleep(0.5)


async def reconcile(dsn: str, base_url: str) -> None:
    from shared.integrations.stripe_connect import StripeConnect
    from shared.reconciliation.engine import run_reconciliation
    from shared.reconciliation.queue import queue_run
    from shared.settings import Settings

    env = {"STRIPE_API_KEY": KEY, "STRIPE_API_BASE": base_url, "STRIPE_WEBHOOK_SECRET": "whsec_b",
           "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_c", "DATABASE_URL": dsn}  # fmt: skip
    settings = Settings.from_env(env)
    connect = StripeConnect(settings)
    engine = configure_database(dsn, pool_max=4)
    async with connection_pool(engine):
        [brand] = await get_engine().fetch("SELECT id FROM brand")
        for label in ("first run", "rerun"):
            before = _rss_mb()
            run_id = await queue_run(int(brand["id"]), MONTH, None)
            assert run_id is not None
            started = time.perf_counter()
            await run_reconciliation(connect, run_id)
            seconds = time.perf_counter() - started
            [run] = await get_engine().fetch("SELECT * FROM reconciliation_run WHERE id = $1", run_id)
            print(f"{label}: {seconds:.1f} s, {run['pages_read']:,} pages, {run['items_read']:,} items read, "
                  f"{run['changed']:,} written; peak RSS {before:.0f} MB before, {_rss_mb():.0f} MB after",
                  flush=True)  # fmt: skip
        rows = await get_engine().fetch("SELECT result, count(*) AS n FROM reconciliation_item GROUP BY 1 ORDER BY 1")
        print("classes:", {r["result"]: int(r["n"]) for r in rows})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("transfers", nargs="?", type=int, default=100_000)
    parser.add_argument("--build", nargs=2, metavar=("DSN", "STATE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        asyncio.run(build(args.build[0], Path(args.build[1]), args.transfers))
        return
    with tempfile.TemporaryDirectory() as folder:
        dsn = start_embedded_postgres(Path(folder) / "pgdata", "rapport_bench", cleanup="delete")
        asyncio.run(_migrate(dsn))
        state = Path(folder) / "stripe-sim.json"
        subprocess.run([sys.executable, __file__, str(args.transfers), "--build", dsn, str(state)], check=True)
        started = time.perf_counter()
        simulator, url = _serve_simulator(state)
        print(f"simulator loaded its snapshot ({state.stat().st_size / 1e6:.0f} MB) in "
              f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
        try:
            asyncio.run(reconcile(dsn, url))
        finally:
            simulator.terminate()
            simulator.wait(timeout=30)


async def _migrate(dsn: str) -> None:
    engine = configure_database(dsn, pool_max=2)
    await apply_migrations(engine)


if __name__ == "__main__":
    main()
