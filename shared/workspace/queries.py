"""Reads for the workspace: the home's blocks and spend chart (one statement, whatever the data size), the header
search (one query) and the messages inbox (one query)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from shared.collaborations.board import DONE_STATUSES, today_utc
from shared.content.review_rules import due_in_words, is_review_overdue
from shared.crm.queries import VISIBLE
from shared.dates import format_day
from shared.db.engine import get_engine
from shared.db.sql import escape_like
from shared.db.together import Read, as_dates, as_datetimes, fetch_together
from shared.identity.rules import Role
from shared.money import format_money, per_each
from shared.workspace.rules import (
    DUE_SOON_DAYS,
    HOME_LIST_SIZE,
    RIGHTS_SOON_DAYS,
    SEARCH_LIMIT,
    SEARCH_MIN_CHARS,
    Block,
    home_order,
    normalise_search,
)


@dataclass(frozen=True)
class HomeItem:
    """One thing to act on: what it is, how old or how late, and where to act."""

    title: str
    detail: str
    link: str
    when: dt.datetime | dt.date | None
    when_words: str
    urgent: bool  # overdue: shown in red and said in words


@dataclass(frozen=True)
class HomeBlock:
    key: Block
    heading: str
    count: int
    items: tuple[HomeItem, ...]
    more_link: str
    empty: str


@dataclass(frozen=True)
class SpendRow:
    campaign_id: int
    name: str
    status: str
    currency: str
    budget_minor: int
    committed_minor: int  # fees of agreed collaborations
    offered_minor: int  # fees on the table (invited or countered)
    approved_minor: int = 0  # payables approved and not paid out yet (approved, released, on their way, failed)
    paid_minor: int = 0  # payables paid out
    creators: int = 0  # creators with an agreed deal
    deliverables: int = 0  # deliverables the agreed deals owe

    @property
    def per_creator_minor(self) -> int | None:
        return per_each(self.committed_minor, self.creators)

    @property
    def per_deliverable_minor(self) -> int | None:
        return per_each(self.committed_minor, self.deliverables)

    @property
    def over_budget(self) -> bool:
        return self.budget_minor > 0 and self.committed_minor > self.budget_minor


@dataclass(frozen=True)
class Home:
    blocks: tuple[HomeBlock, ...]
    spend: tuple[SpendRow, ...]


def _days_words(due: dt.date, today: dt.date) -> str:
    days = (due - today).days
    if days < 0:
        return f"{-days} day{'s' if days != -1 else ''} overdue"
    if days == 0:
        return "due today"
    return f"due in {days} day{'s' if days != 1 else ''}"


_REVIEWS = """
SELECT d.id, d.submitted_at, d.review_due_at, dl.title, dl.kind, c.display_name AS creator_name,
       k.name AS campaign_name, count(*) OVER () AS total
FROM draft d
JOIN deliverable dl ON dl.id = d.deliverable AND dl.status = 'draft_submitted'
JOIN creator c ON c.id = d.creator
JOIN campaign k ON k.id = dl.campaign
WHERE d.brand = $1 AND d.submitted_at IS NOT NULL AND d.decision = '' AND d.upload_state = 'verified'
ORDER BY d.submitted_at, d.id
LIMIT $2
"""

_COUNTERS = """
SELECT co.id, co.updated_at, co.fee_minor, co.currency, c.display_name AS creator_name, k.name AS campaign_name,
       count(*) OVER () AS total
FROM collaboration co
JOIN creator c ON c.id = co.creator
JOIN campaign k ON k.id = co.campaign
WHERE co.brand = $1 AND co.status = 'countered'
ORDER BY co.updated_at, co.id
LIMIT $2
"""

_CONTRACTS = """
SELECT t.id, t.reference, t.signed_at, c.display_name AS creator_name, k.name AS campaign_name,
       count(*) OVER () AS total
FROM contract t
JOIN creator c ON c.id = t.creator
JOIN collaboration co ON co.id = t.collaboration
JOIN campaign k ON k.id = co.campaign
WHERE t.brand = $1 AND t.status = 'signed'
ORDER BY t.signed_at, t.id
LIMIT $2
"""

_PAYABLES = """
SELECT p.id, p.due_on, p.amount_minor, p.currency, p.milestone, c.display_name AS creator_name,
       k.name AS campaign_name, count(*) OVER () AS total
