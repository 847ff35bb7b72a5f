"""A creator's notifications: the list (newest first, unread highlighted), opening one, marking all read;
and the unread count in the header."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from portal.guards import requires_creator
from shared.creators.queries import CreatorContext
from shared.notifications.actions import Recipient, do_mark_all_notifications_read, do_mark_notification_read
from shared.notifications.queries import list_notifications
from shared.web.creator_auth import load_creator
from shared.web.forms import Form, Id, read_form
from shared.web.frame import unread_for_header
from shared.web.ids import QueryId

LIST_URL = "/notifications"


# A notification's own button sends its id; the "mark all read" button sends none.
READ_FORM = Form(notification_id=Id(message="That notification no longer exists."))


count_unread_for_nav = unread_for_header(load_creator)  # before_request hook: the header's unread badge


def _recipient(creator: CreatorContext) -> Recipient:
    return Recipient("creator", creator.id)


def safe_link(link: str) -> str:
    """Only our own paths are followed (a notification link is never an open redirect)."""
    return link if link.startswith("/") and not link.startswith("//") else LIST_URL


@get(LIST_URL, guards=[requires_creator], name="portal:notifications")
async def notifications_page(creator: NamedDependency[CreatorContext], before: QueryId = None) -> Template:
    page = await list_notifications("creator", creator.id, before_id=before)
    return Template("portal/notifications_list.html", context={"page": page, "paged": before is not None})


@post(f"{LIST_URL}/read", guards=[requires_creator], status_code=303, opt={"form": READ_FORM})
async def mark_read(request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext]) -> Redirect:
    """With `notification_id`: open that notification (marked read). Without: mark them all read."""
    form = await read_form(request)
    if form.errors:
        flash(request, form.errors["notification_id"], category="error")
        return Redirect(LIST_URL, status_code=303)
    if (notification_id := form.values["notification_id"]) is not None:
        link = await do_mark_notification_read(_recipient(creator), notification_id)
        return Redirect(safe_link(link) if link else LIST_URL, status_code=303)
    marked = await do_mark_all_notifications_read(_recipient(creator))
    flash(request, "All caught up." if marked else "Nothing unread.", category="success")
    return Redirect(LIST_URL, status_code=303)


HANDLERS: list[HTTPRouteHandler] = [notifications_page, mark_read]
