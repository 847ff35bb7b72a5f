"""create_app(settings) -> Litestar: the one place that wires the portal, the back-office and the plumbing."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.plugins.flash import FlashConfig, FlashPlugin

from backoffice.routes import backoffice_router
from portal.routes import portal_router
from shared.db.engine import configure_database, connection_pool, redact_dsn, resolve_database_url
from shared.integrations.storage_factory import browser_origin, storage_from_settings
from shared.integrations.stripe_connect import stripe_hosted_origins
from shared.jobs import job_queue, worker_in_background
from shared.logs import configure_logging
from shared.settings import Settings
from shared.web.errors import EXCEPTION_HANDLERS
from shared.web.health import healthz, readyz
from shared.web.ids import bounded_path_ids_middleware
from shared.web.local_storage import local_storage_router, provide_storage
from shared.web.middleware import request_connection_middleware, request_id_middleware, response_hook
from shared.web.sessions import SESSION_STORE_NAME, PostgresSessionStore, session_config
from shared.web.static_assets import static_file
from shared.web.stripe_webhooks import stripe_webhook
from shared.web.templating import template_config

log = logging.getLogger("rapport")

# Webhooks are signed by their sender and cannot carry our CSRF token; local storage URLs are
# authorized by their signed token (Uppy PUTs them without our CSRF header). Static files are GET-only
# and publicly cacheable: they must not carry the CSRF cookie (a shared cache would keep it).
CSRF_EXEMPT_PATHS = ["/webhooks/", "^/storage/", "^/static/"]


_FROZEN: list[bool] = []


def _freeze_startup_objects() -> None:
    """Everything made before the first start (modules, routes, templates, the pool) lives as long as the process:
    moved out of the collector's reach, a full collection no longer walks it. Without this, every few dozen requests
    one paused for the walk (bench/results_bench.py: a 500-creator results page p95 142 ms → 43 ms, p50 unchanged
    at 37 ms). Once per process: a test process starts many apps, and freezing again would keep their garbage."""
    if not _FROZEN:
        _FROZEN.append(True)
        gc.freeze()


def create_app(settings: Settings) -> Litestar:
    configure_logging(settings.log_level, json=settings.log_json)
    templates = template_config(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        # Starting the embedded server blocks for a second or two; keep the loop free meanwhile.
        dsn = await asyncio.to_thread(resolve_database_url, settings.database_url, settings.pgdata_dir)
        engine = configure_database(dsn, pool_min=settings.db_pool_min, pool_max=settings.db_pool_max)
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(connection_pool(engine))
            jobs = await stack.enter_async_context(job_queue(dsn))
            if settings.worker_in_process:
                await stack.enter_async_context(worker_in_background(jobs))
            _freeze_startup_objects()
            log.info("rapport ready", extra={"database": redact_dsn(dsn), "env": settings.env})
            yield

    return Litestar(
        route_handlers=[
            portal_router,
            backoffice_router,
            healthz,
            readyz,
            stripe_webhook,
            local_storage_router,
            static_file,
        ],
        guards=[],
        lifespan=[lifespan],
        middleware=[
            request_connection_middleware,
            request_id_middleware,
            session_config(idle_seconds=settings.session_idle_seconds, secure=settings.secure_cookies).middleware,
            bounded_path_ids_middleware,
        ],
        stores={SESSION_STORE_NAME: PostgresSessionStore(absolute_seconds=settings.session_absolute_seconds)},
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="rapport_csrf",
            cookie_secure=settings.secure_cookies,
            cookie_samesite="lax",
            header_name="x-csrftoken",
            exclude=CSRF_EXEMPT_PATHS,
        ),
        template_config=templates,
        plugins=[FlashPlugin(config=FlashConfig(template_config=templates))],
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[
            response_hook(
                hsts=settings.is_production,
                storage_origin=browser_origin(settings),
                payments_origin=stripe_hosted_origins(settings),
            )
        ],
        request_max_body_size=settings.max_body_bytes,
        debug=settings.is_dev,
        openapi_config=None,
        logging_config=None,
        dependencies={"storage": Provide(provide_storage, sync_to_thread=False)},
        state=State({"settings": settings, "storage": storage_from_settings(settings)}),
    )


def app_from_env() -> Litestar:
    """Factory for `uvicorn --factory app:app_from_env` (several worker processes, deployments)."""
    return create_app(Settings.from_env())
