"""The portal's front door: what Rapport does for creators, and how to sign in."""

from __future__ import annotations

from litestar import get
from litestar.response import Template

from shared.web.guards import allow_anyone


@get("/", guards=[allow_anyone], name="portal:home")
async def home() -> Template:
    return Template("portal/home.html")


@get("/signin", guards=[allow_anyone], name="portal:signin")
async def signin_page() -> Template:
    # Social sign-in providers are configured from the environment (identity issue);
    # until one is, the page says so instead of showing dead buttons.
    return Template("portal/auth_signin.html", context={"providers": []})
