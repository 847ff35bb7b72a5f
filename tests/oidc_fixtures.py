"""Fixtures for the local OpenID Connect provider and OAuth2 stand-ins (creator sign-in).

The provider is oidc-provider-mock on a thread, on 127.0.0.1 and a random port, for the whole
session. The app runs in-process (`oidc_client`), so to walk the flow a second httpx client
plays the browser at the provider, and the callback URL it is sent to is fed back to the app.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from litestar import Litestar

from shared.integrations.oauth_demo_provider import DemoProvider, running_demo_provider
from shared.settings import OidcProvider, Settings
from tests.conftest import app_client, reused_app
from tests.live_server import serve_app


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
    return reused_app(oidc_settings)


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
    demo: OidcProvider = oidc_provider.settings()
    provider_env = {
        "RAPPORT_OIDC_DEMO_ISSUER": demo.issuer,
        "RAPPORT_OIDC_DEMO_CLIENT_ID": demo.client_id,
        "RAPPORT_OIDC_DEMO_CLIENT_SECRET": demo.client_secret,
        "RAPPORT_OIDC_DEMO_LABEL": demo.label,
    }
    with serve_app(database_url, tmp_path_factory.mktemp("live-creator") / "server.log", provider_env) as base_url:
        yield base_url


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
    async with app_client(reused_app(x_settings)) as client:
        yield client


# --- staff single sign-on: the same stand-in configured as a staff provider ("Corp ID") ---------------


@pytest.fixture
def staff_sso_settings(settings: Settings, oidc_provider: DemoProvider) -> Settings:
    """Test settings with one staff SSO provider, "corp", backed by the stand-in (and no creator provider)."""
    corp = dataclasses.replace(
        oidc_provider.settings(name="corp", label="Corp ID"), audience="staff", client_id="rapport-staff"
    )
    return dataclasses.replace(settings, oidc_providers=(corp,))


@pytest.fixture
async def staff_sso_client(staff_sso_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(reused_app(staff_sso_settings)) as client:
        yield client


async def start_staff_sso(client: httpx.AsyncClient, provider: str = "corp") -> str:
    """Click "Sign in with …" on the back-office sign-in page: the authorize URL the app sends the browser to."""
    response = await client.get(f"/backoffice/auth/{provider}/signin", follow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    return str(response.headers["location"])


async def sign_in_staff_with_sso(
    client: httpx.AsyncClient, oidc: DemoProvider, subject: str, claims: Mapping[str, Any] | None = None
) -> httpx.Response:
    """The whole staff SSO flow over real HTTP; returns the app's answer to the callback (not followed)."""
    if claims is not None:
        set_provider_user(oidc, subject, claims)
    callback = await authorize_at_provider(await start_staff_sso(client), subject)
    return await client.get(path_of(callback), follow_redirects=False)


# --- Instagram, TikTok and YouTube: stand-ins speaking each platform's formats ------------------------


def _serving(app: Any) -> Iterator[str]:
    """Serve a Flask app on 127.0.0.1 and a free port until the generator is closed; yields its base URL."""
    import threading

    import werkzeug.serving

    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def quote(value: str) -> str:
    from urllib.parse import quote as url_quote

    return url_quote(value, safe="")


def _pkce_matches(verifier: str, challenge: str) -> bool:
    import base64
    import hashlib

    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == challenge


@dataclasses.dataclass
class InstagramStandIn:
    base_url: str = ""
    # subject (Instagram user id) -> (username, followers)
    users: dict[str, tuple[str, int]] = dataclasses.field(default_factory=dict)
    refused_tokens: set[str] = dataclasses.field(default_factory=set)
    refreshed: list[str] = dataclasses.field(default_factory=list)  # long-lived tokens renewed, in order


