"""Authorization rows for tax: each creator fills in and reads only their own tax form (/tax is always the signed-in
creator's own; no URL names another's). In the back-office, owners set the payout hold; finance and owners read the
year-end list and download the filing file; everyone else is refused, other brands get 404."""

from __future__ import annotations

import datetime as dt

from shared.identity.rules import Role
from tests.authz import Route, creator_only, staff_only

B = "/backoffice/b/{brand_slug:str}"
U = "/backoffice/b/acme"
MONEY = staff_only(brand_scoped=True, roles=(Role.OWNER, Role.FINANCE))
OWNERS = staff_only(brand_scoped=True, roles=(Role.OWNER,))
YEAR = dt.datetime.now(dt.UTC).year

ROUTES = [
    Route("GET", "/tax", "/tax", creator_only()),
    Route("GET", "/tax/w9", "/tax/w9", creator_only()),
    Route("GET", "/tax/w8ben", "/tax/w8ben", creator_only()),
    # An empty form: 400 with the messages.
    Route("POST", "/tax/w9", "/tax/w9", creator_only()),
    Route("POST", "/tax/w8ben", "/tax/w8ben", creator_only()),
    Route("GET", f"{B}/settings/tax", f"{U}/settings/tax", OWNERS),
    Route("POST", f"{B}/settings/tax", f"{U}/settings/tax", OWNERS),
    Route("GET", f"{B}/year-end", f"{U}/year-end", MONEY),
    Route("GET", f"{B}/year-end/{{year:int}}/1099-nec.csv", f"{U}/year-end/{YEAR}/1099-nec.csv", MONEY),
]
