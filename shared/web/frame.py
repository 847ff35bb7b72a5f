"""The person behind a request and what the frame of their page shows, in one statement.

Every signed-in page needs the person (staff member with their brands, or creator), and a full page also
the header's unread notifications and, on a brand's page, the navigation's reviews badge. Each was a
statement of its own; on a page of four to eleven statements those round trips were a large share of the
request's cost (docs/performance.md, issue #17). Here they are one: the areas keep their own SQL
(shared.identity, shared.creators, shared.notifications, shared.content) and this module only joins it.
And that statement is most often the session's own (`with_frame`, read by shared.web.sessions): a signed-in
page's first round trip brings the session, the person and the header's counts.

Counts are asked only for requests that render a whole page (a GET, or a form post whose refusal comes
back as a page); htmx fragments and JSON calls have no header, and their person costs no more than before.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Literal

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


@dataclass(frozen=True)
class FrameAsk:
    """What a request's frame needs: whose frame (by the side the path is on), with counts or not, which brand's
    badge. Asked twice per request, the same way: when the session is read and when the person is loaded."""

    kind: Literal["staff", "creator"]
    counts: bool
    brand_slug: str | None


def frame_ask(connection: ASGIConnection[Any, Any, Any, Any]) -> FrameAsk:
    counts = renders_a_page(connection)
    path = connection.scope.get("path", "")
    if path != "/backoffice" and not path.startswith("/backoffice/"):  # Litestar's path has no trailing slash
        return FrameAsk("creator", counts, None)
    on_get = connection.scope.get("method") == "GET"
    slug = connection.scope.get("path_params", {}).get("brand_slug") if on_get else None
    return FrameAsk("staff", counts, slug)


async def get_staff_frame(
    connection: ASGIConnection[Any, Any, Any, Any], staff_id: int
) -> tuple[StaffContext, FrameCounts]:
    """The staff member and, on a page, the header's counts (the badge for the brand whose page it is): read with
    the session when it could be (with_frame), else one query. NotFound when missing or deactivated."""
    ask = frame_ask(connection)
    rows = _read_with_session(connection, "staff", staff_id, ask)
    if rows is None:
        rows = await get_engine().fetch(_STAFF_FRAME, staff_id, ask.counts, ask.brand_slug)
    staff = staff_context_from_rows(rows)
    badge = next((row["waiting_reviews"] for row in rows if row["waiting_reviews"] is not None), None)
    return staff, FrameCounts(rows[0]["unread"], badge)


async def get_creator_frame(
    connection: ASGIConnection[Any, Any, Any, Any], creator_id: int
) -> tuple[CreatorContext, FrameCounts]:
    """The creator and, on a page, the header's unread count: read with the session when it could be, else one
    query. NotFound when missing or deleted."""
    ask = frame_ask(connection)
    rows = _read_with_session(connection, "creator", creator_id, ask)
    if rows is None:
        rows = await get_engine().fetch(_CREATOR_FRAME, creator_id, ask.counts)
    creator = creator_context_from_rows(rows)  # NotFound when there is no row
    return creator, FrameCounts(rows[0]["unread"])


# --- the frame read with the session ------------------------------------------------------------------------
#
# A signed-in page's first two statements were the session row and then the person's frame: two round trips,
# a quarter to a half of a light page's statements. The session row says whose it is (web_session.subject,
# 'staff:12', kept with the data by the store), so the frame for the side the path is on is read in the same
# statement. The person the frame was read for is checked against the session's data when the person is
# loaded; any difference (or no frame read) and the frame is read on its own, as before.

_WITH_SESSION_STATE = "rapport_frame_with_session"
_KeptFrame = tuple[FrameAsk, int, list[dict[str, Any]]]  # what was asked, for whom, the frame's rows
_FRAMES: dict[str, tuple[str, str]] = {"staff": (_STAFF_FRAME, "f.brand_name"), "creator": (_CREATOR_FRAME, "")}


def with_frame(session_sql: str, session_arg_count: int, ask: FrameAsk) -> tuple[str, list[object]]:
    """`session_sql` (one row: data, expires_at, subject; $1..$n its own) with the asked frame beside it: the
    statement, and the frame's parameters to pass after the session's. Columns: session_data,
    session_expires_at, session_person, then the frame's (all null when there is no frame: nobody of this kind)."""
    frame_sql, order = _FRAMES[ask.kind]
    # The frame's $1 is the person: the session's subject when it is of this kind. A scalar subquery of the
    # materialised row, so each use is evaluated once, not per row of the frame.
    person = "(SELECT person FROM ws)"
    frame_sql = re.sub(
        r"\$(\d+)",
        lambda match: person if match.group(1) == "1" else f"${int(match.group(1)) - 1 + session_arg_count}",
        frame_sql,
    )
    sql = f"""
WITH ws AS MATERIALIZED (
    SELECT w.data, w.expires_at,
           CASE WHEN w.subject LIKE '{ask.kind}:%' THEN split_part(w.subject, ':', 2)::int END AS person
    FROM ({session_sql}) w
)
SELECT ws.data AS session_data, ws.expires_at AS session_expires_at, ws.person AS session_person, f.*
FROM ws LEFT JOIN ({frame_sql}) f ON true
{"ORDER BY " + order if order else ""}
"""  # noqa: S608 (fragments written in our code; every value is bound)
    args: list[object] = [ask.counts] if ask.kind == "creator" else [ask.counts, ask.brand_slug]
    return sql, args


def keep_frame_read_with_session(
    connection: ASGIConnection[Any, Any, Any, Any], ask: FrameAsk, rows: list[dict[str, Any]]
) -> None:
    """Keep the frame rows `with_frame`'s statement returned, for the person loader of this request."""
    person = rows[0]["session_person"] if rows else None
    if person is not None:
        frame = [row for row in rows if row["id"] is not None]  # none when the person is gone or deactivated
        connection.scope["state"][_WITH_SESSION_STATE] = (ask, person, frame)


def _read_with_session(
    connection: ASGIConnection[Any, Any, Any, Any], kind: str, person_id: int, ask: FrameAsk
) -> list[dict[str, Any]] | None:
    kept: _KeptFrame | None = connection.scope["state"].pop(_WITH_SESSION_STATE, None)
    if kept is None:
        return None
    kept_ask, kept_person, rows = kept
    if kept_ask != ask or kept_ask.kind != kind or kept_person != person_id:
        return None  # read for another side, another page's counts or another person: not this one's frame
    return rows


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
