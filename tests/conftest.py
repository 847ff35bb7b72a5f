"""Test harness: real PostgreSQL (embedded in a temp dir, or TEST_DATABASE_URL), isolation per test,
the standing cast built through real actions, Litestar's test client, a live server, Chromium.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
from litestar import Litestar
from litestar.stores.registry import StoreRegistry

from app import create_app
from shared.audit.context import system_actor
from shared.db.embedded import ensure_database, start_embedded_postgres
from shared.db.engine import RapportEngine, configure_database
from shared.db.migrate import apply_migrations
from shared.db.piccolo_app import APP_CONFIG
from shared.identity.actions import (
    SocialAccount,
    do_create_brand,
    do_create_creator,
    do_create_staff_user,
    do_grant_membership,
)
from shared.identity.queries import get_staff_context
from shared.identity.rules import Role
from shared.integrations.storage_factory import storage_from_settings
from shared.logs import configure_logging
from shared.settings import Settings
from shared.web.sessions import SESSION_STORE_NAME

pytest_plugins = [
    "tests.live_server",
    "tests.browser_fixtures",
    "tests.oidc_fixtures",
    "tests.email_fixtures",
    "tests.storage_fixtures",
    "tests.stripe_fixtures",
    "tests.results_fixtures",
]

PASSWORD = "correct-horse-battery"


def pytest_configure(config: pytest.Config) -> None:
    """Make the self-signed contract seal pairs (kept under ./var, made once) before any test runs.

    With pytest-xdist (`-n 2`), two workers starting on a fresh clone would otherwise both find no pair and
    write one each, key and certificate interleaved. This runs in the controller before the workers start
    (and in a plain run); the workers then only read the files.
    """
    if hasattr(config, "workerinput"):
        return
    from shared.contracts.sealing import generated_seal_key
    from tests.contract_helpers import SEAL_DIR

    generated_seal_key()  # the app's (and the live servers'), SEAL_DIR's default
    generated_seal_key(SEAL_DIR)  # the contract tests' own


# The job queue's tables are emptied too, so no job leaks from one test into the next.
JOB_TABLES = ["procrastinate_jobs", "procrastinate_events", "procrastinate_periodic_defers", "procrastinate_workers"]


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """TEST_DATABASE_URL (its tables are emptied between tests!) or a throwaway embedded server.

    Under pytest-xdist each worker has a database of its own: its own embedded server (in its own tmp
    dir), or on TEST_DATABASE_URL's server a database named after it (`<name>_gw0`, made if missing).
    """
    given = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if given and worker:
        parts = urlsplit(given)
        name = f"{parts.path.lstrip('/') or 'postgres'}_{worker}"
        ensure_database(given, name)
        return urlunsplit(parts._replace(path=f"/{name}"))
    if given:
        return given
    return start_embedded_postgres(tmp_path_factory.mktemp("pg") / "pgdata", "rapport_test", cleanup="delete")


@pytest.fixture(scope="session")
async def engine(database_url: str) -> RapportEngine:
    engine = configure_database(database_url)
    await apply_migrations(engine)
    return engine


def all_tables() -> list[str]:
    return [table._meta.tablename for table in APP_CONFIG.table_classes] + JOB_TABLES


_emptying: list[str] = []  # per test session: the DELETE script, or "" once the server refused it


async def _delete_script(engine: RapportEngine) -> str:
    tables = all_tables()
    sequences = await engine.fetch(
        "SELECT DISTINCT quote_ident(s.relname) AS name FROM pg_class s"
        " JOIN pg_depend d ON d.objid = s.oid AND d.classid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')"
        " JOIN pg_class t ON t.oid = d.refobjid WHERE s.relkind = 'S' AND t.relname = ANY($1::text[])",
        tables,
    )
    return ";\n".join(
        ["SET session_replication_role = replica"]  # no foreign-key checks, no triggers (append-only tables)
        + [f"DELETE FROM {table}" for table in tables]
        + [f"ALTER SEQUENCE {row['name']} RESTART" for row in sequences]
        + ["SET session_replication_role = DEFAULT"]
    )


@pytest.fixture(autouse=True)
async def clean_database(engine: RapportEngine) -> None:
    """Every test starts from empty tables, ids restarted.

    DELETE, with foreign keys and triggers off, empties the suite's nearly empty tables in about a fifth of
    TRUNCATE's time (which makes new files for each of ~60 tables and their indexes: 55 against 10 ms per test,
    docs/performance.md). It needs session_replication_role, a superuser's (as on the embedded server); on a
    TEST_DATABASE_URL without it, TRUNCATE as before.
    """
    if not _emptying:
        _emptying.append(await _delete_script(engine))
    if _emptying[0]:
        try:
            await engine.execute_script(_emptying[0])
            return
        except asyncpg.InsufficientPrivilegeError:
            _emptying[0] = ""
    await engine.execute_script(f"TRUNCATE {', '.join(all_tables())} RESTART IDENTITY CASCADE")


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # Files go to the test's own tmp dir (the local backend), never to ./var/storage.
    return Settings(
        env="test", database_url=database_url, log_level="WARNING", storage_url=f"file://{tmp_path / 'storage'}"
    )


_apps: dict[str, Litestar] = {}  # per test session (per xdist worker): see reused_app


def reused_app(settings: Settings) -> Litestar:
    """create_app(settings), built once per session for each set of settings that differ only in where files go.

    Building the app (Litestar registers some 1,200 handlers) took 0.5-1 s per test. Every test still gets its
    own app *state*: its settings and its storage (the test's own tmp dir or bucket) are put in the app's state,
    which is where handlers read them, and the in-memory stores (the rate limiter's counts) start empty. Its
    lifespan (pool, job queue) still starts and stops with each test's client. Everything create_app builds from
    the settings other than the storage is the same for equal settings: those are the cache's key.
    """
    key = repr(dataclasses.replace(settings, storage_url=urlsplit(settings.storage_url).scheme))
    app = _apps.get(key)
    if app is None:
        app = _apps[key] = create_app(settings)
        return app
    configure_logging(settings.log_level, json=settings.log_json)  # as create_app does
    app.state["settings"] = settings
    app.state["storage"] = storage_from_settings(settings)
    app.stores = StoreRegistry(stores={SESSION_STORE_NAME: app.stores.get(SESSION_STORE_NAME)})
    return app


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return reused_app(settings)


@asynccontextmanager
async def app_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """Real HTTP semantics in-process: the app's lifespan and requests run on the test's own loop."""
    async with running(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1", follow_redirects=True) as client:
            yield client


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[None]:
    """Run the app's lifespan in a task of its own: it must start and stop in the same task
    (anyio cancel scopes), while pytest sets a fixture up and tears it down in different ones."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def hold() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(hold())
    waiter = asyncio.create_task(started.wait())
    await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        waiter.cancel()
        task.result()  # start-up failed: raise its error here
    try:
        yield
    finally:
        stop.set()
        await task


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(app) as client:
        yield client


@dataclass(frozen=True)
class Cast:
    """The standing cast (docs/design.md, "How the code is written"), plus the owners who open the brands."""

    admin_id: int
    olivia_id: int  # owner at Acme
    bob_id: int  # manager at Acme
    fran_id: int  # finance at Acme
    vic_id: int  # viewer at Acme
    charlie_id: int  # manager at Globex: must see nothing of Acme
    alice_id: int  # creator
    acme_id: int
    globex_id: int


SNAPSHOT_SCHEMA = "test_cast_snapshot"


@dataclass(frozen=True)
class Snapshot:
    """The database as the cast left it: a copy of every table that has rows, and the sequences."""

    cast: Cast
    restore_sql: str


_snapshot: list[Snapshot] = []  # at most one per test session
_snapshot_refused: list[bool] = []


async def take_snapshot(engine: RapportEngine, cast: Cast) -> Snapshot:
    return Snapshot(cast, await copy_database(engine, SNAPSHOT_SCHEMA))


async def copy_database(engine: RapportEngine, schema: str) -> str:
    """Copy every table that has rows into `schema` (made anew); return the SQL that puts the rows and the
    sequences back into the emptied tables, exactly as they were (same ids). Needs session_replication_role."""
    tables = all_tables()
    counts = await engine.fetch(
        " UNION ALL ".join(f"SELECT '{t}' AS name, (SELECT count(*) FROM {t}) AS n" for t in tables)
    )
    filled = [row["name"] for row in counts if row["n"]]
    columns = await engine.fetch(
        "SELECT table_name, array_agg(quote_ident(column_name) ORDER BY ordinal_position) AS names"
        " FROM information_schema.columns WHERE table_schema = 'public' AND is_generated = 'NEVER'"
        " AND table_name = ANY($1::text[]) GROUP BY table_name",
        filled,
    )
    sequences = await engine.fetch(
        "SELECT schemaname, sequencename, last_value FROM pg_sequences"
        " WHERE schemaname = 'public' AND last_value IS NOT NULL"
    )
    script = [f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}"]
    restore = ["SET session_replication_role = replica"]  # rows go back as they were: no triggers, no FK checks
    for row in columns:
        names = ", ".join(row["names"])
        table = row["table_name"]
        script.append(f"CREATE TABLE {schema}.{table} AS SELECT {names} FROM public.{table}")
        restore.append(
            f"INSERT INTO public.{table} ({names}) OVERRIDING SYSTEM VALUE SELECT {names} FROM {schema}.{table}"
        )
    restore += [f"SELECT setval('public.{s['sequencename']}', {int(s['last_value'])})" for s in sequences]
    restore.append("SET session_replication_role = DEFAULT")
    await engine.execute_script(";\n".join(script))
    return ";\n".join(restore)


@pytest.fixture
async def cast(engine: RapportEngine, clean_database: None) -> Cast:
    """The standing cast, made through the real actions once per test session (argon2 hashes six passwords:
    the largest part of a test's set-up) and copied back into the emptied tables for every later test."""
    if _snapshot:
        await engine.execute_script(_snapshot[0].restore_sql)
        return _snapshot[0].cast
    made = await make_cast()
    if not _snapshot_refused:
        try:
            # Copying rows back needs session_replication_role (a superuser's, as on the embedded server).
            await engine.execute_script("SET session_replication_role = replica; RESET session_replication_role")
            _snapshot.append(await take_snapshot(engine, made))
        except asyncpg.InsufficientPrivilegeError:  # a TEST_DATABASE_URL without it: make the cast every time
            _snapshot_refused.append(True)
    return made


async def make_cast() -> Cast:
    actor = system_actor("test")
    ids = {}
    for key, email, name, is_admin in [
        ("admin", "ada@rapport.test", "Ada Admin", True),
        ("olivia", "olivia@acme.test", "Olivia Owner", False),
        ("bob", "bob@acme.test", "Bob Manager", False),
        ("fran", "fran@acme.test", "Fran Finance", False),
        ("vic", "vic@acme.test", "Vic Viewer", False),
        ("charlie", "charlie@globex.test", "Charlie Manager", False),
    ]:
        staff = await do_create_staff_user(actor, email=email, name=name, password=PASSWORD, is_admin=is_admin)
        ids[key] = int(staff.id)
    admin = await get_staff_context(ids["admin"])
    acme = await do_create_brand(actor, admin, name="Acme", currency="USD")
    globex = await do_create_brand(actor, admin, name="Globex", currency="EUR")
    for key, brand, role in [
        ("olivia", acme, Role.OWNER),
        ("bob", acme, Role.MANAGER),
        ("fran", acme, Role.FINANCE),
        ("vic", acme, Role.VIEWER),
        ("charlie", globex, Role.MANAGER),
    ]:
        await do_grant_membership(actor, staff_id=ids[key], brand_id=int(brand.id), role=role)
    alice = await do_create_creator(
        actor,
        display_name="Alice Rivera",
        email="alice@creators.test",
        country="US",
        niches=["outdoors"],
        accounts=[SocialAccount("instagram", "ig-alice", "alice.outdoors", 48_200, 1_450)],
    )
    return Cast(
        admin_id=ids["admin"],
        olivia_id=ids["olivia"],
        bob_id=ids["bob"],
        fran_id=ids["fran"],
        vic_id=ids["vic"],
        charlie_id=ids["charlie"],
        alice_id=int(alice.id),
        acme_id=int(acme.id),
        globex_id=int(globex.id),
    )


_CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = _CSRF_INPUT.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


async def sign_in_staff(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> None:
    page = await client.get("/backoffice/signin")
    response = await client.post(
        "/backoffice/signin",
        data={"email": email, "password": password, "next": "/backoffice/", "_csrf_token": csrf_token_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


async def post_form(client: httpx.AsyncClient, page_url: str, action: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    """Submit a form the way a browser does: load the page for its CSRF token, then post."""
    page = await client.get(page_url)
    return await client.post(action, data={**data, "_csrf_token": csrf_token_from(page.text)})


@pytest.fixture(scope="session")
def artifacts_dir() -> Iterator[Path]:
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    yield path
