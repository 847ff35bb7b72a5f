"""Fixtures for the local OpenID Connect provider and OAuth2 stand-ins (creator sign-in).

The provider is oidc-provider-mock on a thread, on 127.0.0.1 and a random port, for the whole
session. The app runs in-process (`oidc_client`), so to walk the flow a second httpx client
plays the browser at the provider, and the callback URL it is sent to is fed back to the app.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar

from app import create_app
from shared.integrations.oauth_demo_provider import DemoProvider, running_demo_provider
from shared.settings import OidcProvider, Settings
from tests.conftest import app_client
from tests.live_server import ROOT, free_port


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[DemoProvider]:
    with running_demo_provider() as provider:
        yield provider


@pytest.fixture
def oidc_settings(settings: Settings, oidc_provider: DemoProvider) -> Settings:
    """Test settings with two creator providers backed by the same stand-in: "demo" and "other"."""
    demo = oidc_provider.settings()
    other = dataclasses.replace(demo, name="other", label="Other ID", client_id="rapport-other")
    return dataclasses.replace(settings, oidc_providers=(demo, other))


@pytest.fixture
def oidc_app(oidc_settings: Settings) -> Litestar:
    return create_app(oidc_settings)


@pytest.fixture
async def oidc_client(oidc_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(oidc_app) as client:
        yield client


def set_provider_user(provider: DemoProvider, subject: str, claims: Mapping[str, Any]) -> None:
    """Tell the stand-in which claims to put in this subject's id_token."""
    response = httpx.put(f"{provider.issuer}/users/{subject}", json=dict(claims), timeout=5)
    assert response.status_code == 204, response.text


async def authorize_at_provider(authorize_url: str, subject: str | None, *, deny: bool = False) -> str:
    """Play the browser at the provider: approve as `subject` (or deny); return the callback URL it sends us to."""
    async with httpx.AsyncClient(timeout=10) as browser:
        data = {"action": "deny"} if deny else {"sub": subject or ""}
        response = await browser.post(authorize_url, data=data, follow_redirects=False)
    assert response.status_code in (302, 303), response.text[:500]
    return str(response.headers["location"])


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


async def start_sign_in(client: httpx.AsyncClient, provider: str = "demo") -> str:
    """Click "Continue with …": the authorize URL the app sends the browser to."""
    response = await client.get(f"/auth/{provider}/signin", follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return str(response.headers["location"])


async def sign_in_creator(
    client: httpx.AsyncClient,
    subject: str,
    *,
    provider: str = "demo",
    claims: Mapping[str, Any] | None = None,
    oidc: DemoProvider | None = None,
) -> httpx.Response:
    """The whole flow over real HTTP; returns the app's answer to the callback (not followed)."""
    if claims is not None and oidc is not None:
        set_provider_user(oidc, subject, claims)
    authorize_url = await start_sign_in(client, provider)
    callback = await authorize_at_provider(authorize_url, subject)
    return await client.get(path_of(callback), follow_redirects=False)


@pytest.fixture(scope="session")
def creator_live_server(
    database_url: str, oidc_provider: DemoProvider, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like `live_server`, with the stand-in configured as the "Demo ID" creator provider."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log_file = tmp_path_factory.mktemp("live-creator") / "server.log"
    demo: OidcProvider = oidc_provider.settings()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RAPPORT_ENV": "test",
        "BASE_URL": base_url,
        "LOG_LEVEL": "INFO",
        "PORT": str(port),
        "RAPPORT_OIDC_DEMO_ISSUER": demo.issuer,
        "RAPPORT_OIDC_DEMO_CLIENT_ID": demo.client_id,
        "RAPPORT_OIDC_DEMO_CLIENT_SECRET": demo.client_secret,
        "RAPPORT_OIDC_DEMO_LABEL": demo.label,
    }
    command = [sys.executable, "-m", "uvicorn", "--factory", "app:app_from_env", "--host", "127.0.0.1"]
    with log_file.open("w") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"live server exited early:\n{log_file.read_text()}")
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"live server did not start in 30 s:\n{log_file.read_text()}")
            time.sleep(0.2)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


# --- X (OAuth 2.0 + PKCE, no OpenID Connect): a stand-in speaking X's token and users/me formats ----


