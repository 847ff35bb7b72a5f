"""Reading threads and unread counts. A thread belongs to one collaboration: its brand's staff and its creator
read it; anyone else gets NotFound, exactly as if it did not exist."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shared.collaborations.actions import BrandSide, CreatorSide
from shared.db.engine import get_engine
from shared.db.together import as_datetimes, fetch_together
from shared.errors import NotFound
from shared.messaging.rules import THREAD_PAGE_SIZE, ReaderKind, can_write_messages, other_side


@dataclass(frozen=True)
class Reader:
    """Who reads a thread: the kind and id their read marker is kept under."""

    kind: ReaderKind
    id: int


def reader_of(side: BrandSide | CreatorSide) -> Reader:
    return Reader("staff", side.staff.id) if isinstance(side, BrandSide) else Reader("creator", side.creator_id)


@dataclass(frozen=True)
class Message:
    id: int
    author_kind: ReaderKind
    author_label: str
    body: str
    created_at: dt.datetime
    mine: bool  # written by this reader's side
    new: bool  # from the other side, after the reader's marker when the page was opened


@dataclass(frozen=True)
class Thread:
    """One page of a collaboration's thread as one reader sees it, oldest message first."""

    collaboration_id: int
    brand_id: int
    brand_slug: str
    brand_name: str
    campaign_name: str
    creator_id: int
    creator_name: str
    status: str
    reader_kind: ReaderKind
    can_write: bool
    messages: list[Message]
    older_than: int | None  # pass as `before` for the previous page; None when this page reaches the start
    unread: int  # the other side's messages after the reader's marker (before this view marks them read)

    @property
    def newest_id(self) -> int:
        return self.messages[-1].id if self.messages else 0


_HEAD = """
SELECT c.id, c.brand, c.creator, c.status, b.slug AS brand_slug, b.name AS brand_name, k.name AS campaign_name,
       cr.display_name AS creator_name, COALESCE(t.last_read_message_id, 0) AS last_read,
       (SELECT count(*) FROM message m
        WHERE m.collaboration = c.id AND m.author_kind = $3 AND m.id > COALESCE(t.last_read_message_id, 0)) AS unread
FROM collaboration c
JOIN brand b ON b.id = c.brand
JOIN campaign k ON k.id = c.campaign
JOIN creator cr ON cr.id = c.creator
LEFT JOIN thread_read t ON t.collaboration = c.id AND t.reader_kind = $2 AND t.reader_id = $4
WHERE c.id = $1
"""

_PAGE = """
SELECT id, author_kind, author_label, body, created_at FROM message
WHERE collaboration = $1 AND ($2::int IS NULL OR id < $2)
ORDER BY id DESC
LIMIT $3
"""


def _checked_head(side: BrandSide | CreatorSide, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The thread's head row, if this side may read the thread (NotFound otherwise, as for a missing one)."""
    row = rows[0] if rows else None
    if row is None:
        raise NotFound("No such conversation.")
    if isinstance(side, BrandSide) and row["brand"] != side.brand_id:
        raise NotFound("No such conversation.")
    if isinstance(side, CreatorSide) and row["creator"] != side.creator_id:
        raise NotFound("No such conversation.")
    return row


async def get_thread(
    side: BrandSide | CreatorSide, collaboration_id: int, *, before_id: int | None = None, limit: int = THREAD_PAGE_SIZE
) -> Thread:
    """The newest `limit` messages (older than `before_id` when paging back), oldest first; one statement (the
    head and the page, through shared.db.together: the page is only returned once the head says this side may
    read it)."""
    reader = reader_of(side)
    head_rows, rows = await fetch_together(
        [
            (_HEAD, (collaboration_id, reader.kind, other_side(reader.kind), reader.id)),
            (_PAGE, (collaboration_id, before_id, limit + 1)),
        ]
    )
    head = _checked_head(side, head_rows)
    as_datetimes(rows, "created_at")
    more = len(rows) > limit
    rows = list(reversed(rows[:limit]))
    last_read = int(head["last_read"])
    messages = [
        Message(
            id=int(row["id"]),
            author_kind=row["author_kind"],
            author_label=row["author_label"],
            body=row["body"],
            created_at=row["created_at"],
            mine=row["author_kind"] == reader.kind,
            new=row["author_kind"] != reader.kind and int(row["id"]) > last_read,
        )
        for row in rows
    ]
    return Thread(
        collaboration_id=int(head["id"]),
        brand_id=int(head["brand"]),
        brand_slug=head["brand_slug"],
        brand_name=head["brand_name"],
        campaign_name=head["campaign_name"],
        creator_id=int(head["creator"]),
        creator_name=head["creator_name"],
        status=head["status"],
        reader_kind=reader.kind,
        can_write=isinstance(side, CreatorSide) or can_write_messages(side.staff.role_at(side.brand_id)),
        messages=messages,
        older_than=messages[0].id if more and messages else None,
        unread=int(head["unread"]),
    )


_UNREAD_FOR_CREATOR = """
SELECT m.collaboration, count(*) AS unread
FROM message m
JOIN collaboration c ON c.id = m.collaboration
LEFT JOIN thread_read t ON t.collaboration = m.collaboration AND t.reader_kind = 'creator' AND t.reader_id = $1
WHERE c.creator = $1 AND m.author_kind = 'staff' AND m.id > COALESCE(t.last_read_message_id, 0)
GROUP BY m.collaboration
"""

_UNREAD_FOR_STAFF = """
SELECT m.collaboration, count(*) AS unread
FROM message m
JOIN collaboration c ON c.id = m.collaboration
LEFT JOIN thread_read t ON t.collaboration = m.collaboration AND t.reader_kind = 'staff' AND t.reader_id = $1
WHERE c.brand = $2 AND m.author_kind = 'creator' AND m.id > COALESCE(t.last_read_message_id, 0)
GROUP BY m.collaboration
"""


async def unread_counts_for_creator(creator_id: int) -> dict[int, int]:
    """Unread brand messages per collaboration of this creator (only those with any), in one query."""
    rows = await get_engine().fetch(_UNREAD_FOR_CREATOR, creator_id)
    return {int(row["collaboration"]): int(row["unread"]) for row in rows}


async def unread_counts_for_staff(staff_id: int, brand_id: int) -> dict[int, int]:
    """Unread creator messages per collaboration of this brand for one staff member, in one query
    (an offers list looks its rows up in the dict)."""
    rows = await get_engine().fetch(_UNREAD_FOR_STAFF, staff_id, brand_id)
    return {int(row["collaboration"]): int(row["unread"]) for row in rows}