FROM payable p
JOIN creator c ON c.id = p.creator
JOIN campaign k ON k.id = p.campaign
WHERE p.brand = $1 AND p.status = 'pending_approval'
ORDER BY p.due_on, p.id
LIMIT $2
"""

# Content whose usage rights end within RIGHTS_SOON_DAYS: a standing grant (no later entry supersedes it)
# ending in the window, the soonest per deliverable.
_RIGHTS = """
SELECT x.*, count(*) OVER () AS total FROM (
    SELECT DISTINCT ON (e.deliverable) e.deliverable, e.ends_on, dl.title, dl.kind, dl.creator,
           c.display_name AS creator_name, k.name AS campaign_name
    FROM rights_entry e
    JOIN deliverable dl ON dl.id = e.deliverable
    JOIN creator c ON c.id = dl.creator
    JOIN campaign k ON k.id = dl.campaign
    WHERE e.brand = $1 AND e.kind IN ('grant', 'extend') AND e.ends_on BETWEEN $2 AND $3
      AND NOT EXISTS (SELECT 1 FROM rights_entry s WHERE s.supersedes = e.id)
    ORDER BY e.deliverable, e.ends_on
) x
ORDER BY x.ends_on, x.deliverable
LIMIT $4
"""

_DELIVERABLES = """
SELECT dl.id, dl.collaboration, dl.due_on, dl.status, dl.title, dl.kind, c.display_name AS creator_name,
       k.name AS campaign_name, count(*) OVER () AS total
FROM deliverable dl
JOIN collaboration co ON co.id = dl.collaboration AND co.status IN ('accepted', 'contracted', 'in_progress')
JOIN creator c ON c.id = dl.creator
JOIN campaign k ON k.id = dl.campaign
WHERE dl.brand = $1 AND dl.due_on IS NOT NULL AND dl.due_on <= $2 AND NOT (dl.status = ANY($3::varchar[]))
ORDER BY dl.due_on, dl.id
LIMIT $4
"""

_MESSAGES = """
SELECT u.collaboration, u.unread, u.oldest, c.display_name AS creator_name, k.name AS campaign_name,
       count(*) OVER () AS total
FROM (
    SELECT m.collaboration, count(*) AS unread, min(m.created_at) AS oldest
    FROM message m
    JOIN collaboration co ON co.id = m.collaboration
    LEFT JOIN thread_read t ON t.collaboration = m.collaboration AND t.reader_kind = 'staff' AND t.reader_id = $2
    WHERE co.brand = $1 AND m.author_kind = 'creator' AND m.id > COALESCE(t.last_read_message_id, 0)
    GROUP BY m.collaboration
) u
JOIN collaboration co ON co.id = u.collaboration
JOIN creator c ON c.id = co.creator
JOIN campaign k ON k.id = co.campaign
ORDER BY u.oldest, u.collaboration
LIMIT $3
"""

_SPEND = """
WITH k AS (
    SELECT id, name, status, currency, budget_minor, starts_on FROM campaign
    WHERE brand = $1 AND status IN ('active', 'completed', 'draft')
    ORDER BY (status = 'active') DESC, starts_on DESC NULLS LAST, id DESC
    LIMIT 12
)
SELECT k.id, k.name, k.status, k.currency, k.budget_minor,
       co.committed, co.offered, co.creators, dl.deliverables, pay.approved, pay.paid
