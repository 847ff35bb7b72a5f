"""A deliverable as its creator works on it: what to make, uploading drafts (Uppy, straight to storage),
the caption's disclosure check, sending for review, and the live post's link.

The upload endpoints answer JSON. Uppy 6's S3 plugin talks S3 itself (it signs each request through
our `signRequest` in static/src/uploads.js), so with `?as=s3` the same endpoints answer the few S3 XML
documents it reads: the upload id it gets is our draft id, and the real upload id never leaves the server.
"""

from __future__ import annotations

import json
import re
from typing import Any
from xml.sax.saxutils import escape

from litestar import Request, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from portal.guards import requires_creator
from shared.audit.context import Actor
from shared.collaborations.actions import CreatorSide
from shared.content.actions import (
    check_complete_upload,
    check_start_upload,
    check_submit_live,
    do_abort_upload,
    do_confirm_disclosure,
    do_update_caption,
    list_uploaded_parts,
    sign_part,
)
from shared.content.queries import draft_preview_url, get_deliverable_for_creator, preview_disclosure
from shared.content.review import do_add_comment
from shared.content.review_queries import list_shared_feedback
from shared.content.review_rules import COMMENT_MAX, comment_moment
from shared.content.sending import check_save_and_send_draft
from shared.creators.queries import CreatorContext
from shared.errors import IllegalTransition, InvalidInput
from shared.integrations.storage import Storage, UploadedPart
from shared.results.insights import (
    NOTE_MAX,
    NUMBER_MAX,
    SCREENSHOT_MAX_BYTES,
    do_report_insights,
    list_creator_self_reports,
    screenshot_url_for_creator,
)
from shared.results.posts import live_posts_for_creator
from shared.results.rules import METRIC_LABELS, METRICS
from shared.web.forms import Flag, Form, Integer, Text, read_form
from shared.web.local_storage import StorageDependency

W = "/work/{deliverable_id:int}"
XML = "application/xml"


# Draft.caption is a Text column; the action words its 5,000-character limit, the form stops at twice that.
CAPTION_FIELD_MAX = 10_000
CAPTION_CHECK_FORM = Form(caption=Text(max_length=4 * CAPTION_FIELD_MAX, multiline=True))
CAPTION_FORM = Form(caption=Text(max_length=CAPTION_FIELD_MAX, multiline=True), confirmed=Flag())
SEND_FORM = Form(caption=Text(max_length=CAPTION_FIELD_MAX, multiline=True), confirmed=Flag(), confirm_asked=Flag())
# Links to the live post, one per line; each is checked (and kept to Deliverable.live_url's 500) by the rules.
LIVE_FORM = Form(urls=Text(max_length=5000, multiline=True))
# The upload endpoints read JSON (or, for Uppy's S3 client, query parameters) with the same declarations.
# Draft.filename is varchar(255) (the action keeps 255 characters), content_type varchar(100); the size is read
# leniently (garbage is 0) so that the action answers whose deliverable it is before what is wrong with the file.
UPLOAD_FORM = Form(filename=Text(max_length=1000), type=Text(max_length=100), size=Text(max_length=30))
COMPLETE_FORM = Form(caption=Text(max_length=CAPTION_FIELD_MAX, multiline=True))
# A screenshot of a live post's insights (the file is read apart: forms never read files) and, optionally, the
# numbers it shows; empty numbers are "not typed".
INSIGHTS_FORM = Form(
    note=Text(max_length=2 * NOTE_MAX, multiline=True),
    **{m: Integer(min_value=0, max_value=NUMBER_MAX) for m in METRICS},
)
REPLY_FORM = Form(
    body=Text(max_length=2 * COMMENT_MAX, multiline=True),
    at_current=Flag(error_on="body"),
    at_ms=Text(max_length=30, error_on="body"),  # the video's current time, filled in by the browser
)


def _url(deliverable_id: int) -> str:
    return f"/work/{deliverable_id}"


def _s3(request: Request[Any, Any, Any]) -> bool:
    return request.query_params.get("as") == "s3"


def _xml(body: str, status: int = 200) -> Response[str]:
    return Response(f'<?xml version="1.0" encoding="UTF-8"?>\n{body}', media_type=XML, status_code=status)


