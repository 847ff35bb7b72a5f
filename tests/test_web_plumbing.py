"""Cross-cutting HTTP behaviour: security headers, request ids, error pages, CSRF, body limits, probes."""

import json
import logging
import traceback

import httpx
import pytest
from litestar import Litestar, get

from app import create_app
from shared.settings import Settings
from shared.web.guards import allow_anyone
from shared.web.static_assets import asset
from tests.conftest import Cast, app_client, csrf_token_from, sign_in_staff

Client = httpx.AsyncClient


async def test_it_sends_security_headers_on_pages_and_errors(client: Client) -> None:
    for path in ("/", "/does-not-exist", "/backoffice/signin"):
        response = await client.get(path)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "strict-transport-security" not in response.headers  # only in production


async def test_it_sends_hsts_in_production(database_url: str) -> None:
    settings = Settings(env="production", database_url=database_url, base_url="https://r.example", secret_key="k" * 40)
    async with app_client(create_app(settings)) as client:
        response = await client.get("/healthz")
    assert response.headers["strict-transport-security"].startswith("max-age=")


async def test_it_gives_every_response_a_request_id(client: Client) -> None:
    first = await client.get("/")
    second = await client.get("/nope")
    assert len(first.headers["x-request-id"]) == 32
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    kept = await client.get("/", headers={"x-request-id": "lb-abcdef123456"})
    assert kept.headers["x-request-id"] == "lb-abcdef123456"
    forged = await client.get("/", headers={"x-request-id": "<script>"})
    assert forged.headers["x-request-id"] != "<script>"


async def test_it_shows_a_friendly_404_page(client: Client) -> None:
    response = await client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert response.headers["x-request-id"] in response.text  # the reference people can quote
    assert "Traceback" not in response.text


async def test_it_rejects_wrong_methods_cleanly(client: Client) -> None:
    response = await client.delete("/backoffice/signin")
    assert response.status_code == 405
    assert "not allowed" in response.text


async def test_it_refuses_unsafe_requests_without_csrf_token(client: Client, cast: Cast) -> None:
    response = await client.post("/backoffice/signin", data={"email": "bob@acme.test", "password": "x" * 12})
    assert response.status_code == 403
    assert "Reload the page" in response.text


async def test_it_refuses_oversized_bodies(client: Client) -> None:
    page = await client.get("/backoffice/signin")
    big = "x" * 1_100_000
    response = await client.post(
        "/backoffice/signin", data={"email": big, "password": "p", "_csrf_token": csrf_token_from(page.text)}
    )
    assert response.status_code == 413
    assert "too large" in response.text


async def test_it_hides_internal_errors_outside_dev(database_url: str) -> None:
    @get("/explode", guards=[allow_anyone])
    async def explode() -> str:
        raise RuntimeError("secret internals")

    app = create_app(Settings(env="test", database_url=database_url, log_level="CRITICAL"))
    app.register(explode)
    async with app_client(app) as client:
        response = await client.get("/explode")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "secret internals" not in response.text and "Traceback" not in response.text


async def test_it_answers_health_probes_as_json(client: Client) -> None:
    health = await client.get("/healthz")
    assert health.status_code == 200 and health.json() == {"status": "ok"}
    ready = await client.get("/readyz")
    # Database and schema are fine; no worker has run in this test, so not ready yet.
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == "ok"
    assert ready.json()["checks"]["migrations"] == "ok"
    assert "no heartbeat" in ready.json()["checks"]["worker"]


async def test_it_serves_the_built_assets(client: Client) -> None:
    page = await client.get("/")
    for url in (asset("app.js"), asset("app.css")):
        assert url in page.text
        response = await client.get(url)
        assert response.status_code == 200 and len(response.content) > 1000


async def test_it_keeps_anonymous_visitors_out_of_the_session_table(client: Client) -> None:
    from shared.db.tables import WebSession

    for path in ("/", "/signin", "/backoffice/signin", "/nope"):
        response = await client.get(path)
        assert "rapport_session" not in response.cookies
    assert await WebSession.count() == 0


async def test_it_logs_in_staff_with_a_session_cookie_flags(client: Client, cast: Cast) -> None:
    page = await client.get("/backoffice/signin")
    response = await client.post(
        "/backoffice/signin",
        data={"email": "bob@acme.test", "password": "correct-horse-battery", "_csrf_token": csrf_token_from(page.text)},
    )
    cookie = response.headers["set-cookie"]
    assert "rapport_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    await sign_in_staff(client, "bob@acme.test")


