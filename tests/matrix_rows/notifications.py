"""Authorization rows for notifications: everyone signed in has their own list; nobody sees another's."""

from __future__ import annotations

from tests.authz import Route, creator_only, staff_only

ROUTES = [
    Route("GET", "/notifications", "/notifications", creator_only()),
    Route("POST", "/notifications/read", "/notifications/read", creator_only()),
    Route("GET", "/backoffice/notifications", "/backoffice/notifications", staff_only()),
    Route("POST", "/backoffice/notifications/read", "/backoffice/notifications/read", staff_only()),
]