async def _json_body(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The JSON object sent, or {} (a form post or garbage gets the fields' own 400s)."""
    try:
        data = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _int(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput({field: "Missing or not a number."}) from None


def _size(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


# --- the page --------------------------------------------------------------------------------------


async def _page(
    creator: CreatorContext,
    storage: Storage,
    deliverable_id: int,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    reply_form: dict[str, str] | None = None,
    reply_errors: dict[str, str] | None = None,
    insights_post: int | None = None,
    status: int = 200,
) -> Template:
    view = await get_deliverable_for_creator(creator.id, deliverable_id)
    live_posts = await live_posts_for_creator(creator.id, deliverable_id)
    return Template(
        "portal/content_deliverable.html",
        context={
            "view": view,
            "live_posts": live_posts,
            "self_reports": await list_creator_self_reports(creator.id, deliverable_id) if live_posts else [],
            "metric_fields": [(m, METRIC_LABELS[m]) for m in METRICS],
            "insights_post": insights_post,  # the post whose insights form shows errors
            "preview_url": await draft_preview_url(view, storage),
            # Each reviewed version plays in its own player unless the page's player already shows it, so a
            # comment's seek button works even while a new, unsent version is on the page.
            "feedback": await list_shared_feedback(creator.id, deliverable_id, storage=storage, sign_latest_only=False),
            "page_player_id": view.latest.id if view.latest else None,
            "feedback_reply_url": f"{_url(deliverable_id)}/drafts/{{draft_id}}/comments",
            "feedback_reply_form": reply_form or {},
            "feedback_reply_errors": reply_errors or {},
            "errors": errors or {},
            "form": form or {},
        },
        status_code=status,
    )


@get(W, guards=[requires_creator])
async def deliverable_page(
    creator: NamedDependency[CreatorContext], storage: StorageDependency, deliverable_id: FromPath[int]
) -> Template | Redirect:
    if not creator.onboarded:
        return Redirect("/welcome")
    return await _page(creator, storage, deliverable_id)


@post(f"{W}/caption-check", guards=[requires_creator], opt={"form": CAPTION_CHECK_FORM})
async def caption_check(
    request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext], deliverable_id: FromPath[int]
) -> Template:
    """'Check my caption' (htmx): the disclosure result for what is typed, nothing stored."""
    form = await read_form(request)
    # Nothing is stored here: a caption that could not be stored is still checked as far as it is readable.
    result = await preview_disclosure(creator.id, deliverable_id, form.text.get("caption", "")[:CAPTION_FIELD_MAX])
    return Template("_disclosure_result.html", context={"disclosure": result}, status_code=200)


# --- uploads (JSON for our code, S3 XML for Uppy's S3 client) ----------------------------------------


@post(f"{W}/uploads", guards=[requires_creator], status_code=201, opt={"form": UPLOAD_FORM})
async def start_upload(
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    creator: NamedDependency[CreatorContext],
    storage: StorageDependency,
    deliverable_id: FromPath[int],
) -> Response[Any]:
    form = UPLOAD_FORM.clean(dict(request.query_params) if _s3(request) else await _json_body(request))
    form.check()
    started = await check_start_upload(
        actor,
        creator.id,
        deliverable_id,
        filename=form.values["filename"],
        content_type=form.values["type"],
        # Unreadable is 0: the action checks whose deliverable it is first, then says the file is empty.
        size=_size(form.values["size"]),
        storage=storage,
    )
    if _s3(request):
        return _xml(
            f"<InitiateMultipartUploadResult><Key>{escape(started.key)}</Key>"
            f"<UploadId>{started.draft_id}</UploadId></InitiateMultipartUploadResult>"
        )
    body = {"uploadId": started.upload_id, "key": started.key, "draftId": started.draft_id, "version": started.version}
    return Response(body, status_code=201)


@get(f"{W}/uploads/{{draft_id:int}}/parts", guards=[requires_creator])
async def uploaded_parts(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    storage: StorageDependency,
    deliverable_id: FromPath[int],
    draft_id: FromPath[int],
) -> Response[Any]:
    parts = await list_uploaded_parts(creator.id, draft_id, storage=storage)
    if _s3(request):
        return _xml(
            "<ListPartsResult>"
            + "".join(
                f"<Part><PartNumber>{p.number}</PartNumber><ETag>{escape(p.etag)}</ETag><Size>{p.size}</Size></Part>"
                for p in parts
            )
            + "</ListPartsResult>"
        )
    return Response([{"PartNumber": p.number, "ETag": p.etag, "Size": p.size} for p in parts])


@post(f"{W}/uploads/{{draft_id:int}}/parts/{{part_number:int}}", guards=[requires_creator], status_code=200)
async def sign_upload_part(
    creator: NamedDependency[CreatorContext],
    storage: StorageDependency,
    deliverable_id: FromPath[int],
    draft_id: FromPath[int],
    part_number: FromPath[int],
) -> dict[str, str]:
    return {"url": await sign_part(creator.id, draft_id, part_number, storage=storage)}


_XML_PART = re.compile(r"<PartNumber>(\d+)</PartNumber>\s*<ETag>([^<]*)</ETag>")


async def _parts(request: Request[Any, Any, Any], data: dict[str, Any]) -> list[UploadedPart]:
    if _s3(request):
        text = (await request.body()).decode("utf-8", "replace")
        return [UploadedPart(int(n), etag.replace("&quot;", '"'), 0) for n, etag in _XML_PART.findall(text)]
    parts = data.get("parts") or []
    if not isinstance(parts, list):
        raise InvalidInput({"parts": "Send the list of parts."})
    return [
        UploadedPart(_int(p.get("PartNumber"), "parts"), str(p.get("ETag", "")), 0)
        for p in parts
        if isinstance(p, dict)
    ]


@post(f"{W}/uploads/{{draft_id:int}}/complete", guards=[requires_creator], status_code=200, opt={"form": COMPLETE_FORM})
async def complete_upload(
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    creator: NamedDependency[CreatorContext],
    storage: StorageDependency,
    deliverable_id: FromPath[int],
    draft_id: FromPath[int],
) -> Response[Any]:
    """Assemble and verify; a refused file is deleted and the 400 says why (the page shows it too)."""
    data = {} if _s3(request) else await _json_body(request)
    form = COMPLETE_FORM.clean(data)
    form.check()
    verified = await check_complete_upload(
        actor,
        creator.id,
        draft_id,
        parts=await _parts(request, data),
        caption=form.values["caption"],
        storage=storage,
    )
    if _s3(request):
        return _xml(
            f"<CompleteMultipartUploadResult><Location>{_url(deliverable_id)}</Location>"
            f"<Key>draft-{verified.draft_id}</Key></CompleteMultipartUploadResult>"
        )
    return Response(
        {
            "draftId": verified.draft_id,
            "version": verified.version,
            "size": verified.size,
            "contentType": verified.content_type,
            "disclosure": verified.disclosure.to_json(),
            "page": _url(deliverable_id),
        }
    )


@delete(f"{W}/uploads/{{draft_id:int}}", guards=[requires_creator], status_code=204)
async def abort_upload(
    actor: NamedDependency[Actor],
    creator: NamedDependency[CreatorContext],
    storage: StorageDependency,
    deliverable_id: FromPath[int],
    draft_id: FromPath[int],
) -> None:
    await do_abort_upload(actor, creator.id, draft_id, storage=storage)


# --- the draft: caption, confirmation, sending; going live -------------------------------------------


@post(f"{W}/drafts/{{draft_id:int}}/caption", guards=[requires_creator], status_code=303, opt={"form": CAPTION_FORM})
async def save_caption(
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    creator: NamedDependency[CreatorContext],
    storage: StorageDependency,
    deliverable_id: FromPath[int],
    draft_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_update_caption(actor, creator.id, draft_id, caption=form.values["caption"])
        await do_confirm_disclosure(actor, creator.id, draft_id, confirmed=form.values["confirmed"])
    except (InvalidInput, IllegalTransition) as exc:
        errors = exc.errors if isinstance(exc, InvalidInput) else {"caption": str(exc)}
        return await _page(creator, storage, deliverable_id, errors=errors, form=form.text, status=400)
    flash(request, "Caption saved and checked.", category="success")
    return Redirect(_url(deliverable_id))


@post(f"{W}/drafts/{{draft_id:int}}/submit", guards=[requires_creator], status_code=303, opt={"form": SEND_FORM})
async def submit_draft(
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    creator: NamedDependency[CreatorContext],
    storage: StorageDependency,
    deliverable_id: FromPath[int],
    draft_id: FromPath[int],
) -> Template | Redirect:
    """'Send draft N for review': the caption and the confirmation in the same form go with it."""
    form = await read_form(request)
    # A form without the caption box leaves the caption as it is.
    caption = form.values["caption"] if "caption" in form.text else None
    # An unticked box sends nothing: `confirm_asked` says the box was on the page.
    confirmed = form.values["confirmed"] if form.values["confirm_asked"] else None
    try:
        form.check()
        await check_save_and_send_draft(actor, creator.id, draft_id, caption=caption, confirmed=confirmed)
    except (InvalidInput, IllegalTransition) as exc:
        errors = exc.errors if isinstance(exc, InvalidInput) else {"submit": str(exc)}
        return await _page(
            creator, storage, deliverable_id, errors={"submit": "; ".join(errors.values())}, form=form.text, status=400
        )
    flash(request, "Sent for review. You'll be notified when the brand decides.", category="success")
    return Redirect(_url(deliverable_id))


@post(f"{W}/live", guards=[requires_creator], status_code=303, opt={"form": LIVE_FORM})
async def submit_live(
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    creator: NamedDependency[CreatorContext],
    storage: StorageDependency,
    deliverable_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await check_submit_live(actor, creator.id, deliverable_id, urls=form.values["urls"].split())
    except (InvalidInput, IllegalTransition) as exc:
        errors = exc.errors if isinstance(exc, InvalidInput) else {"urls": str(exc)}
        return await _page(creator, storage, deliverable_id, errors=errors, form=form.text, status=400)
    flash(request, "Your post is live. The brand has been told.", category="success")
    return Redirect(_url(deliverable_id))


@post(f"{W}/drafts/{{draft_id:int}}/comments", guards=[requires_creator], status_code=303, opt={"form": REPLY_FORM})
async def reply_to_feedback(
    request: Request[Any, Any, Any],
    creator: NamedDependency[CreatorContext],
    actor: NamedDependency[Actor],
    storage: StorageDependency,
    deliverable_id: FromPath[int],
    draft_id: FromPath[int],
) -> Template | Redirect:
    """The creator answers the brand's review, optionally at a moment of the video (always shared)."""
    form = await read_form(request)
    at_ms, at_error = comment_moment(form.text)
    try:
        form.check()
        if at_error:
            raise InvalidInput({"body": at_error})
        comment_id = await do_add_comment(
            actor, CreatorSide(creator.id), draft_id, body=form.values["body"], at_ms=at_ms, shared=True
        )
    except InvalidInput as exc:
        return await _page(creator, storage, deliverable_id, reply_form=form.text, reply_errors=exc.errors, status=400)
    flash(request, "Reply sent to the brand.", category="success")
    return Redirect(f"{_url(deliverable_id)}#feedback-comment-{comment_id}", status_code=303)


@post(
    f"{W}/posts/{{live_post_id:int}}/insights",
    guards=[requires_creator],
    status_code=303,
    opt={"form": INSIGHTS_FORM},
    request_max_body_size=SCREENSHOT_MAX_BYTES + 1024 * 1024,
)
async def report_insights(
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    creator: NamedDependency[CreatorContext],
    storage: StorageDependency,
    deliverable_id: FromPath[int],
    live_post_id: FromPath[int],
) -> Template | Redirect:
    """The creator's screenshot of a live post's insights (self-reported), with the numbers typed if she likes."""
    form = await read_form(request)
    upload = (await request.form()).get("screenshot")
    screenshot = await upload.read(SCREENSHOT_MAX_BYTES + 1) if isinstance(upload, UploadFile) else b""
    try:
        form.check()
        await do_report_insights(
            actor,
            creator.id,
            deliverable_id,
            live_post_id,
            screenshot=screenshot,
            numbers={m: form.values[m] for m in METRICS},
            note=form.values["note"],
            storage=storage,
        )
    except InvalidInput as exc:
        return await _page(
            creator, storage, deliverable_id, errors=exc.errors, form=form.text, insights_post=live_post_id, status=400
        )
    flash(request, "Screenshot shared with the brand, marked self-reported.", category="success")
    return Redirect(f"{_url(deliverable_id)}#live-post-{live_post_id}")


@get(f"{W}/insights/{{report_id:int}}/screenshot", guards=[requires_creator])
async def insights_screenshot(
    creator: NamedDependency[CreatorContext],
    storage: StorageDependency,
    deliverable_id: FromPath[int],
    report_id: FromPath[int],
) -> Redirect:
    """The creator's own screenshot, through a short-lived signed URL."""
    url = await screenshot_url_for_creator(storage, creator.id, deliverable_id, report_id)
    return Redirect(url, status_code=303)


HANDLERS: list[HTTPRouteHandler] = [
    deliverable_page,
    caption_check,
    start_upload,
    uploaded_parts,
    sign_upload_part,
    complete_upload,
    abort_upload,
    save_caption,
    submit_draft,
    submit_live,
    reply_to_feedback,
    report_insights,
    insights_screenshot,
]
