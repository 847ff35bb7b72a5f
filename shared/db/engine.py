"""The Piccolo engine, its configuration at start-up, and the database address resolution."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections import deque
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import asyncpg
from asyncpg.pool import Pool
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction


class RequestConnection:
    """One pooled connection for everything a web request asks of the database, taken on first use.

    Without it every statement outside a transaction checked a connection out of the pool and back
    in, and asyncpg resets a connection (one more round trip) each time it goes back: a page of
    nine statements cost eighteen round trips. Now a request takes one connection when it first
    needs one (never, for a page that needs no data) and gives it back once, when the response has
    gone. Statements and transactions of the request run on it one at a time; anything that wants
    the database while it is busy (work run concurrently in the same request) falls back to the
    pool, as before. Once the request is over, tasks it started fall back to the pool too.
    """

    __slots__ = ("busy", "closed", "connection", "pool")

    def __init__(self, pool: Pool) -> None:
        self.pool = pool
        self.connection: Any = None
        self.busy = False
        self.closed = False

    async def take(self, pool: Pool | None) -> Any:
        """The request's connection, now reserved for the caller; None when it cannot be had."""
        if self.busy or self.closed or pool is not self.pool:
            return None
        self.busy = True
        if self.connection is not None and self._lost():
            # The server closed it while the request did something else (asyncpg has already handed it back
            # to the pool): the request's next statement gets a new one, or DatabaseUnavailable.
            connection, self.connection = self.connection, None
            await self._release(connection)
        if self.connection is None:
            try:
                self.connection = await _acquire(self.pool)
            except BaseException:
                self.busy = False
                raise
        return self.connection

    async def give_back(self) -> None:
        self.busy = False
        # Lost: the next statement gets a new one. Closed: the request ended while this statement (of a task it
        # started) still ran, so close() could not hand the connection back; it goes back now.
        if self.connection is not None and (self.closed or self._lost()):
            connection, self.connection = self.connection, None
            await self._release(connection)

    async def close(self) -> None:
        self.closed = True
        if self.connection is not None and not self.busy:
            connection, self.connection = self.connection, None
            await self._release(connection)

    def _lost(self) -> bool:
        return _gone(self.connection)

    async def _release(self, connection: Any) -> None:
        # Released by the pool already when the server closed it; or the server went away while the response was
        # sent, and the reset fails (the pool then terminates the connection itself): nothing for the request.
        with contextlib.suppress(*CONNECTION_GONE):
            await _release(self.pool, connection)


def _gone(connection: Any) -> bool:
    """The server closed this (pooled) connection."""
    try:
        return bool(connection.is_closed())
    except asyncpg.InterfaceError:  # the pool took it back already when the server closed it
        return True


class DatabaseUnavailable(ConnectionError):
    """No connection to PostgreSQL could be made (refused, its socket gone, a timeout)."""


class PoolCheckouts:
    """How many times a connection was taken from the pool in this process (tests/test_page_queries.py checks a
    page takes one, and a route without data none)."""

    count = 0


class FairGate:
    """At most `size` holders at once, let in strictly in the order they came.

    asyncpg's pool hands a returned connection to whoever asks next, not to whoever has waited longest: its
    queue wakes the first waiter, but a request that arrives before that waiter runs takes the connection, and
    the waiter goes to the back of the line. Under load (more requests than connections) a few requests waited
    seconds while most waited none: p99 2.0 to 3.6 s against p50 20 to 80 ms (bench/http_bench.py; with 40
    connections, so nobody waited, p99 was 83 ms). The gate admits as many as the pool has connections, so the
    pool never makes anyone wait, and a slot that frees goes straight to the longest waiting request.
    """

    def __init__(self, size: int) -> None:
        self.free = size
        self.waiting: deque[asyncio.Future[None]] = deque()

    async def enter(self) -> None:
        if self.free > 0 and not self.waiting:
            self.free -= 1
            return
        slot = asyncio.get_running_loop().create_future()
        self.waiting.append(slot)
        try:
            await slot
        except asyncio.CancelledError:
            if slot.done() and not slot.cancelled():
                self.leave()  # handed a slot just as it was cancelled: pass it on
            raise

    def leave(self) -> None:
        while self.waiting:
            slot = self.waiting.popleft()
            if not slot.done():  # cancelled waiters are skipped
                slot.set_result(None)
                return
        self.free += 1


