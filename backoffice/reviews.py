"""Reviewing drafts: the brand's queue (soonest promised first), one draft's screen (the file through a
short-lived URL, the version before it, caption, disclosure check, comments), comments and decisions.
Every role at the brand looks; owners, managers and reviewers comment and decide."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, FromQuery
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.guards import ALL_ROLES, requires_role
from shared.audit.context import Actor
from shared.collaborations.actions import BrandSide
from shared.content.review import check_bulk_approve, check_decide, do_add_comment
from shared.content.review_queries import get_review, list_review_queue
from shared.content.review_rules import COMMENT_MAX, DECIDERS, can_decide, comment_moment, decision_label
from shared.content.rules import DECISION_LABELS
from shared.errors import IllegalTransition, InvalidInput
from shared.identity.queries import BrandAccess, StaffContext
from shared.integrations.storage import Storage
from shared.web.forms import Choice, Flag, Form, Id, Many, Text, read_form
from shared.web.local_storage import StorageDependency

ANYONE_AT_BRAND = requires_role(*ALL_ROLES)
# Mirrors shared.content.review_rules.can_decide, so a refused role is stopped before any work.
DECIDERS_ONLY = requires_role(*DECIDERS)


# The review rules (shared.content.review_rules) word the limits: 100 drafts at once, comments of COMMENT_MAX,
# a moment within a day of video. The declarations stop what no column could hold.
BULK_FORM = Form(draft=Many(Id(message="Choose drafts from the queue."), max_items=1000))
COMMENT_FORM = Form(
    body=Text(max_length=2 * COMMENT_MAX, multiline=True),
    at_current=Flag(),
    at_ms=Text(max_length=30),  # the video's current time, filled in by the browser
    visibility=Choice(options=("shared", "internal"), message="Choose who sees the comment."),
)
DECISION_FORM = Form(
    decision=Choice(options=tuple(DECISION_LABELS), message="Choose approve, approve with notes, or request changes."),
    note=Text(max_length=2 * COMMENT_MAX, multiline=True),
)


def _queue_url(brand: BrandAccess) -> str:
    return f"/backoffice/b/{brand.brand_slug}/reviews"


def _review_url(brand: BrandAccess, draft_id: int) -> str:
    return f"/backoffice/b/{brand.brand_slug}/reviews/{draft_id}"


async def _queue_page(
    brand: BrandAccess, *, after: str | None, errors: dict[str, str] | None = None, status: int = 200
) -> Template:
    errors = dict(errors or {})
    try:
        page = await list_review_queue(brand.brand_id, after=after)
    except InvalidInput as exc:
        errors.update(exc.errors)
        page, after, status = await list_review_queue(brand.brand_id), None, 400
    return Template(
        "backoffice/reviews_queue.html",
        context={
            "brand": brand,
            "page": page,
            "first_page": not after,
            "next_url": f"{_queue_url(brand)}?after={page.next_after}" if page.next_after else None,
            "decides": can_decide(brand.role),
            "errors": errors,
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/reviews", guards=[ANYONE_AT_BRAND])
async def review_queue(brand: NamedDependency[BrandAccess], after: FromQuery[str | None] = None) -> Template:
    return await _queue_page(brand, after=after)


@post("/b/{brand_slug:str}/reviews/bulk-approve", guards=[DECIDERS_ONLY], status_code=303, opt={"form": BULK_FORM})
async def bulk_approve(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        draft_ids: list[int] = form.values["draft"]
        outcomes = await check_bulk_approve(actor, staff, brand.brand_id, draft_ids)
    except InvalidInput as exc:
        return await _queue_page(brand, after=None, errors=exc.errors, status=400)
    approved = [o for o in outcomes if o.approved]
    if approved:
        flash(request, f"Approved {len(approved)} image{'s' if len(approved) != 1 else ''}.", category="success")
    for outcome in outcomes:
        if not outcome.approved:
            flash(request, f"Draft #{outcome.draft_id} was left out: {outcome.reason}", category="error")
    return Redirect(_queue_url(brand), status_code=303)


async def _review_page(
    brand: BrandAccess,
    storage: Storage,
    draft_id: int,
    *,
    comment_form: dict[str, str] | None = None,
    comment_errors: dict[str, str] | None = None,
    decision_form: dict[str, str] | None = None,
    decision_errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    # A fresh signed URL on every view: it expires in minutes, so a page left open is re-loaded, not re-used.
    review = await get_review(brand.brand_id, draft_id, storage=storage)
    return Template(
        "backoffice/reviews_detail.html",
        context={
            "brand": brand,
            "review": review,
            "decides": can_decide(brand.role),
            "decision_labels": DECISION_LABELS,
            "comment_form": comment_form or {"visibility": "shared"},
            "comment_errors": comment_errors or {},
            "decision_form": decision_form or {},
            "decision_errors": decision_errors or {},
            "queue_url": _queue_url(brand),
            "review_url": _review_url(brand, draft_id),
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/reviews/{draft_id:int}", guards=[ANYONE_AT_BRAND])
async def review_page(
    brand: NamedDependency[BrandAccess], storage: StorageDependency, draft_id: FromPath[int]
) -> Template:
    return await _review_page(brand, storage, draft_id)


@post(
    "/b/{brand_slug:str}/reviews/{draft_id:int}/comments",
    guards=[DECIDERS_ONLY],
    status_code=303,
    opt={"form": COMMENT_FORM},
)
async def add_comment(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    draft_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    at_ms, at_error = comment_moment(form.text)
    shared = form.values["visibility"] != "internal"
    try:
        form.check()
        if at_error:
            raise InvalidInput({"at_ms": at_error})
        comment_id = await do_add_comment(
            actor, BrandSide(staff, brand.brand_id), draft_id, body=form.values["body"], at_ms=at_ms, shared=shared
        )
    except InvalidInput as exc:
        return await _review_page(
            brand, storage, draft_id, comment_form=form.text, comment_errors=exc.errors, status=400
        )
    flash(request, "Comment shared with the creator." if shared else "Internal comment added.", category="success")
    return Redirect(f"{_review_url(brand, draft_id)}#comment-{comment_id}", status_code=303)


@post(
    "/b/{brand_slug:str}/reviews/{draft_id:int}/decision",
    guards=[DECIDERS_ONLY],
    status_code=303,
    opt={"form": DECISION_FORM},
)
async def decide(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    draft_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        decision = await check_decide(
            actor, staff, brand.brand_id, draft_id, decision=form.values["decision"], note=form.values["note"]
        )
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
        return Redirect(_review_url(brand, draft_id), status_code=303)
    except InvalidInput as exc:
        return await _review_page(
            brand, storage, draft_id, decision_form=form.text, decision_errors=exc.errors, status=400
        )
    flash(request, f"{decision_label(decision)}. The creator has been told.", category="success")
    return Redirect(_queue_url(brand), status_code=303)


HANDLERS: list[HTTPRouteHandler] = [review_queue, bulk_approve, review_page, add_comment, decide]
