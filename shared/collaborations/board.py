"""The deliverables board: what is due when, for a brand (list and calendar) and for a creator.

Ordered by due date (no date last), then id, keyset-paginated on that pair so a page costs the same
whether it is the first or the ten-thousandth. The SQL is shaped for the board indexes
(deliverable_board (brand, due_on, id), deliverable_board_status (brand, status, due_on, id),
deliverable_creator_due (creator, due_on, id)): every branch is `scope = $1 … ORDER BY due_on, id
LIMIT n`, which the planner answers by walking the index and stopping after n rows.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from shared.campaigns.rules import KIND_LABELS, PLATFORMS, platform_label
from shared.db.engine import get_engine
from shared.db.sql import SqlArgs, escape_like
from shared.db.together import as_dates, fetch_together
from shared.errors import InvalidInput

# --- deliverable statuses, in words -----------------------------------------------------------

DELIVERABLE_STATUSES = ("pending", "draft_submitted", "changes_requested", "approved", "live", "verified")
# Once live (or verified) nothing is due any more: these never count as overdue.
DONE_STATUSES = ("live", "verified")

STATUS_LABELS = {
    "pending": "Waiting for the draft",
    "draft_submitted": "Draft to review",
    "changes_requested": "Changes requested",
    "approved": "Approved, to go live",
    "live": "Live",
    "verified": "Verified",
}
# The same statuses addressed to the creator: what it means for them.
CREATOR_STATUS_LABELS = {
    "pending": "Draft to send",
    "draft_submitted": "Draft sent, the brand is reviewing",
    "changes_requested": "Changes asked: send a new draft",
    "approved": "Approved: publish it",
    "live": "Live",
    "verified": "Done and verified",
}

PAGE_SIZE = 50
PAGE_SIZE_MAX = 200
CALENDAR_PER_DAY = 5  # deliverables shown in a calendar day; "more" links to the list for that day
# A creator search matching at most this many creators reads each one's deliverables through
# deliverable_creator_due; a broader one walks the board index and checks the creator per row.
FEW_CREATORS = 1000


def is_overdue(due_on: dt.date | None, status: str, today: dt.date) -> bool:
    """Overdue: its next date has passed and it is not live yet."""
    return due_on is not None and due_on < today and status not in DONE_STATUSES


def today_utc() -> dt.date:
    """The date deadlines are judged by (due dates are calendar dates; the day turns at UTC midnight)."""
    return dt.datetime.now(dt.UTC).date()


# --- filters --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardFilters:
    """What the board shows; every field optional. Parsed from the query string by parse_board_filters."""

    campaign_id: int | None = None
    status: str | None = None  # one of DELIVERABLE_STATUSES
    platform: str | None = None  # one of shared.campaigns.rules.PLATFORMS
    creator: str = ""  # a fragment of the creator's name or handle
    overdue_only: bool = False
    due_from: dt.date | None = None
    due_to: dt.date | None = None

    @property
    def excludes_undated(self) -> bool:
        """True when no deliverable without a due date can match (so the board skips looking for them)."""
        return self.overdue_only or self.due_from is not None or self.due_to is not None

    @property
    def active(self) -> bool:
        return self != BoardFilters()

    def to_query(self) -> dict[str, str]:
        """The query-string fields that reproduce these filters (links keep them across pages)."""
        query: dict[str, str] = {}
        if self.campaign_id is not None:
            query["campaign"] = str(self.campaign_id)
        if self.status:
            query["status"] = self.status
        if self.platform:
            query["platform"] = self.platform
        if self.creator:
            query["creator"] = self.creator
        if self.overdue_only:
            query["overdue"] = "1"
        if self.due_from:
            query["from"] = self.due_from.isoformat()
        if self.due_to:
            query["to"] = self.due_to.isoformat()
        return query


CREATOR_TEXT_MAX = 100


def parse_board_filters(query: Mapping[str, str]) -> tuple[BoardFilters, dict[str, str]]:
    """Filters from a query string (campaign, status, platform, creator, overdue, from, to) and field errors.

    A field with an error is left out of the filters, so the page still shows something sensible.
    """
    errors: dict[str, str] = {}
    campaign_id: int | None = None
    raw = query.get("campaign", "").strip()
    if raw:
        if raw.isdigit() and 0 < int(raw) < 2**31:
            campaign_id = int(raw)
        else:
            errors["campaign"] = "Choose a campaign from the list."
    status: str | None = query.get("status", "").strip() or None
    if status is not None and status not in DELIVERABLE_STATUSES:
        errors["status"] = "Choose a status from the list."
        status = None
    platform: str | None = query.get("platform", "").strip() or None
    if platform is not None and platform not in PLATFORMS:
        errors["platform"] = "Choose a platform from the list."
        platform = None
    creator = " ".join(query.get("creator", "").split()).lower().lstrip("@")
    if len(creator) > CREATOR_TEXT_MAX:
        errors["creator"] = f"Search with fewer than {CREATOR_TEXT_MAX} characters."
        creator = ""
    overdue = query.get("overdue", "").strip().lower()
    if overdue not in ("", "0", "1", "on", "true", "false"):
        errors["overdue"] = "Tick the box to see only overdue deliverables."
    overdue_only = overdue in ("1", "on", "true")
    dates: dict[str, dt.date | None] = {}
    for key in ("from", "to"):
        text = query.get(key, "").strip()
        dates[key] = None
        if text:
            try:
                dates[key] = dt.date.fromisoformat(text)
            except ValueError:
                errors[key] = "Enter a date like 2026-12-31."
    if dates["from"] and dates["to"] and dates["from"] > dates["to"]:
        errors["to"] = "The end date is before the start date; swap them."
        dates["to"] = None
    filters = BoardFilters(
        campaign_id=campaign_id,
        status=status,
        platform=platform,
        creator=creator,
        overdue_only=overdue_only,
        due_from=dates["from"],
        due_to=dates["to"],
    )
    return filters, errors


# --- cursor ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardCursor:
    """The last row of a page: (due_on, id). Written as '2026-12-01.123', or 'none.123' without a date."""

    due_on: dt.date | None
    id: int

    def encode(self) -> str:
        return f"{self.due_on.isoformat() if self.due_on else 'none'}.{self.id}"

    @classmethod
    def decode(cls, text: str) -> BoardCursor:
        """The cursor from a 'Next' link; InvalidInput when it was tampered with."""
        day, _, ident = text.strip().partition(".")
        try:
            due_on = None if day == "none" else dt.date.fromisoformat(day)
            number = int(ident)
        except ValueError:
            raise InvalidInput({"after": "That page link is broken; start again from the first page."}) from None
        if not 0 < number < 2**31:
            raise InvalidInput({"after": "That page link is broken; start again from the first page."})
        return cls(due_on, number)


# --- rows -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoardRow:
    id: int
    collaboration_id: int
    brand_id: int
    brand_name: str
    brand_slug: str
    campaign_id: int
    campaign_name: str
    creator_id: int
    creator_name: str
    kind: str
    platform: str
    title: str
    status: str
    due_on: dt.date | None
    draft_due: dt.date | None
    live_due: dt.date | None
    overdue: bool

    @property
    def label(self) -> str:
        return f"{KIND_LABELS.get(self.kind, self.kind)} on {platform_label(self.platform)}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def creator_status_label(self) -> str:
        return CREATOR_STATUS_LABELS.get(self.status, self.status)

    @property
    def staff_link(self) -> str:
        return f"/backoffice/b/{self.brand_slug}/offers/{self.collaboration_id}"

    @property
    def creator_link(self) -> str:
        return f"/offers/{self.collaboration_id}"


@dataclass(frozen=True)
class BoardPage:
    rows: list[BoardRow]
    next_after: str | None  # the cursor of the next page (BoardCursor.encode()), None on the last page
    campaigns: list[dict[str, Any]] = field(default_factory=list)  # the campaign filter's, when asked for


_COLUMNS = (
    "d.id, d.collaboration, d.brand, d.campaign, d.creator, d.kind, d.platform, d.title, d.status, "
    "d.due_on, d.draft_due, d.live_due"
)

# Names are joined after the page is cut, so the joins cost `limit` primary-key lookups.
_PAGE = """
SELECT p.*, b.name AS brand_name, b.slug AS brand_slug, k.name AS campaign_name, c.display_name AS creator_name
FROM ({branches}) p
JOIN brand b ON b.id = p.brand
JOIN campaign k ON k.id = p.campaign
JOIN creator c ON c.id = p.creator
ORDER BY p.due_on, p.id
LIMIT {limit}
"""


def _conditions(filters: BoardFilters, args: SqlArgs, today: dt.date, creator_ids: list[int] | None) -> list[str]:
    where: list[str] = []
    if filters.campaign_id is not None:
        where.append(f"d.campaign = {args(filters.campaign_id)}")
    if filters.status:
        where.append(f"d.status = {args(filters.status)}")
    if filters.platform:
        where.append(f"d.platform = {args(filters.platform)}")
    if creator_ids is not None:
        where.append(f"d.creator = ANY({args(creator_ids)}::int[])")
    elif filters.creator:
        # search_text is the lower-cased name and handles, trigram-indexed (shared.creators.projection).
        pattern = args("%" + escape_like(filters.creator) + "%")
        where.append(f"d.creator IN (SELECT x.id FROM creator x WHERE x.search_text LIKE {pattern})")  # noqa: S608
    if filters.overdue_only:
        where.append(f"d.due_on < {args(today)} AND d.status NOT IN ('live', 'verified')")
    if filters.due_from:
        where.append(f"d.due_on >= {args(filters.due_from)}")
    if filters.due_to:
        where.append(f"d.due_on <= {args(filters.due_to)}")
    return where


def _row(record: Mapping[str, Any], today: dt.date) -> BoardRow:
    return BoardRow(
        id=int(record["id"]),
        collaboration_id=int(record["collaboration"]),
        brand_id=int(record["brand"]),
        brand_name=record["brand_name"],
        brand_slug=record["brand_slug"],
        campaign_id=int(record["campaign"]),
        campaign_name=record["campaign_name"],
        creator_id=int(record["creator"]),
        creator_name=record["creator_name"],
        kind=record["kind"],
        platform=record["platform"],
        title=record["title"],
        status=record["status"],
        due_on=record["due_on"],
        draft_due=record["draft_due"],
        live_due=record["live_due"],
        overdue=is_overdue(record["due_on"], record["status"], today),
    )


async def _matching_creators(filters: BoardFilters) -> list[int] | None:
    """The creators a creator search names, when it names few (see FEW_CREATORS); None otherwise."""
    if not filters.creator:
        return None
    rows = await get_engine().fetch(
        # MATERIALIZED keeps the LIMIT from tempting the planner into a sequential scan: the trigram
        # index answers a rare fragment in a few ms where scanning 100k creators for it takes 30+.
        "WITH m AS MATERIALIZED (SELECT id FROM creator WHERE search_text LIKE $1) SELECT id FROM m LIMIT $2",
        "%" + escape_like(filters.creator) + "%",
        FEW_CREATORS + 1,
    )
    return [int(row["id"]) for row in rows] if len(rows) <= FEW_CREATORS else None


async def _page(
    scope: Literal["brand", "creator"],
    scope_id: int,
    filters: BoardFilters,
    *,
    after: str | None,
    limit: int,
    today: dt.date | None,
    with_campaigns: bool = False,
) -> BoardPage:
    today = today or today_utc()
    limit = max(1, min(limit, PAGE_SIZE_MAX))
    cursor = BoardCursor.decode(after) if after else None
    # A search for a creator costs one query more: knowing how many creators match picks the index.
    creator_ids = await _matching_creators(filters)
    if creator_ids == []:
        return BoardPage([], None, await list_board_campaigns(scope_id) if with_campaigns else [])
    args = SqlArgs(scope_id)
    common = [f"d.{scope} = $1", *_conditions(filters, args, today, creator_ids)]
    n = args(limit + 1)
    ids = args(creator_ids) if creator_ids is not None else None

    def branch(*extra: str) -> str:
        where = " AND ".join([*common, *extra])
        if ids is None:
            return f"(SELECT {_COLUMNS} FROM deliverable d WHERE {where} ORDER BY d.due_on, d.id LIMIT {n})"  # noqa: S608 (only $n placeholders are interpolated)
        # Few creators: read each one's next rows from deliverable_creator_due, then merge them.
        return (
            f"(SELECT x.* FROM unnest({ids}::int[]) AS m(id) CROSS JOIN LATERAL "  # noqa: S608 (only $n placeholders)
            f"(SELECT {_COLUMNS} FROM deliverable d WHERE d.creator = m.id AND {where} "
            f"ORDER BY d.due_on, d.id LIMIT {n}) x ORDER BY x.due_on, x.id LIMIT {n})"
        )

    if cursor is None:
        # The index order is already (due_on ASC NULLS LAST, id): one walk covers dated and undated rows.
        branches = [branch()]
    elif cursor.due_on is None:
        branches = [branch("d.due_on IS NULL", f"d.id > {args(cursor.id)}")]
    else:
        # A row comparison skips undated rows (NULL compares as unknown), so they get their own branch;
        # an OR of the two would lose the index order and sort every matching row instead.
        branches = [branch(f"(d.due_on, d.id) > ({args(cursor.due_on)}, {args(cursor.id)})")]
        if not filters.excludes_undated:
            branches.append(branch("d.due_on IS NULL"))
    sql = _PAGE.format(branches=" UNION ALL ".join(branches), limit=n)
    if not with_campaigns:
        records = await get_engine().fetch(sql, *args.values)
        campaigns = []
    else:
        # The page and the campaign filter's choices in one statement: rows come back as JSON, dates as text.
        records, campaigns = await fetch_together([(sql, args.values), (_CAMPAIGN_CHOICES, [scope_id])])
        as_dates(records, "due_on", "draft_due", "live_due")
    rows = [_row(record, today) for record in records[:limit]]
    next_after = BoardCursor(rows[-1].due_on, rows[-1].id).encode() if len(records) > limit else None
    return BoardPage(rows, next_after, campaigns)


async def list_board(
    brand_id: int,
    filters: BoardFilters,
    *,
    after: str | None = None,
    limit: int = PAGE_SIZE,
    today: dt.date | None = None,
    with_campaigns: bool = False,
) -> BoardPage:
    """A brand's deliverables by due date (undated last), filtered, keyset-paginated; with `with_campaigns`, the
    campaign filter's choices too.

    One query per page (two with a creator search), whatever the page size.
    """
    return await _page("brand", brand_id, filters, after=after, limit=limit, today=today, with_campaigns=with_campaigns)


async def list_creator_board(
    creator_id: int,
    *,
    filters: BoardFilters | None = None,
    after: str | None = None,
    limit: int = PAGE_SIZE,
    today: dt.date | None = None,
) -> BoardPage:
    """A creator's own deliverables across every brand, by due date; one query per page."""
    return await _page("creator", creator_id, filters or BoardFilters(), after=after, limit=limit, today=today)


