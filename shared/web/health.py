"""/healthz (the process answers) and /readyz (it can do useful work). JSON, no sign-in."""

from __future__ import annotations

from typing import Any

from litestar import Response, get

from shared.db.engine import get_engine
from shared.health import check_readiness
from shared.web.guards import allow_anyone


@get("/healthz", guards=[allow_anyone], sync_to_thread=False, include_in_schema=False, cache=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", guards=[allow_anyone], include_in_schema=False, cache=False)
async def readyz() -> Response[dict[str, Any]]:
    readiness = await check_readiness(get_engine())
    body = {"status": "ready" if readiness.ok else "not ready", "checks": readiness.checks}
    return Response(body, status_code=200 if readiness.ok else 503)