async def test_it_answers_malformed_forms_with_a_clean_400(client: Client, cast: Cast) -> None:
    from shared.db.tables import AuditLog

    page = await client.get("/backoffice/signin")
    headers = {"x-csrftoken": csrf_token_from(page.text)}
    audit_rows = await AuditLog.count()
    broken_multipart = await client.post(
        "/backoffice/signin",
        content=b"--xx\r\nbroken",
        headers={**headers, "content-type": "multipart/form-data; boundary=xx"},
    )
    assert broken_multipart.status_code == 400
    assert "could not be understood" in broken_multipart.text
    assert await AuditLog.count() == audit_rows  # nothing half-written


async def test_it_logs_json_lines_carrying_the_request_id(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(env="test", database_url=database_url, log_level="INFO", log_json=True)
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        async with app_client(create_app(settings)) as client:
            assert (await client.get("/healthz")).status_code == 200
            response = await client.get("/no-such-page", headers={"x-request-id": "trace-0123456789"})
    finally:
        # The app's log handler writes to capsys's stream, which closes after this test: later lines (the
        # embedded server's at exit) would each print "Logging error" instead.
        root.handlers[:], root.level = saved
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "rapport.access"]
    assert access, lines
    assert access[-1]["request_id"] == response.headers["x-request-id"] == "trace-0123456789"
    assert access[-1]["status"] == 404 and access[-1]["event"] == "GET /no-such-page 404"
    # A healthy probe (a load balancer polls it every few seconds) leaves no line; a page does.
    assert not [line for line in access if "/healthz" in line["event"]], access


async def test_it_fails_loudly_when_the_database_is_unreachable(database_url: str) -> None:
    from shared.db.engine import configure_database

    settings = Settings(
        env="test", database_url="postgresql://rapport:secret@127.0.0.1:9/nowhere", log_level="CRITICAL"
    )
    try:
        # Litestar reports start-up failures inside an ExceptionGroup; the message is what matters.
        with pytest.raises(BaseException) as failure:
            async with app_client(create_app(settings)):
                pass
        text = "".join(traceback.format_exception(failure.value))
        assert "Cannot connect to PostgreSQL at postgresql://rapport:***@127.0.0.1:9/nowhere" in text
        assert "secret" not in text
    finally:
        configure_database(database_url)  # the engine is process-wide: point it back for the next tests


def test_it_keeps_secret_tokens_out_of_the_access_log() -> None:
    from shared.web.middleware import loggable_path

    assert loggable_path("/storage/parts/abc.def-ghi") == "/storage/parts/<token>"
    assert loggable_path("/storage/objects/xyz") == "/storage/objects/<token>"
    assert loggable_path("/backoffice/invitations/s3cret") == "/backoffice/invitations/<token>"
    assert loggable_path("/join/s3cret") == "/join/<token>"
    assert loggable_path("/backoffice/b/acme/offers/12") == "/backoffice/b/acme/offers/12"


async def test_it_lets_browsers_reach_the_object_store_in_s3_mode(
    s3_app: Litestar, moto_endpoint: str, app: Litestar
) -> None:
    """Parts go straight from the browser to the store, and previews play from it: CSP must allow that origin."""
    # One app at a time: both would share (and fight over) the process's connection pool.
    async with app_client(s3_app) as s3_app_client:
        policy = (await s3_app_client.get("/healthz")).headers["content-security-policy"]
    assert f"connect-src 'self' {moto_endpoint}" in policy and f"media-src 'self' blob: {moto_endpoint}" in policy
    assert "script-src 'self';" in policy  # still no inline or foreign scripts
    async with app_client(app) as client:
        local = (await client.get("/healthz")).headers["content-security-policy"]
    assert "connect-src 'self';" in local


def test_dates_and_moments_read_one_way() -> None:
    """One filter, one pattern: a date 'Tue 08 Dec 2026'; a moment the same, with the time (app.js then
    writes it in the viewer's zone, same pattern)."""
    import datetime as dt

    from shared.web.templating import format_day, local_time, when

    assert when(dt.date(2026, 12, 8)) == "Tue 08 Dec 2026" == format_day(dt.date(2026, 12, 8))
    moment = dt.datetime(2026, 11, 28, 21, 55, tzinfo=dt.UTC)
    assert (
        str(when(moment))
        == str(local_time(moment))
        == ('<time datetime="2026-11-28T21:55:00+00:00" data-local>Sat 28 Nov 2026, 21:55 UTC</time>')
    )
    assert when(None) == "—"
