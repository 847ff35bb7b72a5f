"""The deliverables board (list and calendar) and the campaign overview."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.response import Template

from backoffice.guards import ALL_ROLES, requires_role
from shared.campaigns.rules import PLATFORMS, platform_label
from shared.collaborations.board import (
    DELIVERABLE_STATUSES,
    STATUS_LABELS,
    BoardFilters,
    first_calendar_month,
    list_board,
    list_board_calendar,
    list_board_campaigns,
    parse_board_filters,
    parse_month,
    today_utc,
)
from shared.errors import InvalidInput
from shared.identity.queries import BrandAccess

ANYONE_AT_BRAND = requires_role(*ALL_ROLES)


def _query(request: Request[Any, Any, Any]) -> dict[str, str]:
    return {key: str(value) for key, value in request.query_params.items()}


def _filter_context(brand: BrandAccess, filters: BoardFilters, query: dict[str, str]) -> dict[str, Any]:
    return {
        "brand": brand,
        "filters": filters,
        "form": query,
        "statuses": DELIVERABLE_STATUSES,
        "status_labels": STATUS_LABELS,
        "platforms": PLATFORMS,
        "platform_label": platform_label,
        "list_url": f"/backoffice/b/{brand.brand_slug}/deliverables",
        "calendar_url": f"/backoffice/b/{brand.brand_slug}/deliverables/calendar",
        "filter_query": urlencode(filters.to_query()),
    }


@get("/b/{brand_slug:str}/deliverables", guards=[ANYONE_AT_BRAND])
async def board_list(request: Request[Any, Any, Any], brand: NamedDependency[BrandAccess]) -> Template:
    query = _query(request)
    filters, errors = parse_board_filters(query)
    try:  # the campaign filter's choices come with the page: one statement
        page = await list_board(brand.brand_id, filters, after=query.get("after") or None, with_campaigns=True)
    except InvalidInput as exc:
        errors.update(exc.errors)
        page = await list_board(brand.brand_id, filters, with_campaigns=True)
    campaigns = page.campaigns
    next_url = None
    if page.next_after:
        next_url = "?" + urlencode({**filters.to_query(), "after": page.next_after})
    return Template(
        "backoffice/board_list.html",
        context={
            **_filter_context(brand, filters, query),
            "page": page,
            "campaigns": campaigns,
            "errors": errors,
            "next_url": next_url,
            "first_page": not query.get("after"),
        },
        status_code=400 if errors else 200,
    )


@get("/b/{brand_slug:str}/deliverables/calendar", guards=[ANYONE_AT_BRAND])
async def board_calendar(request: Request[Any, Any, Any], brand: NamedDependency[BrandAccess]) -> Template:
    query = _query(request)
    filters, errors = parse_board_filters(query)
    month, month_error = parse_month(query.get("month", ""), today_utc())
    if month_error:
        errors["month"] = month_error
    elif not query.get("month", "").strip():
        month = await first_calendar_month(brand.brand_id, filters)  # nothing this month: open where the work is
    month_view = await list_board_calendar(brand.brand_id, month, filters)
    campaigns = await list_board_campaigns(brand.brand_id)
    return Template(
        "backoffice/board_calendar.html",
        context={
            **_filter_context(brand, filters, query),
            "cal": month_view,
            "jumped": month != today_utc().replace(day=1) and not query.get("month"),
            "campaigns": campaigns,
            "errors": errors,
            # The list of everything due on one day, with the calendar's filters.
            "day_query": lambda day: urlencode({**filters.to_query(), "from": day.isoformat(), "to": day.isoformat()}),
        },
        status_code=400 if errors else 200,
    )


HANDLERS: list[HTTPRouteHandler] = [board_list, board_calendar]
