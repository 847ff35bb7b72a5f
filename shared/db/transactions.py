"""One transaction per action, with side effects deferred until it commits (Zulip's on_commit)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

from shared.db.engine import get_engine

AfterCommit = Callable[[], Awaitable[None]]

_after_commit: ContextVar[list[AfterCommit] | None] = ContextVar("rapport_after_commit", default=None)


@asynccontextmanager
async def atomic() -> AsyncIterator[None]:
    """Open a transaction (or join the one already open); run on_commit callbacks after the outermost commits."""
    if _after_commit.get() is not None:
        async with get_engine().transaction():
            yield
        return
    callbacks: list[AfterCommit] = []
    token = _after_commit.set(callbacks)
    try:
        async with get_engine().transaction():
            yield
    finally:
        _after_commit.reset(token)
    # Reached only when the transaction committed: an exception skips the side effects.
    for callback in callbacks:
        await callback()


def on_commit(callback: AfterCommit) -> None:
    """Run callback once the surrounding atomic() block has committed (emails, jobs, outside calls)."""
    callbacks = _after_commit.get()
    if callbacks is None:
        raise RuntimeError("on_commit() called outside atomic()")
    callbacks.append(callback)