# The brand's campaigns for the board's campaign filter, newest first (archived ones too: their work stays).
_CAMPAIGN_CHOICES = "SELECT id, name, status FROM campaign WHERE brand = $1 ORDER BY id DESC LIMIT 500"


async def list_board_campaigns(brand_id: int) -> list[dict[str, Any]]:
    """The board's campaign filter's choices (the calendar's; the list has them with its page)."""
    return await get_engine().fetch(_CAMPAIGN_CHOICES, brand_id)


# --- calendar -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    in_month: bool
    is_today: bool
    rows: list[BoardRow] = field(default_factory=list)
    more: bool = False  # more than CALENDAR_PER_DAY due that day: the list for the day shows them all

    @property
    def overdue_count(self) -> int:
        return sum(1 for row in self.rows if row.overdue)


@dataclass(frozen=True)
class BoardCalendar:
    month: dt.date  # the first day of the month shown
    weeks: list[list[CalendarDay]]  # Monday to Sunday, including the neighbouring months' days

    @property
    def days_with_work(self) -> list[CalendarDay]:
        """The month's days that have deliverables, in order (the phone layout lists only these)."""
        return [day for week in self.weeks for day in week if day.in_month and day.rows]

    @property
    def previous_month(self) -> dt.date:
        return (self.month - dt.timedelta(days=1)).replace(day=1)

    @property
    def next_month(self) -> dt.date:
        return add_months(self.month, 1)

    @property
    def title(self) -> str:
        return self.month.strftime("%B %Y")


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(text: str, today: dt.date) -> tuple[dt.date, str | None]:
    """'2026-12' -> 1 Dec 2026; '' -> this month; a bad value -> this month and a message."""
    text = text.strip()
    if not text:
        return today.replace(day=1), None
    try:
        year, month = text.split("-")
        return dt.date(int(year), int(month), 1), None
    except ValueError:
        return today.replace(day=1), "Enter a month like 2026-12."


