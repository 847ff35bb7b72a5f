"""The authorization matrix: every route of the app, for every kind of visitor, against an explicit table.

Routes are enumerated from Litestar's route map, so a new route that is missing from ROUTES fails
`test_it_lists_every_route`, and nothing escapes the matrix.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import secrets

import httpx
import pytest
from litestar import Litestar

from shared.audit.context import system_actor
from shared.db.tables import SocialIdentity
from shared.identity.actions import SocialAccount, do_create_creator, do_create_staff_user, do_grant_membership
from shared.identity.rules import Role
from shared.web.sessions import SESSION_COOKIE, PostgresSessionStore
from shared.web.static_assets import asset
from tests import matrix_rows
from tests.authz import (
    FORBIDDEN,
    NOTFOUND,
    OK,
    PERSONAS,
    SIGNIN,
    Route,
    creator_only,
    public,
    staff_only,
    staff_owners_only,
)
from tests.conftest import Cast, csrf_token_from

ROUTES: list[Route] = [
    Route("GET", "/", "/", public()),
    Route("GET", "/signin", "/signin", public()),
    Route("GET", "/healthz", "/healthz", public()),
    Route("GET", "/readyz", "/readyz", {p: "any" for p in PERSONAS}),  # 200 or 503, never an auth answer
    Route("GET", "/static/{file_path:path}", asset("app.js"), public()),
    Route("GET", "/backoffice/signin", "/backoffice/signin", public()),
    Route("POST", "/backoffice/signin", "/backoffice/signin", public()),
    # Signing out always ends on the sign-in page, whoever asks.
    Route("POST", "/backoffice/signout", "/backoffice/signout", dict.fromkeys(PERSONAS, SIGNIN)),
    Route("GET", "/backoffice", "/backoffice/", staff_only()),
    Route("GET", "/backoffice/brands/new", "/backoffice/brands/new", staff_only()),
    Route("POST", "/backoffice/brands", "/backoffice/brands", staff_owners_only()),
    Route("GET", "/backoffice/b/{brand_slug:str}", "/backoffice/b/acme", staff_only(brand_scoped=True)),
    # Staff identity: the steps after the password answer "sign in first" when no sign-in is pending.
    Route("GET", "/backoffice/signin/code", "/backoffice/signin/code", dict.fromkeys(PERSONAS, SIGNIN)),
    Route("POST", "/backoffice/signin/code", "/backoffice/signin/code", dict.fromkeys(PERSONAS, SIGNIN)),
    Route("GET", "/backoffice/signin/enrol", "/backoffice/signin/enrol", dict.fromkeys(PERSONAS, SIGNIN)),
    Route("POST", "/backoffice/signin/enrol", "/backoffice/signin/enrol", dict.fromkeys(PERSONAS, SIGNIN)),
    # Staff SSO. The matrix's app has no staff provider configured, so provider URLs are 404.
    Route(
        "GET",
        "/backoffice/auth/{provider:str}/signin",
        "/backoffice/auth/corp/signin",
        dict.fromkeys(PERSONAS, NOTFOUND),
    ),
    Route(
        "GET",
        "/backoffice/auth/{provider:str}/callback",
        "/backoffice/auth/corp/callback",
        dict.fromkeys(PERSONAS, NOTFOUND),
    ),
    # An invitation link is public; a made-up token is simply not found.
    Route(
        "GET",
        "/backoffice/invitations/{token:str}",
        "/backoffice/invitations/made-up",
        dict.fromkeys(PERSONAS, NOTFOUND),
    ),
    Route(
        "POST",
        "/backoffice/invitations/{token:str}",
        "/backoffice/invitations/made-up",
        dict.fromkeys(PERSONAS, NOTFOUND),
    ),
    Route("GET", "/backoffice/account", "/backoffice/account", staff_only()),
    Route("GET", "/backoffice/account/totp", "/backoffice/account/totp", staff_only()),
    Route("POST", "/backoffice/account/totp", "/backoffice/account/totp", staff_only()),
    Route("POST", "/backoffice/account/totp/disable", "/backoffice/account/totp/disable", staff_only()),
    Route("POST", "/backoffice/account/time-zone", "/backoffice/account/time-zone", staff_only()),
    Route("POST", "/backoffice/account/recovery-codes", "/backoffice/account/recovery-codes", staff_only()),
    Route("POST", "/backoffice/account/sign-out-everywhere", "/backoffice/account/sign-out-everywhere", staff_only()),
    Route("GET", "/backoffice/b/{brand_slug:str}/team", "/backoffice/b/acme/team", staff_only(brand_scoped=True)),
    Route(
        "GET",
        "/backoffice/b/{brand_slug:str}/audit",
        "/backoffice/b/acme/audit",
        staff_only(brand_scoped=True, roles=(Role.OWNER,)),
    ),
    Route(
        "POST",
        "/backoffice/b/{brand_slug:str}/team/invitations",
        "/backoffice/b/acme/team/invitations",
        staff_only(brand_scoped=True, roles=(Role.OWNER,)),
    ),
    Route(
        "POST",
        "/backoffice/b/{brand_slug:str}/team/members/{member_id:int}/role",
        "/backoffice/b/acme/team/members/1/role",  # Ada; an empty form changes nothing (400)
        staff_only(brand_scoped=True, roles=(Role.OWNER,)),
    ),
    # No invitation 999 / member 999 at Acme: the owner gets 404, everyone else is stopped before.
    Route(
        "POST",
        "/backoffice/b/{brand_slug:str}/team/invitations/{invitation_id:int}/revoke",
        "/backoffice/b/acme/team/invitations/999/revoke",
        {**staff_only(brand_scoped=True, roles=(Role.OWNER,)), "owner_x": NOTFOUND},
    ),
    Route(
        "POST",
        "/backoffice/b/{brand_slug:str}/team/members/{member_id:int}/remove",
        "/backoffice/b/acme/team/members/999/remove",
        {**staff_only(brand_scoped=True, roles=(Role.OWNER,)), "owner_x": NOTFOUND},
    ),
    # --- creator portal. The matrix's app has no sign-in provider configured, so provider URLs are 404.
    Route("GET", "/auth/{provider:str}/signin", "/auth/demo/signin", dict.fromkeys(PERSONAS, NOTFOUND)),
    Route("GET", "/auth/{provider:str}/callback", "/auth/demo/callback", dict.fromkeys(PERSONAS, NOTFOUND)),
    Route("POST", "/signout", "/signout", dict.fromkeys(PERSONAS, SIGNIN)),
    Route("GET", "/home", "/home", creator_only()),
    Route("GET", "/welcome", "/welcome", creator_only()),
    Route("POST", "/welcome", "/welcome", creator_only()),  # empty form: 400 with messages
    Route("GET", "/accounts", "/accounts", creator_only()),
    Route(
        "POST",
        "/accounts/link/{provider:str}",
        "/accounts/link/demo",
        {**creator_only(), "creator_a": NOTFOUND, "creator_b": NOTFOUND},
    ),
    # Alice's (creator_a's) social account: Bilal (creator_b) gets 404, as if it did not exist.
    Route(
        "POST",
        "/accounts/{identity_id:int}/unlink",
        "/accounts/{alice_identity}/unlink",
        creator_only(other_creator=NOTFOUND),
    ),
    Route("GET", "/privacy", "/privacy", creator_only()),
    Route("GET", "/privacy/export", "/privacy/export", creator_only()),
    Route("GET", "/privacy/delete", "/privacy/delete", creator_only()),
    Route("POST", "/privacy/delete", "/privacy/delete", creator_only()),  # without the confirm word: 400
]


# Each area keeps its rows in tests/matrix_rows/<area>.py: `ROUTES` (a list of Route) and optionally
# `async def placeholders(cast) -> dict[str, str]`, which builds the sample objects its URLs name
# ({acme_campaign}, ...) through real actions and returns their values.
AREA_MODULES = [
    importlib.import_module(f"tests.matrix_rows.{info.name}") for info in pkgutil.iter_modules(matrix_rows.__path__)
]
for _module in AREA_MODULES:
    ROUTES.extend(_module.ROUTES)


def app_routes(app: Litestar) -> set[tuple[str, str]]:
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method not in ("OPTIONS", "HEAD"):
                    found.add((method, route.path))
    return found


def test_it_lists_every_route(app: Litestar) -> None:
    listed = {(route.method, route.path) for route in ROUTES}
    missing = app_routes(app) - listed
    assert not missing, f"routes missing from the authorization matrix: {sorted(missing)}"
    stale = listed - app_routes(app)
    assert not stale, f"matrix rows for routes that no longer exist: {sorted(stale)}"


def test_it_covers_every_persona() -> None:
    for route in ROUTES:
        assert set(route.expected) == set(PERSONAS), route


async def _persona_sessions(cast: Cast) -> dict[str, dict[str, int]]:
    actor = system_actor("matrix")
    rita = await do_create_staff_user(actor, email="rita@acme.test", name="Rita Reviewer", password=None)
    await do_grant_membership(actor, staff_id=int(rita.id), brand_id=cast.acme_id, role=Role.REVIEWER)
    bilal = await do_create_creator(
        actor,
        display_name="Bilal Khan",
        email="bilal@creators.test",
        country="GB",
        niches=["tech"],
        accounts=[SocialAccount("youtube", "yt-bilal", "BilalTech", 870_000)],
    )
    return {
        "anonymous": {},
        "creator_a": {"creator_id": cast.alice_id},
        "creator_b": {"creator_id": int(bilal.id)},
        "owner_x": {"staff_id": cast.olivia_id},
        "manager_x": {"staff_id": cast.bob_id},
        "reviewer_x": {"staff_id": int(rita.id)},
        "finance_x": {"staff_id": cast.fran_id},
        "viewer_x": {"staff_id": cast.vic_id},
        "manager_y": {"staff_id": cast.charlie_id},
    }


def _outcome(response: httpx.Response) -> str:
    if response.status_code == 401:
        return SIGNIN
    if response.status_code in (301, 302, 303, 307) and "signin" in response.headers.get("location", ""):
        return SIGNIN
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 404:
        return NOTFOUND
    assert response.status_code < 500, response.text[:500]
    return OK


async def test_it_enforces_the_matrix(client: httpx.AsyncClient, cast: Cast, app: Litestar) -> None:
    """Each persona is a real server-side session (as after a completed sign-in) in the real store,
    fresh for every request so that signing out or a refused action cannot leak into the next row."""
    sessions = await _persona_sessions(cast)
    alice_identity = (
        await SocialIdentity.select(SocialIdentity.id).where(SocialIdentity.creator == cast.alice_id).first()
    )
    assert alice_identity is not None
    values = {"{alice_identity}": str(alice_identity["id"])}
    for module in AREA_MODULES:
        if hasattr(module, "placeholders"):
            values.update({f"{{{name}}}": value for name, value in (await module.placeholders(cast)).items()})
        if hasattr(module, "placeholders_for_app"):  # sample objects that need the app (its storage)
            values.update({f"{{{k}}}": v for k, v in (await module.placeholders_for_app(cast, app)).items()})
    store = PostgresSessionStore()
    token = csrf_token_from((await client.get("/backoffice/signin")).text)
    failures = []
    for persona, data in sessions.items():
        for route in ROUTES:
            expected = route.expected[persona]
            if expected == "any":
                continue
            client.cookies.delete(SESSION_COOKIE)
            if data:
                key = secrets.token_hex(32)
                await store.set(key, json.dumps(data).encode(), expires_in=600)
                client.cookies.set(SESSION_COOKIE, key)
            url = route.url
            for placeholder, value in values.items():
                url = url.replace(placeholder, value)
            if route.method == "GET":
                response = await client.get(url, follow_redirects=False)
            else:
                response = await client.request(route.method, url, data={"_csrf_token": token}, follow_redirects=False)
            actual = _outcome(response)
            if actual != expected:
                failures.append(
                    f"{persona:<11} {route.method:<6} {url:<40} "
                    f"expected {expected}, got {actual} ({response.status_code})"
                )
    assert not failures, "\n" + "\n".join(failures)
    # Nothing a persona was refused happened anyway.
    assert await SocialIdentity.exists().where(SocialIdentity.id == alice_identity["id"])


@pytest.mark.parametrize("persona", ["creator_a", "manager_y"])
def test_it_never_uses_403_for_another_brands_objects(persona: str) -> None:
    """Other brands' objects answer 404: the table must never expect 403 for manager_y on brand routes."""
    for route in ROUTES:
        if "{brand_slug" in route.path:
            assert route.expected["manager_y"] == NOTFOUND, route
