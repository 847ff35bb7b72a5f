"""`rapport` command line: serve, worker, migrate, demo, createadmin, check-migrations."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import ExitStack

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
    from shared.db.migrate import apply_migrations

    await apply_migrations(get_engine())


def cmd_migrate(args: argparse.Namespace) -> None:
    settings = _with_database(_settings())
    _configure_logs(settings)
    asyncio.run(_migrate())
    print("Database is up to date.")


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
        from shared.jobs import job_queue, worker_name

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
        settings = _with_database(_settings())
        settings = dataclasses.replace(settings, worker_in_process=True)
        _configure_logs(settings)

        async def prepare() -> str:
            from shared.contracts.actions import contract_tools
            from shared.demo import seed_demo_data
            from shared.integrations.storage import storage_from_settings

            await _migrate()
            return await seed_demo_data(contract_tools(settings, storage_from_settings(settings)))

        summary = asyncio.run(prepare())
        if demo_id:
            summary += f"  Demo ID (the local sign-in provider) runs at {demo_id}\n"
        else:
            summary += "  Demo ID is not available (install the dev dependencies: uv sync); creators cannot sign in.\n"
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


def _configure_logs(settings: Settings) -> None:
    from shared.logs import configure_logging

    configure_logging(settings.log_level, json=settings.log_json)


def main(argv: Sequence[str] | None = None) -> None:
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
