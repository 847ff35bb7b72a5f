"""`rapport` command line: serve, worker, migrate, demo, createadmin, check-migrations."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import getpass
import logging
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from pathlib import Path

from shared.settings import Settings, SettingsError

log = logging.getLogger("rapport.cli")


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as exc:
        sys.exit(f"rapport: configuration error: {exc}")


def _with_database(settings: Settings) -> Settings:
    """Resolve the database once (starting the embedded server if needed) and pin its URL."""
    from shared.db.engine import configure_database, resolve_database_url

    dsn = resolve_database_url(settings.database_url, settings.pgdata_dir)
    configure_database(dsn, pool_min=settings.db_pool_min, pool_max=settings.db_pool_max)
    return dataclasses.replace(settings, database_url=dsn)


async def _migrate() -> None:
    from shared.db.engine import get_engine
    from shared.db.migrate import apply_migrations, migration_summary

    ran = await apply_migrations(get_engine())
    print(migration_summary(ran), flush=True)


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = _with_database(_settings())
    _configure_logs(settings)
    asyncio.run(_migrate())


def cmd_check_migrations(args: argparse.Namespace) -> None:
    from shared.db.migrate import unmigrated_changes

    missing = asyncio.run(unmigrated_changes())
    if missing:
        print("Tables changed without a migration. Create one with:", file=sys.stderr)
        print("  uv run piccolo migrations new rapport --auto --desc='what changed'", file=sys.stderr)
        for statement in missing:
            print(f"  - {statement}", file=sys.stderr)
        sys.exit(1)
    print("Migrations match the tables.")


def cmd_serve(args: argparse.Namespace) -> None:
    settings = _with_database(_settings())
    if args.with_worker:
        settings = dataclasses.replace(settings, worker_in_process=True)
    _serve(settings)


def _serve(settings: Settings) -> None:
    import uvicorn

    from app import create_app

    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
    )


def cmd_worker(args: argparse.Namespace) -> None:
    settings = _with_database(_settings())
    _configure_logs(settings)

    async def run() -> None:
        from shared.db.engine import connection_pool, get_engine
        from shared.health import worker_name
        from shared.jobs import job_queue

        async with connection_pool(get_engine()), job_queue(settings.database_url or "") as jobs:
            log.info("worker started", extra={"worker": worker_name(), "concurrency": args.concurrency})
            await jobs.run_worker_async(concurrency=args.concurrency, name=worker_name())

    asyncio.run(run())


def cmd_createadmin(args: argparse.Namespace) -> None:
    settings = _with_database(_settings())
    _configure_logs(settings)
    password = os.environ.get("RAPPORT_ADMIN_PASSWORD") or getpass.getpass("Password (12+ characters): ")

    async def run() -> None:
        from shared.audit.context import system_actor
        from shared.errors import InvalidInput
        from shared.identity.actions import do_create_staff_user

        try:
            staff = await do_create_staff_user(
                system_actor("rapport createadmin"), email=args.email, name=args.name, password=password, is_admin=True
            )
        except InvalidInput as exc:
            sys.exit(f"rapport createadmin: {exc}")
        print(f"Created administrator {staff.email}. Sign in at {settings.base_url}/backoffice/signin")

    asyncio.run(run())


def cmd_demo(args: argparse.Namespace) -> None:
    with ExitStack() as stack:
        demo_id = _start_demo_id_provider(stack)
        stripe_sim = _start_stripe_simulator(stack, _settings().base_url)
        platforms_sim = _start_platform_simulator(stack)
        settings = _with_database(_settings())
        settings = dataclasses.replace(settings, worker_in_process=True)
        _configure_logs(settings)

        async def prepare() -> str:
            from shared.db.engine import connection_pool, get_engine
            from shared.demo import seed_demo_data
            from shared.jobs import job_queue

            await _migrate()
            # Open the job queue while seeding: the seed's notifications defer their emails like any action's;
            # the seed's hundreds of small transactions share pooled connections.
            async with job_queue(settings.database_url or ""), connection_pool(get_engine()):
                if _DEMO_STRIPE and not await get_engine().fetch("SELECT 1 FROM brand WHERE slug = 'acme'"):
                    # A fresh database: the simulator's saved state (var/stripe-sim.json) belongs to an earlier
                    # one — accounts and transfers this database never heard of. Stripe starts afresh too.
                    url, forget = _DEMO_STRIPE[0]
                    forget()
                    _fund_platform(url)
                return await seed_demo_data(settings)

        summary = asyncio.run(prepare())
        if demo_id:
            summary += f"  Demo ID (the local sign-in provider) runs at {demo_id}\n"
        else:
            summary += "  Demo ID is not available (install the dev dependencies: uv sync); creators cannot sign in.\n"
        if stripe_sim:
            summary += f"  Stripe runs locally (the simulator) at {stripe_sim}; the platform balance is funded.\n"
        if platforms_sim:
            summary += f"  Instagram, TikTok and YouTube's post APIs run locally (a stand-in) at {platforms_sim}.\n"
        print(summary.replace("{base_url}", settings.base_url), flush=True)
        _serve(settings)  # returns on Ctrl-C; leaving the block stops the Demo ID provider too


def _start_demo_id_provider(stack: ExitStack) -> str | None:
    """Run the local "Demo ID" OpenID provider for this process and configure it as creator provider "demo".

    It is set in the environment (RAPPORT_OIDC_DEMO_*) so every reader of the settings — the web
    app and the in-process worker's token refresh — sees the same provider. An explicitly
    configured RAPPORT_OIDC_DEMO_ISSUER wins.
    """
    from shared.demo import demo_creator_subjects
    from shared.integrations.oauth_demo_provider import is_available, running_demo_provider

    if os.environ.get("RAPPORT_OIDC_DEMO_ISSUER") or not is_available():
        return None
    provider = stack.enter_context(running_demo_provider(demo_creator_subjects())).settings()
    os.environ.update(
        RAPPORT_OIDC_DEMO_ISSUER=provider.issuer,
        RAPPORT_OIDC_DEMO_CLIENT_ID=provider.client_id,
        RAPPORT_OIDC_DEMO_CLIENT_SECRET=provider.client_secret,
        RAPPORT_OIDC_DEMO_LABEL=provider.label,
    )
    return provider.issuer


def cmd_stripe_sim(args: argparse.Namespace) -> None:
    """Serve the Stripe simulator in the foreground (state kept in a JSON file across restarts)."""
    import uvicorn

    from shared.integrations.stripe_simulator import Simulator, WebhookEndpoint

    settings = _settings()
    _configure_logs(settings)
    endpoints = []
    if args.webhook_url and settings.stripe_webhook_secret:
        endpoints.append(WebhookEndpoint(url=args.webhook_url, secret=settings.stripe_webhook_secret))
    if args.webhook_url and settings.stripe_connect_webhook_secret:
        endpoints.append(
            WebhookEndpoint(url=args.webhook_url, secret=settings.stripe_connect_webhook_secret, connect=True)
        )
    simulator = Simulator(state_path=Path(args.state), webhook_endpoints=endpoints)
    print(f"Stripe simulator on http://{args.host}:{args.port} (state in {args.state})", flush=True)
    uvicorn.run(simulator, host=args.host, port=args.port, log_config=None, access_log=False)


DEMO_STRIPE_KEY = "sk_test_rapport_demo"
DEMO_PLATFORM_BALANCE = 5_000_000  # 50,000.00 USD ready to transfer to creators


# The demo's simulator in this process: its address and how to forget its state (see cmd_demo).
_DEMO_STRIPE: list[tuple[str, Callable[[], None]]] = []


def _fund_platform(url: str) -> None:
    import httpx

    auth = {"Authorization": f"Bearer {DEMO_STRIPE_KEY}"}
    available = httpx.get(f"{url}/v1/balance", headers=auth).json()["available"]
    usd = next((b["amount"] for b in available if b["currency"] == "usd"), 0)
    if usd < DEMO_PLATFORM_BALANCE:
        httpx.post(f"{url}/_sim/top_up", data={"amount": DEMO_PLATFORM_BALANCE - usd, "currency": "usd"}, headers=auth)


def _start_stripe_simulator(stack: ExitStack, base_url: str) -> str | None:
    """Run the Stripe simulator for this process (state in var/stripe-sim.json) and point the app at it.

    Set in the environment (STRIPE_*) so the web app and the in-process worker read the same
    configuration. A configured STRIPE_API_KEY (real Stripe test mode) wins.
    """
    if os.environ.get("STRIPE_API_KEY"):
        return None

    from shared.integrations.stripe_simulator import Simulator, WebhookEndpoint, running_simulator

    platform_secret, connect_secret = "whsec_rapport_demo_platform", "whsec_rapport_demo_connect"
    hook = f"{base_url}/webhooks/stripe"
    simulator = Simulator(
        state_path=Path("var/stripe-sim.json"),
        webhook_endpoints=[
            WebhookEndpoint(url=hook, secret=platform_secret),
            WebhookEndpoint(url=hook, secret=connect_secret, connect=True),
        ],
    )
    port = int(os.environ.get("RAPPORT_STRIPE_SIM_PORT", "0"))
    url = stack.enter_context(running_simulator(simulator, port=port))
    _fund_platform(url)
    _DEMO_STRIPE.append((url, simulator.store.reset))
    os.environ.update(
        STRIPE_API_KEY=DEMO_STRIPE_KEY,
        STRIPE_API_BASE=url,
        STRIPE_WEBHOOK_SECRET=platform_secret,
        STRIPE_CONNECT_WEBHOOK_SECRET=connect_secret,
    )
    return url


def _start_platform_simulator(stack: ExitStack) -> str | None:
    """Run the stand-in for the platforms' post APIs (state in var/platform-sim.json) and point the app at it
    (RAPPORT_PLATFORM_API_BASE, in the environment so the in-process worker reads it too). A configured
    RAPPORT_PLATFORM_API_BASE wins."""
    if os.environ.get("RAPPORT_PLATFORM_API_BASE"):
        return None
    from shared.integrations.platform_simulator import PlatformSimulator
    from shared.integrations.stripe_simulator.server import serve_asgi

    simulator = PlatformSimulator(state_path=Path("var/platform-sim.json"))
    url = stack.enter_context(serve_asgi(simulator, port=int(os.environ.get("RAPPORT_PLATFORM_SIM_PORT", "0"))))
    os.environ["RAPPORT_PLATFORM_API_BASE"] = url
    return url


def _configure_logs(settings: Settings) -> None:
    from shared.logs import configure_logging

    configure_logging(settings.log_level, json=settings.log_json)


def _quiet_library_warnings() -> None:
    """Keep third-party deprecation notices we cannot act on (the Demo ID provider's authlib, platformdirs'
    missing XDG_RUNTIME_DIR) off the console, unless LOG_LEVEL=DEBUG asks for everything."""
    if os.environ.get("LOG_LEVEL", "").upper() == "DEBUG":
        return
    # authlib makes its own deprecations "always" shown when imported; this filter must come after that.
    with contextlib.suppress(ImportError):
        import authlib.deprecate  # noqa: F401
    warnings.filterwarnings("ignore", module=r"(oidc_provider_mock|authlib|platformdirs)(\.|$)")


def main(argv: Sequence[str] | None = None) -> None:
    _quiet_library_warnings()
    parser = argparse.ArgumentParser(prog="rapport", description="Rapport: creator portal and brand back-office.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("demo", help="migrate, seed demo data and serve with an in-process worker").set_defaults(
        func=cmd_demo
    )
    serve = sub.add_parser("serve", help="serve the web app")
    serve.add_argument("--with-worker", action="store_true", help="also run a job worker in this process")
    serve.set_defaults(func=cmd_serve)
    worker = sub.add_parser("worker", help="run a job worker (run as many as needed)")
    worker.add_argument("--concurrency", type=int, default=4)
    worker.set_defaults(func=cmd_worker)
    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)
    sub.add_parser("check-migrations", help="fail if tables changed without a migration").set_defaults(
        func=cmd_check_migrations
    )
    sim = sub.add_parser("stripe-sim", help="serve the Stripe API simulator (demo and tests)")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=12111)
    sim.add_argument("--state", default="var/stripe-sim.json", help="where its state is kept across restarts")
    sim.add_argument(
        "--webhook-url",
        default=None,
        help="deliver events here (e.g. http://127.0.0.1:8000/webhooks/stripe), signed with STRIPE_WEBHOOK_SECRET "
        "and STRIPE_CONNECT_WEBHOOK_SECRET",
    )
    sim.set_defaults(func=cmd_stripe_sim)
    admin = sub.add_parser(
        "createadmin", help="create a deployment administrator (password from prompt or RAPPORT_ADMIN_PASSWORD)"
    )
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", required=True)
    admin.set_defaults(func=cmd_createadmin)
    args = parser.parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
