"""Authorization rows for the workspace: the header search and the messages inbox, for every role at the brand."""

from __future__ import annotations

from tests.authz import Route, staff_only

B = "/backoffice/b/{brand_slug:str}"
U = "/backoffice/b/acme"

ROUTES = [
    Route("GET", f"{B}/search", f"{U}/search?q=al", staff_only(brand_scoped=True)),
    Route("GET", f"{B}/messages", f"{U}/messages", staff_only(brand_scoped=True)),
]
