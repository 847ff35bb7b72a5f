"""Reading a person's notifications: the list (newest first, keyset-paginated) and the unread count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from shared.db.engine import get_engine
from shared.notifications.actions import RecipientKind

PAGE_SIZE = 30


@dataclass(frozen=True)
class NotificationItem:
    id: int
    kind: str
    title: str
    body: str
    link: str
    brand_name: str  # '' when the notification is not about a brand
    created_at: dt.datetime
    unread: bool


@dataclass(frozen=True)
class NotificationPage:
    items: list[NotificationItem]
    older_than: int | None  # pass as `before` for the next (older) page; None on the last page
    unread: int  # unread notifications in all pages


# A staff member sees notifications about the brands they still belong to (a removed member's old
# notifications would link into a brand they can no longer open), and those about no brand. No array
# parameters here: the badge runs on every page, and asyncpg introspects array types on each new connection.
_LIST = """
SELECT n.id, n.kind, n.title, n.body, n.link, n.created_at, n.read_at, COALESCE(b.name, '') AS brand_name
FROM notification n
LEFT JOIN brand b ON b.id = n.brand
WHERE n.recipient_kind = $1 AND n.recipient_id = $2
  AND (n.recipient_kind = 'creator' OR n.brand IS NULL OR n.brand IN (SELECT brand FROM membership WHERE staff = $2))
  AND ($3::int IS NULL OR n.id < $3)
ORDER BY n.id DESC
LIMIT $4
"""


def unread_sql(kind: str, recipient: str) -> str:
    """The unread count's SELECT for a recipient given as SQL (placeholders or literals): run alone by
    count_unread_notifications, and inside the person's own statement by shared.web.frame."""
    return f"""
SELECT count(*) AS unread FROM notification n
WHERE n.recipient_kind = {kind} AND n.recipient_id = {recipient} AND n.read_at IS NULL
  AND (n.recipient_kind = 'creator' OR n.brand IS NULL
       OR n.brand IN (SELECT brand FROM membership WHERE staff = {recipient}))
"""  # noqa: S608 (kind and recipient are SQL placeholders or literals written in our code; values are bound)


_UNREAD = unread_sql("$1", "$2")


async def list_notifications(
    kind: RecipientKind,
    recipient_id: int,
    *,
    before_id: int | None = None,
    limit: int = PAGE_SIZE,
) -> NotificationPage:
    """One person's notifications, newest first, and how many are unread; two queries whatever the page size."""
    rows = await get_engine().fetch(_LIST, kind, recipient_id, before_id, limit + 1)
    unread = await count_unread_notifications(kind, recipient_id)
    more = len(rows) > limit
    rows = rows[:limit]
    items = [
        NotificationItem(
            id=int(row["id"]),
            kind=row["kind"],
            title=row["title"],
            body=row["body"],
            link=row["link"],
            brand_name=row["brand_name"],
            created_at=row["created_at"],
            unread=row["read_at"] is None,
        )
        for row in rows
    ]
    return NotificationPage(items, items[-1].id if more and items else None, unread)


async def count_unread_notifications(kind: RecipientKind, recipient_id: int) -> int:
    """How many notifications this person has not read (the badge in the header); one query."""
    rows = await get_engine().fetch(_UNREAD, kind, recipient_id)
    return int(rows[0]["unread"])
