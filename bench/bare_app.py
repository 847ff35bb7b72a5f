"""The ceiling: a bare Litestar app answering /healthz, served by uvicorn exactly as `rapport serve` serves ours.

    uv run python bench/bare_app.py 8199

No middleware, no sessions, no CSRF, no templates, no database: what the framework and the server cost
for a route that does nothing. `bench/http_bench.py` runs it next to Rapport and reports every route as
a ratio of this app's requests/s measured in the same run.
"""

from __future__ import annotations

import sys

import uvicorn
from litestar import Litestar, get


@get("/healthz", sync_to_thread=False)
def healthz() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar(route_handlers=[healthz], openapi_config=None, logging_config=None)

if __name__ == "__main__":
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        log_config=None,
        access_log=False,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
    )
