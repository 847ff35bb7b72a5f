"""The Piccolo engine, its configuration at start-up, and the database address resolution."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
from piccolo.engine.postgres import PostgresEngine


class RapportEngine(PostgresEngine):
    """A PostgresEngine that does not connect at import time.

    Piccolo's base engine checks the server version while the module is imported; ours has
    no address yet then, so those checks are skipped and `configure` is called at start-up.
    """

    def __init__(self) -> None:
        super().__init__(config={})
        self.pool_sizes: dict[str, int] = {}

    async def check_version(self) -> None:
        return None

    async def prep_database(self) -> None:
        return None

    def configure(self, dsn: str, *, pool_min: int = 1, pool_max: int = 10) -> None:
        self.config = {"dsn": dsn}
        self.pool_sizes = {"min_size": pool_min, "max_size": pool_max}

    async def start_connection_pool(self, **kwargs: Any) -> None:
        await super().start_connection_pool(init=self._watch_connection, **{**self.pool_sizes, **kwargs})

    async def _watch_connection(self, connection: asyncpg.Connection) -> None:
        # Lets tests count the queries a page issues (see shared.db.querycount).
        connection.add_query_logger(_notify_query_observers)

    async def fetch(self, sql: str, *args: object) -> list[Any]:
        """Raw SQL outside Piccolo's query builder (search, reporting, health probes).

        Runs in the current transaction when there is one, so actions can mix it with Piccolo queries.
        """
        transaction = self.current_transaction.get()
        if transaction is not None:
            return [dict(row) for row in await transaction.connection.fetch(sql, *args)]
        if self.pool is not None:
            return [dict(row) for row in await self._run_in_pool(sql, args)]
        return [dict(row) for row in await self._run_in_new_connection(sql, args)]

    async def execute_script(self, sql: str) -> None:
        """Run several statements at once (DDL scripts), in the current transaction if any."""
        transaction = self.current_transaction.get()
        if transaction is not None:
            await transaction.connection.execute(sql)
            return
        connection = await asyncpg.connect(self.dsn)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    @property
    def dsn(self) -> str:
        dsn = self.config.get("dsn")
        if not dsn:
            raise RuntimeError("The database engine is not configured; call configure_database() first")
        return str(dsn)


QueryObserver = Callable[[str], None]
_query_observers: list[QueryObserver] = []


def _notify_query_observers(record: Any) -> None:
    for observer in _query_observers:
        observer(record.query)


def add_query_observer(observer: QueryObserver) -> None:
    _query_observers.append(observer)


def remove_query_observer(observer: QueryObserver) -> None:
    _query_observers.remove(observer)


# The one engine: piccolo_conf (Piccolo's configuration module) hands this same object to Piccolo.
DB = RapportEngine()


def get_engine() -> RapportEngine:
    return DB


def resolve_database_url(database_url: str | None, pgdata_dir: Path, database: str = "rapport") -> str:
    """DATABASE_URL when given; otherwise start (or reuse) the embedded PostgreSQL and return its URL."""
    if database_url:
        return database_url
    from shared.db.embedded import start_embedded_postgres

    return start_embedded_postgres(pgdata_dir, database)


def configure_database(dsn: str, *, pool_min: int = 1, pool_max: int = 10) -> RapportEngine:
    engine = get_engine()
    engine.configure(dsn, pool_min=pool_min, pool_max=pool_max)
    return engine


@asynccontextmanager
async def connection_pool(engine: RapportEngine) -> AsyncIterator[None]:
    """Open the pool and prove the database answers; fail loudly, naming the address, if not."""
    try:
        await asyncio.wait_for(engine.start_connection_pool(), timeout=15)
        await engine._run_in_pool("SELECT 1")
    except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
        raise RuntimeError(f"Cannot connect to PostgreSQL at {redact_dsn(engine.dsn)}: {exc}") from exc
    try:
        yield
    finally:
        await engine.close_connection_pool()


def redact_dsn(dsn: str) -> str:
    """The address without its password, for logs and error messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(dsn)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)
