"""Message threads per collaboration, staff side: the conversation page, and sending (from that page or from
the box on the offer page, with htmx or as a plain form). Every role reads; owners, managers, reviewers write."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.response import Redirect, Template

from backoffice.guards import ALL_ROLES, requires_role
from shared.audit.context import Actor
from shared.collaborations.actions import BrandSide, staff_offer_link
from shared.errors import InvalidInput
from shared.identity.queries import BrandAccess, StaffContext
from shared.identity.rules import Role
from shared.messaging.actions import do_mark_thread_read, do_post_message, staff_thread_link
from shared.messaging.queries import get_thread
from shared.messaging.rules import BODY_MAX, THREAD_BOX_SIZE
from shared.web.forms import Choice, Form, Text, read_form
from shared.web.ids import QueryId

# Mirrors shared.messaging.rules.can_write_messages, so a refused role is stopped before any work.
WRITERS = requires_role(Role.OWNER, Role.MANAGER, Role.REVIEWER)


# Message.body is a Text column; the rule (shared.messaging.rules) keeps messages to BODY_MAX with its own words.
MESSAGE_FORM = Form(
    body=Text(max_length=2 * BODY_MAX, multiline=True),
    **{"from": Choice(options=("box", "page"), error_on="body")},
)


def _is_htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


@get("/b/{brand_slug:str}/offers/{collaboration_id:int}/messages", guards=[requires_role(*ALL_ROLES)])
async def thread_page(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    collaboration_id: FromPath[int],
    before: QueryId = None,
) -> Template:
    side = BrandSide(staff, brand.brand_id)
    thread = await get_thread(side, collaboration_id, before_id=before)
    if before is None:
        # Opening the conversation reads it: what is on screen stops counting as unread for this person.
        await do_mark_thread_read(side, collaboration_id, up_to=thread.newest_id)
    context = {"thread": thread, "thread_url": staff_thread_link(brand.brand_slug, collaboration_id), "paged": True}
    if _is_htmx(request):
        return Template("_thread_messages.html", context=context)
    return Template("backoffice/threads_thread.html", context={**context, "form": {}, "errors": {}})


@post(
    "/b/{brand_slug:str}/offers/{collaboration_id:int}/messages",
    guards=[WRITERS],
    status_code=303,
    opt={"form": MESSAGE_FORM},
)
async def send_message(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    collaboration_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    origin = "box" if form.values["from"] == "box" else "page"
    side = BrandSide(staff, brand.brand_id)
    errors: dict[str, str] = {}
    try:
        form.check()
        await do_post_message(actor, side, collaboration_id, form.values["body"])
    except InvalidInput as exc:
        errors = exc.errors
    kept = {"body": form.text.get("body", "")} if errors else {}
    thread_url = staff_thread_link(brand.brand_slug, collaboration_id)
    if _is_htmx(request):
        # htmx swaps only 2xx answers, so a rejected message comes back as 200 with its error and text.
        if origin == "box":
            thread = await get_thread(side, collaboration_id, limit=THREAD_BOX_SIZE)
            return Template(
                "backoffice/_thread_box.html", context={"thread": thread, "thread_form": kept, "thread_errors": errors}
            )
        thread = await get_thread(side, collaboration_id)
        context = {"thread": thread, "thread_url": thread_url, "paged": True, "form": kept, "errors": errors}
        return Template("backoffice/threads_thread.html", context=context)
    if errors:
        thread = await get_thread(side, collaboration_id)
        context = {"thread": thread, "thread_url": thread_url, "paged": True, "form": kept, "errors": errors}
        return Template("backoffice/threads_thread.html", context=context, status_code=400)
    if origin == "box":
        offer = staff_offer_link(brand.brand_slug, collaboration_id)
        return Redirect(f"{offer}#thread-box-{collaboration_id}", status_code=303)
    return Redirect(f"{thread_url}#thread-{collaboration_id}", status_code=303)


HANDLERS: list[HTTPRouteHandler] = [thread_page, send_message]