def month_grid(
    month: dt.date, rows: list[BoardRow], today: dt.date, *, per_day: int = CALENDAR_PER_DAY
) -> list[list[CalendarDay]]:
    """The weeks (Monday first) covering `month`, each day holding up to `per_day` rows due that day."""
    by_day: dict[dt.date, list[BoardRow]] = {}
    for row in rows:
        if row.due_on is not None:
            by_day.setdefault(row.due_on, []).append(row)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    return [
        [
            CalendarDay(
                day,
                day.month == month.month,
                day == today,
                by_day.get(day, [])[:per_day],
                more=len(by_day.get(day, [])) > per_day,
            )
            for day in week
        ]
        for week in weeks
    ]


async def list_board_calendar(
    brand_id: int, month: dt.date, filters: BoardFilters, *, today: dt.date | None = None
) -> BoardCalendar:
    """A brand's deliverables due in one month, by day (the first few of each day); one query."""
    today = today or today_utc()
    first = month.replace(day=1)
    creator_ids = await _matching_creators(filters)
    args = SqlArgs(brand_id)
    where = " AND ".join(["d.brand = $1", *_conditions(filters, args, today, creator_ids)])
    last = add_months(first, 1) - dt.timedelta(days=1)
    days = f"generate_series({args(first)}::date, {args(last)}::date, interval '1 day')"
    per_day = args(CALENDAR_PER_DAY + 1)
    # One short walk of deliverable_board per day, however busy the month: each stops after a few rows.
    branch = (
        f"SELECT x.* FROM {days} AS g(day) CROSS JOIN LATERAL "  # noqa: S608 (only $n placeholders)
        f"(SELECT {_COLUMNS} FROM deliverable d WHERE {where} AND d.due_on = g.day::date "
        f"ORDER BY d.id LIMIT {per_day}) x"
    )
    # Go-live dates too (a deliverable still drafting has its draft date as due_on): one brand-wide walk
    # of the month, each row standing on its go-live day, unless due_on already puts it there.
    live = (
        f"SELECT x.* FROM (SELECT {_COLUMNS} FROM deliverable d WHERE {where} "  # noqa: S608 (only $n placeholders)
        f"AND d.live_due BETWEEN {args(first)}::date AND {args(last)}::date "
        "AND d.live_due IS DISTINCT FROM d.due_on "
        f"ORDER BY d.live_due, d.id LIMIT {args(31 * (CALENDAR_PER_DAY + 1))}) x"
    )
    branches = f"SELECT *, false AS go_live FROM ({branch}) a UNION ALL SELECT *, true AS go_live FROM ({live}) b"  # noqa: S608 (only $n placeholders)
    records = await get_engine().fetch(
        _PAGE.format(branches=branches, limit=args(2 * 31 * (CALENDAR_PER_DAY + 1))), *args.values
    )
    rows = [_calendar_row(record, today) for record in records]
    return BoardCalendar(first, month_grid(first, rows, today))


