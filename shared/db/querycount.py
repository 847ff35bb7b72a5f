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


@contextmanager
def count_queries() -> Iterator[QueryLog]:
    """Record every statement run through the engine's pool while the block runs."""
    log = QueryLog()
    add_query_observer(log.statements.append)
    try:
        yield log
    finally:
        remove_query_observer(log.statements.append)