FROM k
CROSS JOIN LATERAL (
    SELECT COALESCE(sum(c.fee_minor) FILTER (
               WHERE c.status IN ('accepted', 'contracted', 'in_progress', 'completed')), 0) AS committed,
           COALESCE(sum(c.fee_minor) FILTER (WHERE c.status IN ('invited', 'countered')), 0) AS offered,
           count(DISTINCT c.creator) FILTER (
               WHERE c.status IN ('accepted', 'contracted', 'in_progress', 'completed')) AS creators
    FROM collaboration c WHERE c.campaign = k.id AND c.currency = k.currency
) co
CROSS JOIN LATERAL (
    SELECT count(*) AS deliverables FROM deliverable d JOIN collaboration c ON c.id = d.collaboration
    WHERE d.campaign = k.id AND c.currency = k.currency
      AND c.status IN ('accepted', 'contracted', 'in_progress', 'completed')
) dl
CROSS JOIN LATERAL (
    SELECT COALESCE(sum(p.amount_minor) FILTER (
               WHERE p.status IN ('approved', 'released', 'waiting_funds', 'transfer_sent', 'failed')), 0) AS approved,
           COALESCE(sum(p.amount_minor) FILTER (WHERE p.status = 'paid_out'), 0) AS paid
    FROM payable p WHERE p.campaign = k.id AND p.currency = k.currency
) pay
ORDER BY (k.status = 'active') DESC, k.starts_on DESC NULLS LAST, k.id DESC
"""


def _total(records: Sequence[Mapping[str, Any]]) -> int:
    return int(records[0]["total"]) if records else 0


def _reviews_block(records: list[dict[str, Any]], slug: str, now: dt.datetime) -> HomeBlock:
    as_datetimes(records, "submitted_at", "review_due_at")
    items = tuple(
        HomeItem(
            title=f"{r['creator_name']}: {r['title'] or r['kind']}",
            detail=str(r["campaign_name"]),
            link=f"/backoffice/b/{slug}/reviews/{r['id']}",
            when=r["submitted_at"],
            when_words=due_in_words(r["review_due_at"], now) if r["review_due_at"] else "no promised turnaround",
            urgent=is_review_overdue(r["review_due_at"], now),
        )
        for r in records
    )
    return HomeBlock(
        "reviews", "Drafts waiting for review", _total(records), items, f"/backoffice/b/{slug}/reviews",
        "No drafts are waiting for review.",
    )  # fmt: skip


def _counters_block(records: list[dict[str, Any]], slug: str) -> HomeBlock:
    as_datetimes(records, "updated_at")
    items = tuple(
        HomeItem(
            title=f"{r['creator_name']} asks {format_money(int(r['fee_minor']), r['currency'])}",
            detail=str(r["campaign_name"]),
            link=f"/backoffice/b/{slug}/offers/{r['id']}",
            when=r["updated_at"],
            when_words="",
            urgent=False,
        )
        for r in records
    )
    return HomeBlock(
        "counters", "Counter-offers waiting for you", _total(records), items,
        "", "No counter-offers are waiting.",
    )  # fmt: skip


def _contracts_block(records: list[dict[str, Any]], slug: str) -> HomeBlock:
    as_datetimes(records, "signed_at")
    items = tuple(
        HomeItem(
            title=f"{r['creator_name']} signed {r['reference']}",
            detail=str(r["campaign_name"]),
            link=f"/backoffice/b/{slug}/contracts/{r['id']}",
            when=r["signed_at"],
            when_words="",
            urgent=False,
        )
        for r in records
    )
    return HomeBlock(
        "contracts", "Contracts to countersign", _total(records), items,
        f"/backoffice/b/{slug}/contracts?status=signed",
        "No contract is waiting for your countersignature.",
    )  # fmt: skip


def _payables_block(records: list[dict[str, Any]], slug: str, today: dt.date) -> HomeBlock:
    as_dates(records, "due_on")
    items = tuple(
        HomeItem(
            title=f"{r['creator_name']}: {format_money(int(r['amount_minor']), r['currency'])}",
            detail=f"{r['campaign_name']} · {str(r['milestone']).replace('_', ' ')}",
            link=f"/backoffice/b/{slug}/payouts/{r['id']}",
            when=r["due_on"],
            when_words=_days_words(r["due_on"], today),
            urgent=r["due_on"] < today,
        )
        for r in records
    )
    return HomeBlock(
        "payables", "Payables waiting for approval", _total(records), items,
        f"/backoffice/b/{slug}/payouts?status=pending_approval", "No payable is waiting for approval.",
    )  # fmt: skip


def _rights_block(records: list[dict[str, Any]], slug: str, today: dt.date) -> HomeBlock:
    as_dates(records, "ends_on")
    library = f"/backoffice/b/{slug}/library"
    items = tuple(
        HomeItem(
            title=f"{r['creator_name']}: {r['title'] or r['kind']}",
            detail=str(r["campaign_name"]),
            link=f"{library}?creator={r['creator']}&expiring={RIGHTS_SOON_DAYS}",
            when=r["ends_on"],
            when_words=f"rights end {format_day(r['ends_on'])}",
            urgent=(r["ends_on"] - today).days <= 7,
        )
        for r in records
    )
    return HomeBlock(
        "rights", f"Usage rights ending within {RIGHTS_SOON_DAYS} days", _total(records), items,
        f"{library}?expiring={RIGHTS_SOON_DAYS}", f"No usage rights end in the next {RIGHTS_SOON_DAYS} days.",
    )  # fmt: skip


def _deliverables_block(records: list[dict[str, Any]], slug: str, today: dt.date) -> HomeBlock:
    as_dates(records, "due_on")
    items = tuple(
        HomeItem(
            title=f"{r['creator_name']}: {r['title'] or r['kind']}",
            detail=f"{r['campaign_name']} · {str(r['status']).replace('_', ' ')}",
            link=f"/backoffice/b/{slug}/offers/{r['collaboration']}",
            when=r["due_on"],
            when_words=_days_words(r["due_on"], today),
            urgent=r["due_on"] < today,
        )
        for r in records
    )
    week_end = today + dt.timedelta(days=DUE_SOON_DAYS)
    more = f"/backoffice/b/{slug}/deliverables?to={week_end}"
    return HomeBlock(
        "deliverables", "Deliverables overdue or due this week", _total(records), items, more,
        "Nothing is overdue or due this week.",
    )  # fmt: skip


def _messages_block(records: list[dict[str, Any]], slug: str) -> HomeBlock:
    as_datetimes(records, "oldest")
    items = tuple(
        HomeItem(
            title=f"{r['creator_name']}: {r['unread']} unread",
            detail=str(r["campaign_name"]),
            link=f"/backoffice/b/{slug}/offers/{r['collaboration']}/messages",
            when=r["oldest"],
            when_words="",
            urgent=False,
        )
        for r in records
    )
    return HomeBlock(
        "messages", "Unread messages", _total(records), items, f"/backoffice/b/{slug}/messages",
        "No unread messages.",
    )  # fmt: skip


async def list_campaign_spend(brand_id: int) -> tuple[SpendRow, ...]:
    """Each campaign's budget against the fees agreed and on the table, the payables approved and paid, and what an
    agreed creator and deliverable cost, all in the campaign's currency (one query, whatever the data's size)."""
    return _spend_rows(await get_engine().fetch(_SPEND, brand_id))


def _spend_rows(records: list[dict[str, Any]]) -> tuple[SpendRow, ...]:
    return tuple(
        SpendRow(
            campaign_id=int(r["id"]),
            name=str(r["name"]),
            status=str(r["status"]),
            currency=str(r["currency"]),
            budget_minor=int(r["budget_minor"]),
            committed_minor=int(r["committed"]),
            offered_minor=int(r["offered"]),
            approved_minor=int(r["approved"]),
            paid_minor=int(r["paid"]),
            creators=int(r["creators"]),
            deliverables=int(r["deliverables"]),
        )
        for r in records
    )


async def get_home(
    brand_id: int, brand_slug: str, staff_id: int, role: Role, *, now: dt.datetime | None = None
) -> Home:
    """What needs this staff member now at this brand, in the order their role needs it, and the spend chart:
    every block's read and the chart's in one statement (shared.db.together), whatever the data size."""
    moment = now or dt.datetime.now(dt.UTC)
    today = moment.date() if now else today_utc()
    reads: dict[Block, Read] = {
        "reviews": (_REVIEWS, (brand_id, HOME_LIST_SIZE)),
        "counters": (_COUNTERS, (brand_id, HOME_LIST_SIZE)),
        "contracts": (_CONTRACTS, (brand_id, HOME_LIST_SIZE)),
        "payables": (_PAYABLES, (brand_id, HOME_LIST_SIZE)),
        "rights": (_RIGHTS, (brand_id, today, today + dt.timedelta(days=RIGHTS_SOON_DAYS), HOME_LIST_SIZE)),
        "deliverables": (
            _DELIVERABLES, (brand_id, today + dt.timedelta(days=DUE_SOON_DAYS), list(DONE_STATUSES), HOME_LIST_SIZE)
        ),
        "messages": (_MESSAGES, (brand_id, staff_id, HOME_LIST_SIZE)),
    }  # fmt: skip
    keys = [key for key in home_order(role) if key in reads]  # "spend" is the chart, below
    *rows, spend = await fetch_together([reads[key] for key in keys] + [(_SPEND, (brand_id,))])
    builders = {
        "reviews": lambda records: _reviews_block(records, brand_slug, moment),
        "counters": lambda records: _counters_block(records, brand_slug),
        "contracts": lambda records: _contracts_block(records, brand_slug),
        "payables": lambda records: _payables_block(records, brand_slug, today),
        "rights": lambda records: _rights_block(records, brand_slug, today),
        "deliverables": lambda records: _deliverables_block(records, brand_slug, today),
        "messages": lambda records: _messages_block(records, brand_slug),
    }
    blocks = tuple(builders[key](records) for key, records in zip(keys, rows, strict=True))
    return Home(blocks, _spend_rows(spend))


# --- header search ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    kind: str  # creator | campaign | offer
    label: str
    detail: str
    link: str


@dataclass(frozen=True)
class SearchResults:
    q: str
    creators: tuple[SearchResult, ...]
    campaigns: tuple[SearchResult, ...]
    offers: tuple[SearchResult, ...]

    @property
    def empty(self) -> bool:
        return not (self.creators or self.campaigns or self.offers)


# Creators the brand may see by name or handle (trigram-indexed search_text), campaigns by name, offers by
# their creator's name or handle: one statement, SEARCH_LIMIT of each.
_SEARCH = f"""
(SELECT 'creator' AS kind, c.id, c.display_name AS label, COALESCE(r.stage, '') AS detail, 0 AS extra,
        lower(c.display_name) AS sort
 FROM creator c LEFT JOIN relationship r ON r.creator = c.id AND r.brand = $1
 WHERE {VISIBLE} AND c.search_text LIKE $2
 ORDER BY lower(c.display_name), c.id LIMIT $3)
