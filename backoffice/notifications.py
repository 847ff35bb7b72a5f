"""A staff member's notifications across their brands: the list (newest first, unread highlighted), opening
one, marking all read; and the unread count in the header."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.guards import requires_staff
from shared.identity.queries import StaffContext
from shared.notifications.actions import Recipient, do_mark_all_notifications_read, do_mark_notification_read
from shared.notifications.queries import list_notifications
from shared.web.auth import load_staff
from shared.web.forms import Form, Id, read_form
from shared.web.frame import unread_for_header
from shared.web.ids import QueryId

LIST_URL = "/backoffice/notifications"


# A notification's own button sends its id; the "mark all read" button sends none.
READ_FORM = Form(notification_id=Id(message="That notification no longer exists."))


count_unread_for_nav = unread_for_header(load_staff)  # before_request hook: the header's unread badge


def safe_link(link: str) -> str:
    """Only our own paths are followed (a notification link is never an open redirect)."""
    return link if link.startswith("/") and not link.startswith("//") else LIST_URL


@get("/notifications", guards=[requires_staff], name="backoffice:notifications")
async def notifications_page(staff: NamedDependency[StaffContext], before: QueryId = None) -> Template:
    page = await list_notifications("staff", staff.id, before_id=before)
    return Template("backoffice/notifications_list.html", context={"page": page, "paged": before is not None})


@post("/notifications/read", guards=[requires_staff], status_code=303, opt={"form": READ_FORM})
async def mark_read(request: Request[Any, Any, Any], staff: NamedDependency[StaffContext]) -> Redirect:
    """With `notification_id`: open that notification (marked read). Without: mark them all read."""
    form = await read_form(request)
    if form.errors:
        flash(request, form.errors["notification_id"], category="error")
        return Redirect(LIST_URL, status_code=303)
    recipient = Recipient("staff", staff.id)
    if (notification_id := form.values["notification_id"]) is not None:
        link = await do_mark_notification_read(recipient, notification_id)
        return Redirect(safe_link(link) if link else LIST_URL, status_code=303)
    marked = await do_mark_all_notifications_read(recipient)
    flash(request, "All caught up." if marked else "Nothing unread.", category="success")
    return Redirect(LIST_URL, status_code=303)


HANDLERS: list[HTTPRouteHandler] = [notifications_page, mark_read]
