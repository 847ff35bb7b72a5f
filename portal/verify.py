"""The public /verify page: drop a PDF, learn whether it is a contract executed here (no sign-in, rate-limited)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.handlers import HTTPRouteHandler
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.response import Template

from shared.contracts.verification import MAX_BYTES, Verdict, verify_pdf
from shared.web.auth import client_ip
from shared.web.guards import allow_anyone

# Ten checks a minute per address: plenty for a person, useless for guessing.
RATE_LIMIT = RateLimitConfig(rate_limit=("minute", 10), identifier_for_request=client_ip, store="rate_limit")


@get("/verify", guards=[allow_anyone])
async def verify_page() -> Template:
    return Template("portal/verify.html", context={"verdict": None})


@post(
    "/verify",
    guards=[allow_anyone],
    status_code=200,
    request_max_body_size=MAX_BYTES + 1024 * 1024,
    middleware=[RATE_LIMIT.middleware],
)
async def verify_upload(request: Request[Any, Any, Any]) -> Template:
    form = await request.form()
    upload = form.get("file")
    data = b""
    if isinstance(upload, UploadFile):
        data = await upload.read(MAX_BYTES + 1)
    verdict: Verdict = await verify_pdf(data)
    return Template("portal/verify.html", context={"verdict": verdict}, status_code=200 if data else 400)


HANDLERS: list[HTTPRouteHandler] = [verify_page, verify_upload]