# The gate of each running pool (asyncpg's Pool takes no attributes of ours), set when the engine opens it.
_gates: dict[int, tuple[Pool, FairGate]] = {}


def _gate(pool: Pool) -> FairGate | None:
    entry = _gates.get(id(pool))
    return entry[1] if entry is not None and entry[0] is pool else None


async def _acquire(pool: Pool) -> Any:
    """A pooled connection, in turn (FairGate); give it back with _release."""
    PoolCheckouts.count += 1
    gate = _gate(pool)
    if gate is not None:
        await gate.enter()
    try:
        return await pool.acquire()
    except BaseException as exc:
        if gate is not None:
            gate.leave()
        if isinstance(exc, OSError | TimeoutError):  # a Unix socket that is gone is a FileNotFoundError
            raise DatabaseUnavailable(f"{type(exc).__name__}: {exc}") from exc
        raise


async def _release(pool: Pool, connection: Any) -> None:
    try:
        await pool.release(connection)
    finally:
        gate = _gate(pool)
        if gate is not None:
            gate.leave()


_request_connection: ContextVar[RequestConnection | None] = ContextVar("rapport_request_connection", default=None)


@asynccontextmanager
async def request_connection(engine: RapportEngine) -> AsyncIterator[None]:
    """Run the block (a web request) on at most one pooled connection; see RequestConnection."""
    if engine.pool is None:
        yield
        return
    holder = RequestConnection(engine.pool)
    token = _request_connection.set(holder)
    try:
        yield
    finally:
        _request_connection.reset(token)
        await holder.close()


class RapportTransaction(PostgresTransaction):
    """Piccolo's transaction, on the request's connection when there is one free."""

    __slots__ = ("_holder", "_pooled")

    async def get_connection(self) -> Any:
        holder = _request_connection.get()
        self._holder = None
        self._pooled = None
        if holder is not None:
            connection = await holder.take(self.engine.pool)
            if connection is not None:
                self._holder = holder
                return connection
        if self.engine.pool is not None:
            self._pooled = self.engine.pool
            return await _acquire(self.engine.pool)
        return await super().get_connection()

    async def rollback(self) -> None:
        try:
            await super().rollback()
        except CONNECTION_GONE:
            if not _gone(self.connection):
                raise
            # The server ended the transaction with its connection: rolled back. Raising here instead would hide
            # the error that brought us here (the database went away) behind "the connection is closed".
            self._rolled_back = True

    async def __aexit__(self, exception_type: Any, exception: Any, traceback: Any) -> bool:
        if self._parent is None and exception is not None and is_database_unavailable(exception):
            await self.engine.forget_connections()  # type: ignore[attr-defined]
        if self._parent is None and self._pooled is not None:  # its own pooled connection: back in turn
            try:
                return await super().__aexit__(exception_type, exception, traceback)  # releases it to the pool
            finally:
                gate = _gate(self._pooled)
                if gate is not None:
                    gate.leave()
        if self._parent is not None or self._holder is None:
            return await super().__aexit__(exception_type, exception, traceback)
        # As PostgresTransaction.__aexit__, but the connection goes back to the request, not the pool.
        try:
            if exception:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            await self._holder.give_back()
            self.engine.current_transaction.reset(self.context)
        return exception is None