UNION ALL
(SELECT 'campaign', k.id, k.name, k.status, 0, lower(k.name)
 FROM campaign k WHERE k.brand = $1 AND lower(k.name) LIKE $2
 ORDER BY lower(k.name), k.id LIMIT $3)
UNION ALL
(SELECT 'offer', co.id, c.display_name, k.name || ' · ' || co.status, 0, lower(c.display_name)
 FROM collaboration co JOIN creator c ON c.id = co.creator JOIN campaign k ON k.id = co.campaign
 WHERE co.brand = $1 AND c.search_text LIKE $2 AND c.deleted_at IS NULL
 ORDER BY co.updated_at DESC, co.id DESC LIMIT $3)
"""  # noqa: S608 (VISIBLE is a constant; values are bound parameters)


async def search_brand(brand_id: int, brand_slug: str, q: str) -> SearchResults:
    """The header search: creators, campaigns and offers matching a fragment (one query; nothing under 2 characters)."""
    text = normalise_search(q)
    if len(text) < SEARCH_MIN_CHARS:
        return SearchResults(q, (), (), ())
    records = await get_engine().fetch(_SEARCH, brand_id, f"%{escape_like(text)}%", SEARCH_LIMIT)
    base = f"/backoffice/b/{brand_slug}"
    found: dict[str, list[SearchResult]] = {"creator": [], "campaign": [], "offer": []}
    for r in records:
        kind = str(r["kind"])
        path = {"creator": "creators", "campaign": "campaigns", "offer": "offers"}[kind]
        detail = str(r["detail"]).replace("_", " ")
        found[kind].append(SearchResult(kind, str(r["label"]), detail, f"{base}/{path}/{r['id']}"))
    return SearchResults(q, tuple(found["creator"]), tuple(found["campaign"]), tuple(found["offer"]))


# --- messages inbox --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    collaboration_id: int
    creator_name: str
    campaign_name: str
    last_at: dt.datetime
    last_author_kind: str
    last_body: str
    unread: int


INBOX_SIZE = 100

_INBOX = """
SELECT co.id, c.display_name AS creator_name, k.name AS campaign_name, last.created_at AS last_at,
       last.author_kind, last.body,
       (SELECT count(*) FROM message u WHERE u.collaboration = co.id AND u.author_kind = 'creator'
            AND u.id > COALESCE(t.last_read_message_id, 0)) AS unread
FROM collaboration co
JOIN LATERAL (SELECT m.created_at, m.author_kind, m.body FROM message m WHERE m.collaboration = co.id
              ORDER BY m.id DESC LIMIT 1) last ON true
JOIN creator c ON c.id = co.creator
JOIN campaign k ON k.id = co.campaign
LEFT JOIN thread_read t ON t.collaboration = co.id AND t.reader_kind = 'staff' AND t.reader_id = $2
WHERE co.brand = $1
ORDER BY last.created_at DESC, co.id DESC
LIMIT $3
"""


async def list_inbox(brand_id: int, staff_id: int) -> list[InboxRow]:
    """The brand's message threads, latest first, with this staff member's unread count (one query)."""
    records = await get_engine().fetch(_INBOX, brand_id, staff_id, INBOX_SIZE)
    return [
        InboxRow(
            collaboration_id=int(r["id"]),
            creator_name=str(r["creator_name"]),
            campaign_name=str(r["campaign_name"]),
            last_at=r["last_at"],
            last_author_kind=str(r["author_kind"]),
            last_body=str(r["body"])[:140],
            unread=int(r["unread"]),
        )
        for r in records
    ]
