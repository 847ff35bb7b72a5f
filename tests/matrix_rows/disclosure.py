"""Authorization rows for the disclosure settings: every role at the brand reads; owners and managers save."""

from __future__ import annotations

from shared.identity.rules import Role
from tests.authz import Route, staff_only

B = "/backoffice/b/{brand_slug:str}/settings/disclosure"
U = "/backoffice/b/acme/settings/disclosure"

ROUTES = [
    Route("GET", B, f"{U}?caption=%23ad+hello&platform=instagram&kind=post", staff_only(brand_scoped=True)),
    # An empty form saves the default rules: 303 back to the page.
    Route("POST", B, U, staff_only(brand_scoped=True, roles=(Role.OWNER, Role.MANAGER))),
]
