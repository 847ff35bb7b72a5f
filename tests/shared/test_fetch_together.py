"""Several reads in one statement (shared.db.together): each keeps its own parameters, order and rows."""

from __future__ import annotations

import datetime as dt

import httpx

from shared.db.querycount import count_queries
from shared.db.together import as_dates, as_datetimes, combine, fetch_together


def test_each_read_keeps_its_own_numbered_parameters() -> None:
    sql, args = combine(
        [("SELECT $1::int AS a, $2::text AS b", (1, "x")), ("SELECT $1::int + $10::int AS c", (2,) * 10)]
    )
    assert args == [1, "x", *(2,) * 10]
    assert "$1::int AS a, $2::text AS b" in sql
    assert "$3::int + $12::int AS c" in sql


async def test_rows_come_back_per_read_in_their_order_with_their_types(client: httpx.AsyncClient) -> None:
    """(The client runs the app, so the pool counting statements is open.)"""
    moment = dt.datetime(2026, 11, 29, 12, 30, 15, 123456, tzinfo=dt.UTC)
    with count_queries() as log:
        numbers, nothing, stamped = await fetch_together(
            [
                ("SELECT n, n * $2::bigint AS big FROM generate_series(1, $1::int) n ORDER BY n DESC", (5, 10**12)),
                ("SELECT 1 AS never WHERE $1::bool", (False,)),
                ("SELECT $1::timestamptz AS at, $2::date AS day, NULL::date AS none", (moment, moment.date())),
            ]
        )
    assert log.count == 1
    assert [row["n"] for row in numbers] == [5, 4, 3, 2, 1]  # ORDER BY kept
    assert numbers[0]["big"] == 5 * 10**12  # bigints stay exact integers
    assert nothing == []
    as_datetimes(stamped, "at")
    as_dates(stamped, "day", "none")
    assert stamped == [{"at": moment, "day": moment.date(), "none": None}]


async def test_no_reads_no_statement(client: httpx.AsyncClient) -> None:
    with count_queries() as log:
        assert await fetch_together([]) == []
    assert log.count == 0
