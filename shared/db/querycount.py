"""Counting the SQL statements a piece of work issues (list pages must not query once per row)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from shared.db.engine import add_query_observer, remove_query_observer


@dataclass
class QueryLog:
    statements: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.statements)


# Statements the driver sends on its own, not our code: asyncpg resets a connection when the pool
# takes it back, and looks up a type's codec the first time a connection meets that type.
_DRIVER_STATEMENTS = (
    "SELECT pg_advisory_unlock_all()",
    "SELECT current_setting('jit')",
    "SELECT set_config('jit'",
    "WITH RECURSIVE typeinfo_tree(",
)


@contextmanager
def count_queries() -> Iterator[QueryLog]:
    """Record every statement our code runs through the engine's pool while the block runs."""
    log = QueryLog()

    def record(statement: str) -> None:
        if not " ".join(statement.split()).startswith(_DRIVER_STATEMENTS):
            log.statements.append(statement)

    add_query_observer(record)
    try:
        yield log
    finally:
        remove_query_observer(record)
