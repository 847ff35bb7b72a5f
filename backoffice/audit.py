"""A brand's audit log for its owners: who did what, when; filter by action, actor and dates."""

from __future__ import annotations

from urllib.parse import urlencode

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Template

from backoffice.guards import requires_role
from shared.identity.queries import AuditFilters, BrandAccess, list_brand_audit_log
from shared.identity.rules import Role, parse_audit_date
from shared.web.ids import QueryId

PAGE_SIZE = 50


@get("/b/{brand_slug:str}/audit", guards=[requires_role(Role.OWNER)])
async def audit_log(
    brand: NamedDependency[BrandAccess],
    action: FromQuery[str] = "",
    who: FromQuery[str] = "",  # not "actor": that name is the acting staff member (a dependency)
    since: FromQuery[str] = "",
    until: FromQuery[str] = "",
    before: QueryId = None,
) -> Template:
    since_date, since_error = parse_audit_date(since)
    until_date, until_error = parse_audit_date(until)
    errors = {k: v for k, v in {"since": since_error, "until": until_error}.items() if v}
    filters = AuditFilters(action=action.strip(), actor=who.strip()[:320], since=since_date, until=until_date)
    page = await list_brand_audit_log(brand.brand_id, filters, before_id=before, limit=PAGE_SIZE)
    form = {"action": action, "who": who, "since": since, "until": until}
    older = None
    if page.older_than is not None:
        older = "?" + urlencode({**{k: v for k, v in form.items() if v}, "before": page.older_than})
    return Template(
        "backoffice/audit_log.html",
        context={"brand": brand, "page": page, "form": form, "errors": errors, "older_url": older},
        status_code=400 if errors else 200,
    )
