"""Authorization-matrix rows for the deliverables board (list, calendar) and the creator's work list."""

from __future__ import annotations

from tests.authz import Route, creator_only, staff_only

ROUTES = [
    Route(
        "GET",
        "/backoffice/b/{brand_slug:str}/deliverables",
        "/backoffice/b/acme/deliverables",
        staff_only(brand_scoped=True),
    ),
    Route(
        "GET",
        "/backoffice/b/{brand_slug:str}/deliverables/calendar",
        "/backoffice/b/acme/deliverables/calendar?month=2026-12",
        staff_only(brand_scoped=True),
    ),
    # Each creator sees only their own work: the page has no object in its URL to ask for.
    Route("GET", "/work", "/work", creator_only()),
]
