"""Several independent reads in one statement: one round trip instead of one per read.

A page's own reads (the brand home's blocks, say) each cost a round trip to PostgreSQL: the driver's work,
a system call and a wake-up on both sides, about 0.3 ms of a saturated app's time per statement on this
machine (docs/performance.md). Here each read becomes a sub-select of one SELECT whose rows come back as
one JSON array per read; each read keeps its own $1..$n, renumbered after the previous reads' parameters.

Rows come back as JSON values: numbers, strings, booleans and null as they are, timestamps and dates as ISO
text. `as_datetimes` / `as_dates` turn the named columns back into Python values. A read's ORDER BY is kept
by the aggregate (PostgreSQL aggregates a sorted sub-select's rows in its order).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from shared.db.engine import get_engine

# $n placeholders. The reads given here use no dollar-quoted strings and no '$' inside literals.
_PLACEHOLDER = re.compile(r"\$(\d+)")

Read = tuple[str, Sequence[object]]


def combine(reads: Sequence[Read]) -> tuple[str, list[object]]:
    """The one statement for these reads, and its parameters."""
    columns: list[str] = []
    args: list[object] = []
    for index, (sql, params) in enumerate(reads):
        numbered = _renumber(sql, len(args))
        columns.append(f"(SELECT COALESCE(json_agg(r), '[]') FROM ({numbered}) r) AS read_{index}")  # noqa: S608 (our reads; values are bound)
        args.extend(params)
    return "SELECT " + ",\n       ".join(columns), args


def _renumber(sql: str, offset: int) -> str:
    return _PLACEHOLDER.sub(lambda match: f"${int(match.group(1)) + offset}", sql)


async def fetch_together(reads: Sequence[Read]) -> list[list[dict[str, Any]]]:
    """Each read's rows (as dicts, JSON-typed), in the order given; one statement."""
    if not reads:
        return []
    sql, args = combine(reads)
    [row] = await get_engine().fetch(sql, *args)
    return [json.loads(row[f"read_{index}"]) for index in range(len(reads))]


def as_datetimes(rows: Iterable[dict[str, Any]], *names: str) -> None:
    """Turn these columns' ISO text back into aware datetimes, in place (None stays None)."""
    for row in rows:
        for name in names:
            if row[name] is not None:
                row[name] = dt.datetime.fromisoformat(row[name])


def as_dates(rows: Iterable[dict[str, Any]], *names: str) -> None:
    """Turn these columns' ISO text back into dates, in place (None stays None)."""
    for row in rows:
        for name in names:
            if row[name] is not None:
                row[name] = dt.date.fromisoformat(row[name])
