"""Reading reconciliation: a period's summary and its last run, the months over time, the break list, a run's
progress. Typed rows; a fixed number of queries per page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shared.db.engine import get_engine
from shared.errors import NotFound
from shared.reconciliation.rules import (
    BREAKS,
    BREAKS_PER_PAGE,
    RESULT_LABELS,
    Result,
    SummaryCell,
    can_correct,
    close_refusal,
    period_label,
    period_slug,
)


@dataclass(frozen=True)
class RunView:
    id: int
    state: str  # queued | running | done | failed
    pages_read: int
    items_read: int
    changed: int
    error: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    requested_by: str  # '' for the daily job

    @property
    def live(self) -> bool:
        return self.state in ("queued", "running")


@dataclass(frozen=True)
class SummaryRow:
    result: str
    label: str
    is_break: bool
    currency: str
    count: int
    amount_minor: int


@dataclass(frozen=True)
class PeriodOverview:
    starts_on: dt.date
    label: str
    slug: str
    exists: bool
    state: str  # open | closed
    closed_at: dt.datetime | None
    closed_by: str
    run: RunView | None
    summary: list[SummaryRow]
    open_breaks: int
    close_refusal: str  # '' when finance may close it now


@dataclass(frozen=True)
class MonthPoint:
    slug: str
    label: str
    state: str
    matched: int
    breaks: int
    open_breaks: int


@dataclass(frozen=True)
class BreakRow:
    id: int
    kind: str
    result: str
    result_label: str
    stripe_id: str
    payable_id: int | None
    currency: str
    stripe_amount_minor: int | None
    our_amount_minor: int | None
    occurred_at: dt.datetime
    detail: str
    resolution: str  # open | noted | corrected
    note: str
    resolved_by: str
    resolved_at: dt.datetime | None
    journal_id: int | None
    correctable: bool  # a correcting journal exists for it (else a note explains it)


@dataclass(frozen=True)
class BreakPage:
    rows: list[BreakRow]
    next_cursor: int | None


def _run(row: dict[str, Any]) -> RunView:
    return RunView(
        id=int(row["id"]),
        state=row["state"],
        pages_read=int(row["pages_read"]),
        items_read=int(row["items_read"]),
        changed=int(row["changed"]),
        error=row["error"],
        created_at=row["created_at"],
        finished_at=row["finished_at"],
        requested_by=row["requested_by_name"] or "",
    )


_RUN_SELECT = """
    SELECT r.id, r.state, r.pages_read, r.items_read, r.changed, r.error, r.created_at, r.finished_at,
           s.name AS requested_by_name,
           (SELECT count(*) FROM reconciliation_run d WHERE d.period = r.period AND d.state = 'done') AS done
    FROM reconciliation_run r LEFT JOIN staff_user s ON s.id = r.requested_by
"""


async def get_period_overview(brand_id: int, starts_on: dt.date) -> PeriodOverview:
    """The month's state, its latest run, counts and amounts per class and currency, and whether it may close."""
    engine = get_engine()
    periods = await engine.fetch(
        """
        SELECT p.id, p.state, p.ends_on, p.closed_at, s.name AS closed_by
        FROM reconciliation_period p LEFT JOIN staff_user s ON s.id = p.closed_by
        WHERE p.brand = $1 AND p.starts_on = $2
        """,
        brand_id,
        starts_on,
    )
    today = dt.datetime.now(dt.UTC).date()
    if not periods:
        return PeriodOverview(starts_on, period_label(starts_on), period_slug(starts_on), False, "open", None, "",
                              None, [], 0, "Run reconciliation for this period first.")  # fmt: skip
    period = periods[0]
    period_id = int(period["id"])
    runs = await engine.fetch(
        _RUN_SELECT + " WHERE r.period = $1 ORDER BY r.id DESC LIMIT 1",
        period_id,
    )
    cells = await engine.fetch(
        """
        SELECT result, currency, count(*) AS n,
               coalesce(sum(coalesce(stripe_amount_minor, our_amount_minor)), 0)::bigint AS amount,
               count(*) FILTER (WHERE resolution = 'open') AS open
        FROM reconciliation_item WHERE period = $1 GROUP BY result, currency
        """,
        period_id,
    )
    order: dict[str, int] = {str(result): index for index, result in enumerate((Result.MATCHED, *BREAKS))}
    summary = sorted(
        (
            SummaryRow(
                c["result"],
                RESULT_LABELS.get(c["result"], c["result"]),
                c["result"] != Result.MATCHED,
                c["currency"],
                int(c["n"]),
                int(c["amount"]),
            )
            for c in cells
        ),
        key=lambda s: (order.get(s.result, 99), s.currency),
    )
    open_breaks = sum(int(c["open"]) for c in cells)
    run = _run(runs[0]) if runs else None
    refusal = close_refusal(
        state=period["state"],
        ends_on=period["ends_on"],
        today=today,
        runs_done=int(runs[0]["done"]) if runs else 0,
        open_breaks=open_breaks,
        running=bool(run and run.live),
    )
    return PeriodOverview(starts_on, period_label(starts_on), period_slug(starts_on), True, period["state"],
                          period["closed_at"], period["closed_by"] or "", run, summary, open_breaks,
                          refusal)  # fmt: skip


