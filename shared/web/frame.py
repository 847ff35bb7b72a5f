"""The person behind a request and what the frame of their page shows, in one statement.

Every signed-in page needs the person (staff member with their brands, or creator), and a full page also
the header's unread notifications and, on a brand's page, the navigation's reviews badge. Each was a
statement of its own; on a page of four to eleven statements those round trips were a large share of the
request's cost (docs/performance.md, issue #17). Here they are one: the areas keep their own SQL
(shared.identity, shared.creators, shared.notifications, shared.content) and this module only joins it.

Counts are asked only for requests that render a whole page (a GET, or a form post whose refusal comes
back as a page); htmx fragments and JSON calls have no header, and their person costs no more than before.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection

from shared.content.review_queries import waiting_reviews_sql
from shared.creators.queries import CREATOR_CONTEXT_SQL, CreatorContext, creator_context_from_rows
from shared.db.engine import get_engine
from shared.identity.queries import STAFF_CONTEXT_SQL, StaffContext, staff_context_from_rows
from shared.notifications.queries import unread_sql

_FRAME_STATE = "rapport_frame"


@dataclass(frozen=True)
class FrameCounts:
    unread: int | None = None  # the header's unread notifications; None when the request renders no page
    waiting_reviews: int | None = None  # the brand's drafts waiting for a decision, on a brand's full pages


NO_COUNTS = FrameCounts()


# The staff member ($1) with one row per membership; the unread count is uncorrelated (one evaluation), the
# badge is computed only on the row of the brand whose page this is ($3), and only when asked ($2).
_STAFF_FRAME = f"""
SELECT c.*,
       CASE WHEN $2 THEN ({unread_sql("'staff'", "$1")}) END AS unread,
       CASE WHEN $2 AND c.brand_slug = $3 THEN ({waiting_reviews_sql("c.brand_id")}) END AS waiting_reviews
FROM ({STAFF_CONTEXT_SQL}) c
ORDER BY c.brand_name
"""  # noqa: S608 (fragments written in our code; values are bound)

_CREATOR_FRAME = f"""
SELECT c.*, CASE WHEN $2 THEN ({unread_sql("'creator'", "$1")}) END AS unread
FROM ({CREATOR_CONTEXT_SQL}) c
"""  # noqa: S608 (fragments written in our code; values are bound)


async def get_staff_frame(
    staff_id: int, *, counts: bool, brand_slug: str | None = None
) -> tuple[StaffContext, FrameCounts]:
    """The staff member and, when `counts`, the header's counts (the badge for `brand_slug`'s page); one query.
    NotFound when missing or deactivated."""
    rows = await get_engine().fetch(_STAFF_FRAME, staff_id, counts, brand_slug)
    staff = staff_context_from_rows(rows)
    badge = next((row["waiting_reviews"] for row in rows if row["waiting_reviews"] is not None), None)
    return staff, FrameCounts(rows[0]["unread"], badge)


async def get_creator_frame(creator_id: int, *, counts: bool) -> tuple[CreatorContext, FrameCounts]:
    """The creator and, when `counts`, the header's unread count; one query. NotFound when missing or deleted."""
    rows = await get_engine().fetch(_CREATOR_FRAME, creator_id, counts)
    creator = creator_context_from_rows(rows)  # NotFound when there is no row
    return creator, FrameCounts(rows[0]["unread"])


def renders_a_page(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether the answer is a whole page with a header: GETs and form posts (a refused form comes back as a
    page), not htmx fragments, JSON or upload calls."""
    if connection.headers.get("hx-request") == "true":
        return False
    method = connection.scope.get("method", "GET")
    if method == "GET":
        return True
    content_type = connection.headers.get("content-type", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


def remember_counts(connection: ASGIConnection[Any, Any, Any, Any], counts: FrameCounts) -> None:
    connection.scope["state"][_FRAME_STATE] = counts


def frame_counts(connection: ASGIConnection[Any, Any, Any, Any]) -> FrameCounts:
    """The counts loaded with the person (load_staff / load_creator); NO_COUNTS when none were."""
    counts: FrameCounts = connection.scope["state"].get(_FRAME_STATE, NO_COUNTS)
    return counts


# Where the header's unread count waits for the page's template (templates/*/base.html read this key).
UNREAD_STATE = "rapport_unread_notifications"

PersonLoader = Callable[[ASGIConnection[Any, Any, Any, Any]], Awaitable[object | None]]


def unread_for_header(load_person: PersonLoader) -> Callable[[ASGIConnection[Any, Any, Any, Any]], Awaitable[None]]:
    """A before_request hook putting the header's unread badge where the template finds it, on whole pages (not
    htmx fragments or JSON calls, which have no header; a form post counts too, since a refused form comes back
    as a page). The count came with the person (load_staff / load_creator): no query here."""

    async def hook(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
        if await load_person(connection) is not None:
            unread = frame_counts(connection).unread
            if unread is not None:
                connection.scope["state"][UNREAD_STATE] = unread

    return hook
