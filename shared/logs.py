"""Structured logging: every line carries the request id; JSON in production, readable in dev.

The standard library's loggers (uvicorn, piccolo, procrastinate) are routed through the same
structlog processors, so one format covers everything the process prints.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Libraries whose INFO lines narrate routine work (procrastinate: a line per periodic job, every 30 s for the
# heartbeat; werkzeug: the Demo ID provider's request lines). Below LOG_LEVEL=DEBUG they only speak up for
# warnings and errors.
# httpx logs every request's full URL at INFO, and some platform APIs (Instagram's Graph API) take the access
# token in the query string: at INFO and above those lines are not written.
CHATTY_LOGGERS = ("procrastinate", "werkzeug", "httpx", "httpcore", "weasyprint", "fontTools")

# Keys whose values never reach a log line, whatever the caller passes.
SECRET_KEYS = frozenset(
    {"password", "secret", "token", "access_token", "refresh_token", "authorization", "cookie", "tin", "foreign_tin"}
)


def _redact_secrets(_logger: Any, _name: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in event:
        if key.lower() in SECRET_KEYS:
            event[key] = "***"
    return event


def configure_logging(level: str = "INFO", *, json: bool = False) -> None:
    shared_processors: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _redact_secrets,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if json
        # Tracebacks without local variables: a failing action's locals may hold a password or a TIN.
        else structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.RichTracebackFormatter(show_locals=False)
        )
    )
    structlog.configure(
        processors=[*shared_processors, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared_processors, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *([structlog.processors.format_exc_info] if json else []),
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's own access log duplicates ours (which has the request id); keep its errors.
    logging.getLogger("uvicorn.access").handlers[:] = []
    logging.getLogger("uvicorn.access").propagate = False
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # Quiet by default: LOG_LEVEL=DEBUG brings the libraries' routine lines back.
    chatty_level = logging.NOTSET if root.level <= logging.DEBUG else logging.WARNING
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(chatty_level)