async def _keep_session_state(connection: asyncpg.Connection) -> None:
    """What the pool does to a connection it takes back, after asyncpg has rolled back any open transaction:
    nothing more. asyncpg's default runs `SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`,
    one more round trip per request (about 5 % of a light page's cost, bench/http_bench.py --profile), to undo
    session state our code never leaves behind: settings are changed only for a transaction (SET LOCAL,
    set_config(..., true)), no session advisory locks or notification listeners, no cursors outside a
    transaction (which ends them). tests/test_pool_reset.py holds that rule over the code."""


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
        options = {**self.pool_sizes, **kwargs}
        await super().start_connection_pool(init=self._watch_connection, reset=_keep_session_state, **options)
        if self.pool is not None:
            _gates[id(self.pool)] = (self.pool, FairGate(int(options.get("max_size", 10))))

    async def close_connection_pool(self) -> None:
        if self.pool is not None:
            _gates.pop(id(self.pool), None)
        await super().close_connection_pool()

    async def _watch_connection(self, connection: asyncpg.Connection) -> None:
        # Lets tests count the queries a page issues (see shared.db.querycount). asyncpg times and
        # logs every query of a connection that has a logger, so one is attached only while
        # someone is counting: never in a server.
        _connections.add(connection)
        if _query_observers:
            connection.add_query_logger(_notify_query_observers)

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return RapportTransaction(engine=self, allow_nested=allow_nested)

    async def _run_in_pool(self, query: str, args: Sequence[Any] | None = None) -> Any:
        holder = _request_connection.get()
        try:
            if holder is not None:
                connection = await holder.take(self.pool)
                if connection is not None:
                    try:
                        return await connection.fetch(query, *(args or ()))
                    finally:
                        await holder.give_back()
            if self.pool is None:
                raise ValueError("A pool isn't currently running.")
            pool = self.pool
            connection = await _acquire(pool)
            try:
                return await connection.fetch(query, *(args or ()))
            finally:
                await _release(pool, connection)
        except DATABASE_UNAVAILABLE:
            await self.forget_connections()
            raise

    async def forget_connections(self) -> None:
        """After a lost connection, the pool's other idle ones are most likely dead too (the server restarted):
        each is replaced with a new one when next taken, so one failed request, not one per connection, is
        what the outage costs once the database is back."""
        if self.pool is not None:
            await self.pool.expire_connections()

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
_connections: weakref.WeakSet[asyncpg.Connection] = weakref.WeakSet()


def _notify_query_observers(record: Any) -> None:
    for observer in _query_observers:
        observer(record.query)


def add_query_observer(observer: QueryObserver) -> None:
    if not _query_observers:
        for connection in list(_connections):
            if not connection.is_closed():
                connection.add_query_logger(_notify_query_observers)
    _query_observers.append(observer)


def remove_query_observer(observer: QueryObserver) -> None:
    _query_observers.remove(observer)
    if not _query_observers:
        for connection in list(_connections):
            connection.remove_query_logger(_notify_query_observers)


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


# The database cannot be reached or went away mid-request (restarted, failed over, the network): the request
# is refused with a 503 and the pool replaces the connection, so the app recovers by itself when it is back.
DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused or reset while connecting
    asyncpg.exceptions.PostgresConnectionError,  # includes ConnectionDoesNotExistError (lost mid-query)
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    # What asyncpg raises when a pooled connection whose server process was terminated while it was idle is
    # used again (seen in tests/test_database_outage.py: "cannot switch to state 12; another operation").
    asyncpg.exceptions.InternalClientError,
)


# What a statement on a connection the server has closed raises: the above, or asyncpg's "connection is closed" /
# "released back to the pool" once asyncpg has noticed.
CONNECTION_GONE: tuple[type[BaseException], ...] = (asyncpg.InterfaceError, *DATABASE_UNAVAILABLE)


def is_database_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, asyncpg.InterfaceError):
        # asyncpg noticed the server closed the connection before the statement was sent (its pool has taken the
        # connection back): it says so only in the message.
        return "connection is closed" in str(exc) or "released back to the pool" in str(exc)
    return isinstance(exc, DATABASE_UNAVAILABLE)


def redact_dsn(dsn: str) -> str:
    """The address without its password, for logs and error messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(dsn)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        parts = parts._replace(netloc=netloc)
    return urlunsplit(parts)