def _calendar_row(record: Mapping[str, Any], today: dt.date) -> BoardRow:
    """A calendar entry: its due_on is the day it stands on (its go-live day for a go-live entry)."""
    row = _row(record, today)
    if record["go_live"]:
        return replace(row, due_on=row.live_due, overdue=is_overdue(row.live_due, row.status, today))
    return row


async def first_calendar_month(
    brand_id: int, filters: BoardFilters | None = None, today: dt.date | None = None
) -> dt.date:
    """The month the calendar opens on: this one if anything is due in it, else the month of the next
    date (draft or go-live) still ahead among the deliverables the filters keep; this month when nothing
    is ahead at all."""
    today = today or today_utc()
    this_month = today.replace(day=1)
    filters = filters or BoardFilters()
    creator_ids = await _matching_creators(filters)
    args = SqlArgs(brand_id)
    where = " AND ".join(["d.brand = $1", *_conditions(filters, args, today, creator_ids)])
    start = args(this_month)
    rows = await get_engine().fetch(
        f"SELECT least((SELECT min(d.due_on) FROM deliverable d WHERE {where} AND d.due_on >= {start}), "  # noqa: S608 (only $n placeholders)
        f"(SELECT min(d.live_due) FROM deliverable d WHERE {where} AND d.live_due >= {start})) AS next_day",
        *args.values,
    )
    next_day = rows[0]["next_day"] if rows else None
    return next_day.replace(day=1) if next_day else this_month
