"""Results: a brand's campaigns with their live posts, one campaign's results (spend against views and
engagements, per creator and per deliverable, every formula shown), its CSV, one live post's check and readings,
and a person verifying a post by hand. Every role at the brand reads; owners, managers and reviewers verify."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from backoffice.guards import ALL_ROLES, requires_role
from shared.audit.context import Actor
from shared.content.review_rules import DECIDERS
from shared.errors import IllegalTransition, InvalidInput
from shared.identity.queries import BrandAccess, StaffContext
from shared.results.actions import NOTE_MAX, can_verify_posts, do_verify_post
from shared.results.conversions import IMPORTERS, do_add_discount_code
from shared.results.insights import list_self_reports, screenshot_url_for_brand
from shared.results.links import (
    URL_MAX,
    clicks_chart,
    do_create_tracked_link,
    link_path,
    list_campaign_links,
    list_click_days,
)
from shared.results.queries import (
    CSV_HEADER,
    creators_page,
    get_campaign_results,
    get_live_post,
    list_campaign_results,
    results_csv_rows,
)
from shared.results.rules import CODE_MAX, MANUALLY_VERIFIABLE, METRIC_LABELS, METRICS, SHARERS
from shared.results.sharing import (
    DAYS_DEFAULT,
    DAYS_MAX,
    DAYS_MIN,
    can_share_results,
    do_revoke_share,
    do_share_results,
    get_shared_results,
    list_shares,
    share_path,
)
from shared.web.forms import Form, Id, Integer, Text, read_form
from shared.web.guards import allow_anyone
from shared.web.ids import QueryId
from shared.web.local_storage import StorageDependency

ANYONE_AT_BRAND = requires_role(*ALL_ROLES)
VERIFIERS = requires_role(*DECIDERS)
SHARING = requires_role(*SHARERS)

VERIFY_FORM = Form(note=Text(max_length=2 * NOTE_MAX, multiline=True))
LINK_FORM = Form(
    creator=Id(required="Choose a creator.", message="Choose a creator from the list."),
    url=Text(max_length=2 * URL_MAX, required="Give the https:// address of the page people should land on."),
)
CODE_FORM = Form(
    creator=Id(required="Choose a creator.", message="Choose a creator from the list."),
    code=Text(max_length=2 * CODE_MAX, required="Enter the code the creator's audience types at checkout."),
)
SHARE_FORM = Form(
    days=Integer(
        min_value=DAYS_MIN, max_value=DAYS_MAX, required=True, message=f"Choose between {DAYS_MIN} and {DAYS_MAX} days."
    )
)


def _post_url(brand: BrandAccess, live_post_id: int) -> str:
    return f"/backoffice/b/{brand.brand_slug}/results/posts/{live_post_id}"


@get("/b/{brand_slug:str}/results", guards=[ANYONE_AT_BRAND])
async def results_index(brand: NamedDependency[BrandAccess]) -> Template:
    return Template(
        "backoffice/results_list.html",
        context={"brand": brand, "campaigns": await list_campaign_results(brand.brand_id)},
    )


async def _campaign_page(
    brand: BrandAccess,
    staff: StaffContext,
    campaign_id: int,
    *,
    share_form: dict[str, str] | None = None,
    share_errors: dict[str, str] | None = None,
    link_form: dict[str, str] | None = None,
    link_errors: dict[str, str] | None = None,
    code_form: dict[str, str] | None = None,
    code_errors: dict[str, str] | None = None,
    creator_page: int = 1,
    status: int = 200,
) -> Template:
    results = await get_campaign_results(brand.brand_id, campaign_id)
    click_days = await list_click_days(campaign_id) if results.clicks is not None else []
    return Template(
        "backoffice/results_campaign.html",
        context={
            "brand": brand,
            "results": results,
            "metric_labels": [METRIC_LABELS[m] for m in METRICS],
            "can_share": can_share_results(staff, brand.brand_id),
            "shares": await list_shares(brand.brand_id, campaign_id),
            "share_form": share_form or {"days": str(DAYS_DEFAULT)},
            "share_errors": share_errors or {},
            "links": await list_campaign_links(campaign_id),
            "link_form": link_form or {},
            "link_errors": link_errors or {},
            "code_form": code_form or {},
            "code_errors": code_errors or {},
            "click_days": click_days,
            "clicks_chart": clicks_chart(click_days),
            "imports": brand.role in IMPORTERS,
            "creators": creators_page(results, creator_page),
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/results/{campaign_id:int}", guards=[ANYONE_AT_BRAND])
async def campaign_results(
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    campaign_id: FromPath[int],
    page: QueryId = None,
) -> Template:
    return await _campaign_page(brand, staff, campaign_id, creator_page=page or 1)


@post(
    "/b/{brand_slug:str}/results/{campaign_id:int}/shares",
    guards=[SHARING],
    status_code=303,
    opt={"form": SHARE_FORM},
)
async def share_results(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    campaign_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        token = await do_share_results(actor, staff, brand.brand_id, campaign_id, days=form.values["days"])
    except InvalidInput as exc:
        return await _campaign_page(
            brand, staff, campaign_id, share_form=form.text, share_errors=exc.errors, status=400
        )
    link = str(request.base_url).rstrip("/") + share_path(token)
    flash(request, f"Read-only link (copy it now; it is shown only once): {link}", category="success")
    return Redirect(f"/backoffice/b/{brand.brand_slug}/results/{campaign_id}", status_code=303)


@post(
    "/b/{brand_slug:str}/results/{campaign_id:int}/links",
    guards=[SHARING],
    status_code=303,
    opt={"form": LINK_FORM},
)
async def create_link(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    campaign_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        code = await do_create_tracked_link(
            actor, staff, brand.brand_id, campaign_id, creator_id=form.values["creator"], target_url=form.values["url"]
        )
    except InvalidInput as exc:
        return await _campaign_page(brand, staff, campaign_id, link_form=form.text, link_errors=exc.errors, status=400)
    link = str(request.base_url).rstrip("/") + link_path(code)
    flash(request, f"Tracked link made: {link}", category="success")
    return Redirect(f"/backoffice/b/{brand.brand_slug}/results/{campaign_id}", status_code=303)


@post(
    "/b/{brand_slug:str}/results/{campaign_id:int}/codes",
    guards=[SHARING],
    status_code=303,
    opt={"form": CODE_FORM},
)
async def add_code(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    campaign_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_add_discount_code(
            actor, staff, brand.brand_id, campaign_id, creator_id=form.values["creator"], code=form.values["code"]
        )
    except InvalidInput as exc:
        return await _campaign_page(brand, staff, campaign_id, code_form=form.text, code_errors=exc.errors, status=400)
    flash(request, "Discount code added: orders with it count for that creator.", category="success")
    return Redirect(f"/backoffice/b/{brand.brand_slug}/results/{campaign_id}", status_code=303)


@post("/b/{brand_slug:str}/results/shares/{share_id:int}/revoke", guards=[SHARING], status_code=303)
async def revoke_share(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    share_id: FromPath[int],
) -> Redirect:
    campaign_id = await do_revoke_share(actor, staff, brand.brand_id, share_id)
    flash(request, "Link revoked: it no longer opens.", category="success")
    return Redirect(f"/backoffice/b/{brand.brand_slug}/results/{campaign_id}", status_code=303)


@get("/reports/{token:str}", guards=[allow_anyone])
async def shared_results(token: FromPath[str], page: QueryId = None) -> Template:
    """The read-only report behind a shared link, for anyone holding it (no account)."""
    shared, results = await get_shared_results(token)
    return Template(
        "backoffice/results_shared.html",
        context={
            "shared": shared,
            "results": results,
            "metric_labels": [METRIC_LABELS[m] for m in METRICS],
            "creators": creators_page(results, page or 1),
        },
    )


@get("/b/{brand_slug:str}/results/{campaign_id:int}/export.csv", guards=[ANYONE_AT_BRAND])
async def campaign_results_csv(brand: NamedDependency[BrandAccess], campaign_id: FromPath[int]) -> Response[str]:
    results = await get_campaign_results(brand.brand_id, campaign_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for line in results_csv_rows(results):
        # A cell a spreadsheet would run as a formula is quoted as text.
        writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@") else c for c in line])
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="results-campaign-{campaign_id}.csv"'},
    )


async def _post_page(
    brand: BrandAccess,
    staff: StaffContext,
    live_post_id: int,
    *,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    post_view = await get_live_post(brand.brand_id, live_post_id)
    return Template(
        "backoffice/results_post.html",
        context={
            "brand": brand,
            "post": post_view,
            "can_verify": can_verify_posts(staff, brand.brand_id) and post_view.state in MANUALLY_VERIFIABLE,
            "form": form or {},
            "errors": errors or {},
            "metric_labels": [METRIC_LABELS[m] for m in METRICS],
            "self_reports": await list_self_reports(brand.brand_id, live_post_id),
        },
        status_code=status,
    )


@get("/b/{brand_slug:str}/results/posts/{live_post_id:int}", guards=[ANYONE_AT_BRAND])
async def live_post_page(
    brand: NamedDependency[BrandAccess], staff: NamedDependency[StaffContext], live_post_id: FromPath[int]
) -> Template:
    return await _post_page(brand, staff, live_post_id)


@post(
    "/b/{brand_slug:str}/results/posts/{live_post_id:int}/verify",
    guards=[VERIFIERS],
    status_code=303,
    opt={"form": VERIFY_FORM},
)
async def verify_post(
    request: Request[Any, Any, Any],
    brand: NamedDependency[BrandAccess],
    staff: NamedDependency[StaffContext],
    actor: NamedDependency[Actor],
    live_post_id: FromPath[int],
) -> Template | Redirect:
    form = await read_form(request)
    try:
        form.check()
        await do_verify_post(actor, staff, brand.brand_id, live_post_id, note=form.values["note"])
    except InvalidInput as exc:
        return await _post_page(brand, staff, live_post_id, form=form.text, errors=exc.errors, status=400)
    except IllegalTransition as exc:
        flash(request, str(exc), category="error")
        return Redirect(_post_url(brand, live_post_id), status_code=303)
    flash(request, "Marked verified. The creator is told, and the audit log keeps who did it.", category="success")
    return Redirect(_post_url(brand, live_post_id), status_code=303)


@get("/b/{brand_slug:str}/results/posts/{live_post_id:int}/insights/{report_id:int}", guards=[ANYONE_AT_BRAND])
async def self_reported_screenshot(
    brand: NamedDependency[BrandAccess],
    storage: StorageDependency,
    live_post_id: FromPath[int],
    report_id: FromPath[int],
) -> Redirect:
    """A creator's screenshot of the post's insights, through a short-lived signed URL."""
    return Redirect(await screenshot_url_for_brand(storage, brand.brand_id, live_post_id, report_id), status_code=303)


HANDLERS: list[HTTPRouteHandler] = [
    self_reported_screenshot,
    results_index,
    campaign_results,
    campaign_results_csv,
    live_post_page,
    verify_post,
    share_results,
    revoke_share,
    create_link,
    add_code,
]
# Reached without signing in (mounted beside the sign-in pages, outside the staff router).
PUBLIC_HANDLERS: list[HTTPRouteHandler] = [shared_results]