@dataclasses.dataclass
class XStandIn:
    base_url: str
    # subject -> (username, name, followers)
    users: dict[str, tuple[str, str, int]] = dataclasses.field(default_factory=dict)
    refused_refresh_tokens: set[str] = dataclasses.field(default_factory=set)


def _x_app(stand_in: XStandIn) -> Any:
    import base64
    import hashlib
    import secrets

    import flask

    app = flask.Flask("x-stand-in")
    codes: dict[str, dict[str, str]] = {}
    access: dict[str, str] = {}
    refresh: dict[str, str] = {}

    def error(name: str, description: str, status: int = 400) -> Any:
        return flask.jsonify({"error": name, "error_description": description}), status

    def issue(subject: str) -> Any:
        token, renewal = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        access[token], refresh[renewal] = subject, subject
        return flask.jsonify(
            {
                "token_type": "bearer",
                "expires_in": 7200,
                "access_token": token,
                "scope": "users.read tweet.read offline.access",
                "refresh_token": renewal,
            }
        )

    @app.route("/i/oauth2/authorize", methods=["GET", "POST"])
    def authorize() -> Any:
        args = flask.request.args
        if args.get("response_type") != "code" or args.get("code_challenge_method") != "S256":
            return "bad authorization request", 400
        if flask.request.method == "GET":
            return '<form method="post"><input name="sub" placeholder="sub"><button>Authorize app</button></form>'
        target = args["redirect_uri"]
        if flask.request.form.get("action") == "deny":
            return flask.redirect(f"{target}?error=access_denied&state={args['state']}")
        code = secrets.token_urlsafe(16)
        codes[code] = {
            "sub": flask.request.form["sub"],
            "challenge": args["code_challenge"],
            "redirect_uri": target,
            "client_id": args["client_id"],
        }
        return flask.redirect(f"{target}?state={args['state']}&code={code}")

    @app.post("/2/oauth2/token")
    def token() -> Any:
        form = flask.request.form
        auth = flask.request.authorization
        if auth is None or auth.username != "x-client":
            return error("unauthorized_client", "Missing valid authorization header", 401)
        if form.get("grant_type") == "authorization_code":
            grant = codes.pop(form.get("code", ""), None)
            if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                return error("invalid_request", "Value passed for the authorization code was invalid.")
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != grant["challenge"]:
                return error("invalid_request", "Value passed for the code verifier did not match.")
            return issue(grant["sub"])
        if form.get("grant_type") == "refresh_token":
            subject = refresh.pop(form.get("refresh_token", ""), None)
            if subject is None or form.get("refresh_token") in stand_in.refused_refresh_tokens:
                return error("invalid_request", "Value passed for the token was invalid.")
            return issue(subject)
        return error("unsupported_grant_type", "grant type not supported")

    @app.get("/2/users/me")
    def me() -> Any:
        bearer = flask.request.headers.get("authorization", "").removeprefix("Bearer ")
        subject = access.get(bearer)
        if subject is None:
            return flask.jsonify({"title": "Unauthorized", "status": 401}), 401
        username, name, followers = stand_in.users.get(subject, (f"user{subject}", f"User {subject}", 0))
        metrics = {"followers_count": followers, "following_count": 10, "tweet_count": 99, "listed_count": 1}
        return flask.jsonify({"data": {"id": subject, "name": name, "username": username, "public_metrics": metrics}})

    return app


@pytest.fixture(scope="session")
def x_stand_in() -> Iterator[XStandIn]:
    import threading

    import werkzeug.serving

    stand_in = XStandIn(base_url="")
    server = werkzeug.serving.make_server("127.0.0.1", 0, _x_app(stand_in), threaded=True)
    stand_in.base_url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield stand_in
    server.shutdown()
    server.server_close()


@pytest.fixture
def x_settings(oidc_settings: Settings, x_stand_in: XStandIn) -> Settings:
    extra = {
        **oidc_settings.extra,
        "RAPPORT_X_CLIENT_ID": "x-client",
        "RAPPORT_X_CLIENT_SECRET": "x-secret",
        "RAPPORT_X_AUTHORIZE_URL": f"{x_stand_in.base_url}/i/oauth2/authorize",
        "RAPPORT_X_API_BASE": x_stand_in.base_url,
    }
    return dataclasses.replace(oidc_settings, extra=extra)


@pytest.fixture
async def x_client(x_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(create_app(x_settings)) as client:
        yield client
