"""Reading exports: a brand's past exports with their state and progress, the request form's choices, and the
statements a creator can download."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared.db.engine import get_engine
from shared.exports.rules import KIND_LABELS, STATE_LABELS, State, progress_percent

PAGE_SIZE = 50


@dataclass(frozen=True)
class ExportRow:
    id: int
    kind: str
    kind_label: str
    period_start: dt.date
    period_end: dt.date
    creator_name: str  # statements only, else ''
    state: str
    state_label: str
    requested_by_name: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    rows_written: int
    rows_total: int | None
    percent: int
    size_bytes: int
    filename: str

    @property
    def busy(self) -> bool:
        return self.state in (State.QUEUED, State.RUNNING)


@dataclass(frozen=True)
class ExportsPage:
    rows: list[ExportRow]
    older_than: int | None  # the `before` of the next (older) page, or None on the last


async def list_exports(brand_id: int, *, before_id: int | None = None, limit: int = PAGE_SIZE) -> ExportsPage:
    """The brand's exports, newest first, a page at a time (keyset on the id: `before_id` is the last row's id of
    the page before); one query."""
    rows = await get_engine().fetch(
        """
        SELECT x.id, x.kind, x.period_start, x.period_end, coalesce(c.display_name, '') AS creator_name, x.state,
               x.requested_by_name, x.created_at, x.finished_at, x.rows_written, x.rows_total, x.size_bytes,
               x.filename
        FROM export x LEFT JOIN creator c ON c.id = x.creator
        WHERE x.brand = $1 AND ($2::int IS NULL OR x.id < $2) ORDER BY x.id DESC LIMIT $3
        """,
        brand_id,
        before_id,
        limit + 1,
    )
    exports = [
        ExportRow(
            id=int(r["id"]),
            kind=r["kind"],
            kind_label=KIND_LABELS.get(r["kind"], r["kind"]),
            period_start=r["period_start"],
            period_end=r["period_end"],
            creator_name=r["creator_name"],
            state=r["state"],
            state_label=STATE_LABELS.get(r["state"], r["state"]),
            requested_by_name=r["requested_by_name"],
            created_at=r["created_at"],
            finished_at=r["finished_at"],
            rows_written=int(r["rows_written"]),
            rows_total=None if r["rows_total"] is None else int(r["rows_total"]),
            percent=100 if r["state"] == State.DONE else progress_percent(int(r["rows_written"]), r["rows_total"]),
            size_bytes=int(r["size_bytes"]),
            filename=r["filename"],
        )
        for r in rows[:limit]
    ]
    return ExportsPage(exports, exports[-1].id if len(rows) > limit else None)


async def list_statement_creators(brand_id: int) -> list[tuple[int, str]]:
    """Creators the brand has had payables with: whom a statement can be about (id, name)."""
    rows = await get_engine().fetch(
        "SELECT c.id, c.display_name FROM creator c WHERE EXISTS (SELECT 1 FROM payable p WHERE p.brand = $1 "
        "AND p.creator = c.id) ORDER BY lower(c.display_name), c.id",
        brand_id,
    )
    return [(int(r["id"]), r["display_name"]) for r in rows]


@dataclass(frozen=True)
class StatementChoice:
    brand_id: int
    brand_name: str
    year: int


async def list_statement_choices(creator_id: int) -> list[StatementChoice]:
    """The (brand, calendar year) pairs with money owed or paid to the creator: their downloadable statements."""
    rows = await get_engine().fetch(
        """
        SELECT DISTINCT a.brand, b.name, extract(year FROM j.created_at AT TIME ZONE 'UTC')::int AS year
        FROM ledger_account a JOIN brand b ON b.id = a.brand
        JOIN ledger_entry e ON e.account = a.id JOIN ledger_journal j ON j.id = e.journal
        WHERE a.kind = 'payable' AND a.creator = $1
        ORDER BY year DESC, b.name
        """,
        creator_id,
    )
    return [StatementChoice(int(r["brand"]), r["name"], int(r["year"])) for r in rows]
