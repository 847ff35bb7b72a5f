"""Friendly error pages (HTML for people, JSON for probes and API clients), never a stack trace outside dev."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR, HTTP_503_SERVICE_UNAVAILABLE

from shared.db.engine import is_database_unavailable
from shared.errors import IllegalTransition, InvalidInput, NotFound, PermissionDenied
from shared.integrations.storage import StorageUnavailable
from shared.web.middleware import request_id_of

log = logging.getLogger("rapport.errors")

TITLES = {
    400: "That request could not be understood",
    401: "Please sign in",
    403: "You do not have access to this",
    404: "Page not found",
    405: "That action is not allowed here",
    409: "That change is no longer possible",
    413: "That upload or form is too large",
    429: "Too many attempts",
    500: "Something went wrong on our side",
    503: "Rapport is briefly unavailable",
}

HINTS = {
    400: "Check what you entered and try again.",
    403: "If you think you should have access, ask an owner of your brand.",
    404: "The link may be old, or the item may have been removed.",
    405: "Go back and use the buttons on the page.",
    409: "Someone may have changed it meanwhile. Reload the page to see its current state.",
    413: "Make it smaller and try again.",
    500: "The problem has been logged. Try again in a minute; quote the reference below if it persists.",
    503: "The database did not answer. Try again in a few seconds; if you were saving something, check it is there.",
}


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    if request.url.path in ("/healthz", "/readyz"):
        return True
    if request.query_params.get("as") == "s3":  # the upload endpoints answering Uppy's own S3 requests
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _sign_in_path(path: str) -> str:
    return "/backoffice/signin" if path.startswith("/backoffice") else "/signin"


# Object storage could not be reached (S3 mode): said on the page, or in the JSON the upload script shows.
STORAGE_UNAVAILABLE = "The file store can't be reached right now, so nothing was saved. Try again in a minute."


def error_response(
    request: Request[Any, Any, Any], status: int, detail: str = "", hint: str | None = None
) -> Response[Any]:
    request_id = request_id_of(request.scope)
    title = TITLES.get(status, "Request failed")
    if _wants_json(request):
        return Response(
            {"status": status, "error": title, "detail": detail, "request_id": request_id}, status_code=status
        )
    template = request.app.template_engine.get_template("errors/error.html")  # type: ignore[union-attr]
    side = "backoffice" if request.url.path.startswith("/backoffice") else "portal"
    html = template.render(
        request=request,
        status=status,
        title=title,
        detail=detail,
        hint=HINTS.get(status, "") if hint is None else hint,
        request_id=request_id,
        side=side,
    )
    return Response(html, status_code=status, media_type=MediaType.HTML)


def http_exception_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, NotAuthorizedException) and request.method == "GET" and not _wants_json(request):
        target = f"{_sign_in_path(request.url.path)}?next={quote(request.url.path)}"
        return Redirect(target)
    detail = exc.detail if exc.status_code < 500 else ""
    if isinstance(exc, ValidationException):
        detail = "Some fields were missing or not in the expected format."
    if exc.status_code == 403 and "CSRF" in str(exc.detail):
        detail = "This form expired or was sent from another site. Reload the page and try again."
    # Litestar's default detail is just the status phrase ("Not Found"); the title already says it.
    if detail == HTTPStatus(exc.status_code).phrase:
        detail = ""
    return error_response(request, exc.status_code, detail)


def domain_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    status = {NotFound: 404, PermissionDenied: 403, IllegalTransition: 409, InvalidInput: 400}.get(type(exc), 400)
    return error_response(request, status, str(exc))


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if is_database_unavailable(exc):
        # An action's transaction rolled back with the connection: answer "try again", not "our bug".
        log.warning("database unavailable: %s: %s", type(exc).__name__, exc)
        response = error_response(request, HTTP_503_SERVICE_UNAVAILABLE)
        response.headers["Retry-After"] = "5"
        return response
    log.exception("unhandled error", exc_info=exc)
    if request.app.debug:
        raise exc
    return error_response(request, HTTP_500_INTERNAL_SERVER_ERROR)


def storage_unavailable_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.warning("storage unavailable: %s", exc)
    response = error_response(request, HTTP_503_SERVICE_UNAVAILABLE, STORAGE_UNAVAILABLE, hint="")
    response.headers["Retry-After"] = "30"
    return response


EXCEPTION_HANDLERS: dict[Any, Any] = {
    StorageUnavailable: storage_unavailable_handler,
    HTTPException: http_exception_handler,
    NotFound: domain_error_handler,
    PermissionDenied: domain_error_handler,
    IllegalTransition: domain_error_handler,
    InvalidInput: domain_error_handler,
    Exception: internal_error_handler,
}