def _instagram_app(stand_in: InstagramStandIn) -> Any:
    import secrets

    import flask

    app = flask.Flask("instagram-stand-in")
    codes: dict[str, dict[str, str]] = {}
    short_lived: dict[str, str] = {}
    long_lived: dict[str, str] = {}

    def oauth_error(message: str) -> Any:
        # api.instagram.com's shape for a refused code
        return flask.jsonify({"error_type": "OAuthException", "code": 400, "error_message": message}), 400

    def graph_error(message: str, code: int = 190) -> Any:
        # graph.instagram.com's shape
        error = {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AbCdEf"}
        return flask.jsonify({"error": error}), 400

    def long_lived_token(subject: str) -> Any:
        token = f"IGAA{secrets.token_urlsafe(24)}"
        long_lived[token] = subject
        return flask.jsonify({"access_token": token, "token_type": "bearer", "expires_in": 5_183_944})

    @app.route("/oauth/authorize", methods=["GET", "POST"])
    def authorize() -> Any:
        args = flask.request.args
        if args.get("response_type") != "code" or args.get("scope") != "instagram_business_basic":
            return "bad authorization request", 400
        if flask.request.method == "GET":
            return '<form method="post"><input name="sub"><button>Allow</button></form>'
        target, state = args["redirect_uri"], args["state"]
        if flask.request.form.get("action") == "deny":
            return flask.redirect(
                f"{target}?error=access_denied&error_reason=user_denied"
                f"&error_description=The+user+denied+your+request.&state={state}#_"
            )
        code = secrets.token_urlsafe(16)
        codes[code] = {"sub": flask.request.form["sub"], "redirect_uri": target, "client_id": args["client_id"]}
        return flask.redirect(f"{target}?code={code}&state={state}#_")  # Instagram appends "#_"

    @app.post("/oauth/access_token")
    def access_token() -> Any:
        form = flask.request.form
        if form.get("client_id") != "ig-client" or form.get("client_secret") != "ig-secret":
            return oauth_error("Invalid platform app")
        if form.get("grant_type") != "authorization_code":
            return oauth_error("Unsupported grant_type")
        grant = codes.pop(form.get("code", ""), None)
        if grant is None:
            return oauth_error("This authorization code has been used")
        if grant["redirect_uri"] != form.get("redirect_uri"):
            return oauth_error("Error validating verification code. Please make sure your redirect_uri is identical")
        token = f"IGQV{secrets.token_urlsafe(24)}"
        short_lived[token] = grant["sub"]
        return flask.jsonify(
            {"access_token": token, "user_id": int(grant["sub"]), "permissions": "instagram_business_basic"}
        )

    @app.get("/access_token")
    def exchange() -> Any:
        args = flask.request.args
        if args.get("grant_type") != "ig_exchange_token" or args.get("client_secret") != "ig-secret":
            return graph_error("Invalid request", 100)
        subject = short_lived.pop(args.get("access_token", ""), None)
        if subject is None:
            return graph_error("Invalid OAuth access token - Cannot parse access token")
        return long_lived_token(subject)

    @app.get("/refresh_access_token")
    def refresh() -> Any:
        args = flask.request.args
        token = args.get("access_token", "")
        subject = long_lived.get(token)
        if args.get("grant_type") != "ig_refresh_token" or subject is None or token in stand_in.refused_tokens:
            return graph_error("Error validating access token: The session has been invalidated.")
        stand_in.refreshed.append(token)
        return long_lived_token(subject)

    @app.get("/me")
    def me() -> Any:
        args = flask.request.args
        subject = long_lived.get(args.get("access_token", ""))
        if subject is None:
            return graph_error("Invalid OAuth access token - Cannot parse access token")
        username, followers = stand_in.users.get(subject, (f"user{subject}", 0))
        profile = {
            "user_id": subject,
            "username": username,
            "followers_count": followers,
            "media_count": 42,
            "id": f"app-scoped-{subject}",
        }
        fields = args.get("fields", "").split(",")
        return flask.jsonify({k: v for k, v in profile.items() if k in fields or k == "id"})

    return app


@pytest.fixture(scope="session")
def instagram_stand_in() -> Iterator[InstagramStandIn]:
    stand_in = InstagramStandIn()
    server = _serving(_instagram_app(stand_in))
    stand_in.base_url = next(server)
    yield stand_in
    server.close()


@pytest.fixture
def instagram_settings(oidc_settings: Settings, instagram_stand_in: InstagramStandIn) -> Settings:
    base = instagram_stand_in.base_url
    extra = {
        **oidc_settings.extra,
        "RAPPORT_INSTAGRAM_CLIENT_ID": "ig-client",
        "RAPPORT_INSTAGRAM_CLIENT_SECRET": "ig-secret",
        "RAPPORT_INSTAGRAM_AUTHORIZE_URL": f"{base}/oauth/authorize",
        "RAPPORT_INSTAGRAM_API_BASE": base,
        "RAPPORT_INSTAGRAM_GRAPH_BASE": base,
    }
    return dataclasses.replace(oidc_settings, extra=extra)


@pytest.fixture
async def instagram_client(instagram_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(reused_app(instagram_settings)) as client:
        yield client


@dataclasses.dataclass
class TikTokStandIn:
    base_url: str = ""
    # open_id -> (username, display name, followers)
    users: dict[str, tuple[str, str, int]] = dataclasses.field(default_factory=dict)
    refused_refresh_tokens: set[str] = dataclasses.field(default_factory=set)


def _tiktok_app(stand_in: TikTokStandIn) -> Any:
    import secrets

    import flask

    app = flask.Flask("tiktok-stand-in")
    codes: dict[str, dict[str, str]] = {}
    access: dict[str, tuple[str, str]] = {}  # token -> (open_id, granted scopes)
    refresh: dict[str, tuple[str, str]] = {}

    def error(name: str, description: str) -> Any:
        # TikTok's token endpoint answers refusals with 200 and an `error` member.
        return flask.jsonify({"error": name, "error_description": description, "log_id": "20260101A1B2C3"})

    def issue(open_id: str, scope: str) -> Any:
        token, renewal = f"act.{secrets.token_urlsafe(24)}", f"rft.{secrets.token_urlsafe(24)}"
        access[token], refresh[renewal] = (open_id, scope), (open_id, scope)
        return flask.jsonify(
            {
                "access_token": token,
                "expires_in": 86400,
                "open_id": open_id,
                "refresh_expires_in": 31_536_000,
                "refresh_token": renewal,
                "scope": scope,
                "token_type": "Bearer",
            }
        )

    @app.route("/v2/auth/authorize/", methods=["GET", "POST"])
    def authorize() -> Any:
        args = flask.request.args
        if (
            args.get("client_key") != "tt-client"
            or args.get("response_type") != "code"
            or args.get("scope") != "user.info.basic,user.info.stats"
            or args.get("code_challenge_method") != "S256"
        ):
            return "bad authorization request", 400
        if flask.request.method == "GET":
            return '<form method="post"><input name="sub"><button>Continue</button></form>'
        target, state = args["redirect_uri"], args["state"]
        if flask.request.form.get("action") == "deny":
            return flask.redirect(f"{target}?error=access_denied&error_description=User+cancelled&state={state}")
        code = secrets.token_urlsafe(16)
        # The person may untick scopes on TikTok's consent screen ("scopes" in the form stands for that).
        granted = flask.request.form.get("scopes") or args["scope"]
        codes[code] = {
            "sub": flask.request.form["sub"],
            "challenge": args["code_challenge"],
            "redirect_uri": target,
            "scope": granted,
        }
        return flask.redirect(f"{target}?code={code}&scopes={quote(granted)}&state={state}")

    @app.post("/v2/oauth/token/")
    def token() -> Any:
        form = flask.request.form
        if form.get("client_key") != "tt-client" or form.get("client_secret") != "tt-secret":
            return error("invalid_client", "Client key or secret is incorrect.")
        if form.get("grant_type") == "authorization_code":
            grant = codes.pop(form.get("code", ""), None)
            if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                return error("invalid_grant", "Authorization code is expired.")
            if not _pkce_matches(form.get("code_verifier", ""), grant["challenge"]):
                return error("invalid_request", "Code verifier or code challenge is invalid.")
            return issue(grant["sub"], grant["scope"])
        if form.get("grant_type") == "refresh_token":
            # Rotation: a refresh token is good for one renewal only.
            renewal = form.get("refresh_token", "")
            holder = refresh.pop(renewal, None)
            if holder is None or renewal in stand_in.refused_refresh_tokens:
                return error("invalid_grant", "Refresh token is invalid or expired.")
            return issue(*holder)
        return error("invalid_request", "grant_type is not supported.")

    @app.get("/v2/user/info/")
    def user_info() -> Any:
        bearer = flask.request.headers.get("authorization", "").removeprefix("Bearer ")
        holder = access.get(bearer)
        if holder is None:
            message = "The access token is invalid or not found in the request."
            return flask.jsonify({"data": {}, "error": {"code": "access_token_invalid", "message": message}}), 401
        open_id, granted = holder
        fields = flask.request.args.get("fields", "").split(",")
        needed = {"username": "user.info.profile", "follower_count": "user.info.stats"}
        if any(needed.get(field, "user.info.basic") not in granted.split(",") for field in fields):
            error = {"code": "scope_not_authorized", "message": "The user did not authorize the scope required."}
            return flask.jsonify({"data": {}, "error": error}), 401
        username, name, followers = stand_in.users.get(open_id, (f"user{open_id}", f"User {open_id}", 0))
        user = {
            "open_id": open_id,
            "union_id": f"union-{open_id}",
            "display_name": name,
            "username": username,
            "follower_count": followers,
        }
        return flask.jsonify(
            {
                "data": {"user": {k: v for k, v in user.items() if k in fields}},
                "error": {"code": "ok", "message": "", "log_id": "20260101A1B2C3"},
            }
        )

    return app


@pytest.fixture(scope="session")
def tiktok_stand_in() -> Iterator[TikTokStandIn]:
    stand_in = TikTokStandIn()
    server = _serving(_tiktok_app(stand_in))
    stand_in.base_url = next(server)
    yield stand_in
    server.close()


@pytest.fixture
def tiktok_settings(oidc_settings: Settings, tiktok_stand_in: TikTokStandIn) -> Settings:
    extra = {
        **oidc_settings.extra,
        "RAPPORT_TIKTOK_CLIENT_KEY": "tt-client",
        "RAPPORT_TIKTOK_CLIENT_SECRET": "tt-secret",
        "RAPPORT_TIKTOK_AUTHORIZE_URL": f"{tiktok_stand_in.base_url}/v2/auth/authorize/",
        "RAPPORT_TIKTOK_API_BASE": tiktok_stand_in.base_url,
    }
    return dataclasses.replace(oidc_settings, extra=extra)


@pytest.fixture
async def tiktok_client(tiktok_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(reused_app(tiktok_settings)) as client:
        yield client


YOUTUBE_SCOPE = "https://www.googleapis.com/auth/youtube.readonly"


@dataclasses.dataclass
class YouTubeStandIn:
    """The YouTube Data API's channels.list for the signed-in account (any bearer token is that account)."""

    base_url: str = ""
    subscribers: int = 0
    hidden: bool = False
    bearer_tokens: list[str] = dataclasses.field(default_factory=list)


def _youtube_app(stand_in: YouTubeStandIn) -> Any:
    import flask

    app = flask.Flask("youtube-stand-in")

    @app.get("/youtube/v3/channels")
    def channels() -> Any:
        bearer = flask.request.headers.get("authorization", "").removeprefix("Bearer ")
        args = flask.request.args
        if not bearer:
            error = {"code": 401, "message": "Request is missing required authentication credential.", "errors": []}
            return flask.jsonify({"error": error}), 401
        if args.get("mine") != "true" or set(args.get("part", "").split(",")) != {"statistics", "snippet"}:
            return flask.jsonify({"error": {"code": 400, "message": "bad request", "errors": []}}), 400
        stand_in.bearer_tokens.append(bearer)
        statistics: dict[str, object] = {"viewCount": "9876543", "hiddenSubscriberCount": stand_in.hidden}
        if not stand_in.hidden:
            statistics["subscriberCount"] = str(stand_in.subscribers)  # a string, rounded, as YouTube sends it
        statistics["videoCount"] = "321"
        channel = {
            "kind": "youtube#channel",
            "etag": "etag-1",
            "id": "UCabcdefghijklmnopqrstuv",
            "snippet": {"title": "Gus Plays", "description": "", "customUrl": "@gusplays"},
            "statistics": statistics,
        }
        return flask.jsonify(
            {
                "kind": "youtube#channelListResponse",
                "etag": "etag-0",
                "pageInfo": {"totalResults": 1, "resultsPerPage": 5},
                "items": [channel],
            }
        )

    return app


@pytest.fixture(scope="session")
def youtube_stand_in() -> Iterator[YouTubeStandIn]:
    stand_in = YouTubeStandIn()
    server = _serving(_youtube_app(stand_in))
    stand_in.base_url = next(server)
    yield stand_in
    server.close()


@pytest.fixture
def youtube_settings(settings: Settings, oidc_provider: DemoProvider, youtube_stand_in: YouTubeStandIn) -> Settings:
    """A creator provider named "google" (the OpenID stand-in, with a client allowed youtube.readonly)."""
    scopes = f"openid email profile {YOUTUBE_SCOPE}"
    registered = httpx.post(
        f"{oidc_provider.issuer}/oauth2/clients",
        json={"redirect_uris": [f"{settings.base_url}/auth/google/callback"], "scope": scopes},
        timeout=5,
    )
    assert registered.status_code == 201, registered.text
    client = registered.json()
    google = dataclasses.replace(
        oidc_provider.settings(name="google", label="Google"),
        client_id=client["client_id"],
        client_secret=client["client_secret"],
        scopes=scopes,
    )
    extra = {**settings.extra, "RAPPORT_YOUTUBE_API_BASE": youtube_stand_in.base_url}
    return dataclasses.replace(settings, oidc_providers=(google,), extra=extra)


@pytest.fixture
async def youtube_client(youtube_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(reused_app(youtube_settings)) as client:
        yield client