async def list_months(brand_id: int, *, limit: int = 12) -> list[MonthPoint]:
    """Matched items and breaks per reconciled month, oldest first (the chart and its table)."""
    rows = await get_engine().fetch(
        """
        SELECT * FROM (
            SELECT p.starts_on, p.state,
                   count(i.id) FILTER (WHERE i.result = 'matched') AS matched,
                   count(i.id) FILTER (WHERE i.result <> 'matched') AS breaks,
                   count(i.id) FILTER (WHERE i.resolution = 'open') AS open
            FROM reconciliation_period p LEFT JOIN reconciliation_item i ON i.period = p.id
            WHERE p.brand = $1 GROUP BY p.id ORDER BY p.starts_on DESC LIMIT $2
        ) x ORDER BY starts_on
        """,
        brand_id,
        limit,
    )
    return [
        MonthPoint(
            period_slug(r["starts_on"]),
            period_label(r["starts_on"]),
            r["state"],
            int(r["matched"]),
            int(r["breaks"]),
            int(r["open"]),
        )
        for r in rows
    ]


async def list_breaks(brand_id: int, starts_on: dt.date, *, cursor: int | None = None,
                      per_page: int = BREAKS_PER_PAGE) -> BreakPage:  # fmt: skip
    """A month's breaks, open ones first then newest first, a page at a time (keyset on (resolved, id))."""
    rows = await get_engine().fetch(
        """
        SELECT i.id, i.kind, i.result, i.stripe_id, i.payable, i.currency, i.stripe_amount_minor, i.our_amount_minor,
               i.occurred_at, i.detail, i.resolution, i.note, s.name AS resolved_by, i.resolved_at, i.journal
        FROM reconciliation_item i JOIN reconciliation_period p ON p.id = i.period
        LEFT JOIN staff_user s ON s.id = i.resolved_by
        WHERE p.brand = $1 AND p.starts_on = $2 AND i.result <> 'matched' AND ($3::int IS NULL OR i.id < $3)
        ORDER BY i.id DESC LIMIT $4
        """,
        brand_id,
        starts_on,
        cursor,
        per_page + 1,
    )
    items = [
        BreakRow(
            id=int(r["id"]),
            kind=r["kind"],
            result=r["result"],
            result_label=RESULT_LABELS.get(r["result"], ""),
            stripe_id=r["stripe_id"],
            payable_id=r["payable"],
            currency=r["currency"],
            stripe_amount_minor=r["stripe_amount_minor"],
            our_amount_minor=r["our_amount_minor"],
            occurred_at=r["occurred_at"],
            detail=r["detail"],
            resolution=r["resolution"],
            note=r["note"],
            resolved_by=r["resolved_by"] or "",
            resolved_at=r["resolved_at"],
            journal_id=r["journal"],
            correctable=can_correct(r["kind"], r["result"], r["payable"], r["stripe_amount_minor"]),
        )
        for r in rows[:per_page]
    ]
    return BreakPage(items, items[-1].id if len(rows) > per_page else None)


async def get_run(brand_id: int, run_id: int) -> RunView:
    rows = await get_engine().fetch(
        _RUN_SELECT + " WHERE r.id = $1 AND r.brand = $2",
        run_id,
        brand_id,
    )
    if not rows:
        raise NotFound("No such reconciliation run.")
    return _run(rows[0])


def summary_from_cells(cells: list[SummaryCell]) -> list[SummaryRow]:
    return [
        SummaryRow(
            c.result,
            RESULT_LABELS.get(c.result, c.result),
            c.result != Result.MATCHED,
            c.currency,
            c.count,
            c.amount_minor,
        )
        for c in cells
    ]


def months_chart(months: list[MonthPoint]) -> dict[str, Any]:
    """Matched items and breaks per month, stacked bars, as a Chart.js configuration (static/src/charts.js); the
    page shows the same numbers in a table."""
    return {
        "type": "bar",
        "data": {
            "labels": [m.label for m in months],
            "datasets": [
                {"label": "Matched", "data": [m.matched for m in months], "backgroundColor": "#2f7d4f"},
                {"label": "Breaks", "data": [m.breaks for m in months], "backgroundColor": "#b42318"},
            ],
        },
        "options": {
            "responsive": True,
            "maintainAspectRatio": False,
            "animation": False,
            "plugins": {"legend": {"display": False}},
            "scales": {"x": {"stacked": True}, "y": {"stacked": True, "beginAtZero": True, "ticks": {"precision": 0}}},
        },
    }
