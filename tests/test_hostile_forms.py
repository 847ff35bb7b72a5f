"""Hostile input on every form: each declared field, one at a time, gets each value of HOSTILE.

Routes with an unsafe method are enumerated from Litestar's route map (as the authorization matrix does),
so a new one that is missing from SWEEP fails `test_it_lists_every_unsafe_route`. For each route the
sweep posts as a persona allowed to use it, at the matrix's sample URL. What must hold for every answer:
no 5xx, no traceback, no reflected script; and when the form's declaration refuses the value, nothing
was written (every table but the session store is fingerprinted before and after).
"""

from __future__ import annotations

import json
import re
import secrets
import time
from dataclasses import dataclass

import httpx
import pytest
from litestar import Litestar

from shared.audit.context import system_actor
from shared.db.tables import SocialIdentity, StaffUser
from shared.identity.actions import do_invite_staff
from shared.identity.queries import get_staff_context
from shared.identity.rules import Role
from shared.integrations.email import Mailer
from shared.settings import Settings
from shared.web.auth import PENDING_SIGN_IN_KEY
from shared.web.forms import Form, declared_form
from shared.web.sessions import SESSION_COOKIE, PostgresSessionStore
from tests.authz import OK
from tests.conftest import Cast, csrf_token_from
from tests.email_fixtures import Inbox
from tests.personas import act_as_creator, act_as_staff
from tests.test_authorization_matrix import AREA_MODULES, ROUTES, _persona_sessions

SCRIPT = "<script>alert('rapport')</script>"
# The table of hostile values; add to it freely.
HOSTILE: dict[str, str] = {
    "empty": "",
    "20,000 characters": "x" * 20_000,
    "NUL byte": "a\x00b",
    "SQL": "1'; DROP TABLE creator; --",
    "script": SCRIPT,
    "-1": "-1",
    "1e309": "1e309",
    "23 digits": "12345678901234567890123",
    "RTL": "\u202eשלום مرحبا",
    "emoji": "🙂👍🏽🏳️\u200d🌈",
}


@dataclass(frozen=True)
class Sweep:
    persona: str  # allowed to use the route (the authorization matrix must say OK for it, unless a setup persona)
    url: str = ""  # default: the authorization matrix's sample URL
    # A page to open first when showing the form has side effects of its own (the TOTP set-up page starts
    # an enrolment), so that the sweep sees only what the post writes.
    open_first: str = ""
    json: bool = False  # the endpoint reads a JSON object (with the CSRF token in its header)


def no_form(reason: str) -> str:
    """A route that reads no form (a button, a JSON or file endpoint): listed with the reason."""
    return reason


BO = "/backoffice/b/{brand_slug:str}"
SWEEP: dict[tuple[str, str], Sweep | str] = {
    # --- staff identity
    ("POST", "/backoffice/signin"): Sweep("anonymous"),
    ("POST", "/backoffice/signout"): no_form("a button"),
    ("POST", "/backoffice/signin/code"): Sweep("pending_code"),
    ("POST", "/backoffice/signin/enrol"): Sweep("pending_enrol", open_first="/backoffice/signin/enrol"),
    ("POST", "/backoffice/invitations/{token:str}"): Sweep("anonymous", "/backoffice/invitations/{staff_invitation}"),
    ("POST", "/backoffice/account/totp"): Sweep("manager_x", open_first="/backoffice/account/totp"),
    ("POST", "/backoffice/account/totp/disable"): no_form("a button"),
    ("POST", "/backoffice/account/recovery-codes"): no_form("a button"),
    ("POST", "/backoffice/account/sign-out-everywhere"): no_form("a button"),
    ("POST", "/backoffice/brands"): Sweep("owner_x"),
    ("POST", f"{BO}/team/invitations"): Sweep("owner_x"),
    ("POST", f"{BO}/team/members/{{member_id:int}}/role"): Sweep("owner_x"),
    ("POST", f"{BO}/team/invitations/{{invitation_id:int}}/revoke"): no_form("a button"),
    ("POST", f"{BO}/team/members/{{member_id:int}}/remove"): no_form("a button"),
    ("POST", "/backoffice/notifications/read"): Sweep("manager_x"),
    # --- creator identity and portal
    ("POST", "/signout"): no_form("a button"),
    ("POST", "/welcome"): Sweep("creator_a"),
    ("POST", "/accounts/link/{provider:str}"): no_form("a button that starts an OAuth sign-in"),
    ("POST", "/accounts/{identity_id:int}/unlink"): no_form("a button"),
    ("POST", "/privacy/delete"): Sweep("creator_b"),
    ("POST", "/join/{token:str}"): no_form("a button"),
    ("POST", "/notifications/read"): Sweep("creator_a"),
    ("POST", "/payments/setup"): no_form("a button that starts Stripe onboarding"),
    ("POST", "/payments/dashboard"): no_form("a button that opens the Stripe Express dashboard"),
    # A signed raw body, not a form: tests/shared/test_stripe_webhooks.py sends it bad signatures and stale stamps.
    ("POST", "/webhooks/stripe"): no_form("Stripe's signed JSON body"),
    ("POST", f"{BO}/payouts/approve"): Sweep("finance_x"),
    ("POST", f"{BO}/exports"): Sweep("finance_x"),
    ("POST", f"{BO}/payouts/release"): Sweep("finance_x"),
    ("POST", f"{BO}/payouts/{{payable_id:int}}/refuse"): Sweep("finance_x"),
    ("POST", f"{BO}/payouts/{{payable_id:int}}/manual"): Sweep("finance_x"),
    ("POST", f"{BO}/settings/payments"): Sweep("owner_x"),
    ("POST", f"{BO}/settings/tax"): Sweep("owner_x"),
    ("POST", "/tax/w9"): Sweep("creator_a"),
    ("POST", "/tax/w8ben"): Sweep("creator_a"),
    ("POST", f"{BO}/offers/{{collaboration_id:int}}/bonus"): Sweep("manager_x"),
    ("POST", f"{BO}/reconciliation/run"): Sweep("finance_x"),
    ("POST", f"{BO}/reconciliation/close"): Sweep("finance_x"),
    ("POST", f"{BO}/reconciliation/breaks/{{item_id:int}}/note"): Sweep("finance_x"),
    ("POST", f"{BO}/reconciliation/breaks/{{item_id:int}}/correct"): Sweep("owner_x"),
    # --- crm
    ("POST", f"{BO}/creators"): Sweep("manager_x"),
    ("POST", f"{BO}/creators/{{creator_id:int}}/stage"): Sweep("manager_x"),
    ("POST", f"{BO}/creators/{{creator_id:int}}/owner"): Sweep("manager_x"),
    ("POST", f"{BO}/creators/{{creator_id:int}}/relationship"): Sweep("manager_x"),
    ("POST", f"{BO}/creators/{{creator_id:int}}/tags"): Sweep("manager_x"),
    ("POST", f"{BO}/creators/{{creator_id:int}}/notes"): Sweep("manager_x"),
    ("POST", f"{BO}/creators/{{creator_id:int}}/invite"): Sweep("manager_x"),
    # --- campaigns
    ("POST", f"{BO}/campaigns"): Sweep("manager_x"),
    ("POST", f"{BO}/campaigns/{{campaign_id:int}}"): Sweep("manager_x"),
    ("POST", f"{BO}/campaigns/{{campaign_id:int}}/status"): Sweep("manager_x"),
    ("POST", f"{BO}/campaigns/{{campaign_id:int}}/brief"): Sweep("manager_x"),
    ("POST", f"{BO}/campaigns/{{campaign_id:int}}/brief/publish"): no_form("a button"),
    # --- offers and threads
    ("POST", f"{BO}/offers"): Sweep("manager_x"),
    ("POST", f"{BO}/offers/{{collaboration_id:int}}/accept"): no_form("a button"),
    ("POST", f"{BO}/offers/{{collaboration_id:int}}/counter"): Sweep("manager_x"),
    ("POST", f"{BO}/offers/{{collaboration_id:int}}/withdraw"): Sweep("manager_x"),
    ("POST", f"{BO}/offers/{{collaboration_id:int}}/cancel"): Sweep("manager_x"),
    ("POST", f"{BO}/offers/{{collaboration_id:int}}/shipment"): Sweep("manager_x"),
    ("POST", f"{BO}/offers/{{collaboration_id:int}}/messages"): Sweep("manager_x"),
    ("POST", "/offers/{collaboration_id:int}/accept"): no_form("a button"),
    ("POST", "/offers/{collaboration_id:int}/decline"): Sweep("creator_a"),
    ("POST", "/offers/{collaboration_id:int}/counter"): Sweep("creator_a"),
    ("POST", "/offers/{collaboration_id:int}/address"): Sweep("creator_a"),
    ("POST", "/offers/{collaboration_id:int}/received"): no_form("a button"),
    ("POST", "/offers/{collaboration_id:int}/messages"): Sweep("creator_a"),
    # --- content and reviews
    ("POST", "/work/{deliverable_id:int}/caption-check"): Sweep("creator_a"),
    ("POST", "/work/{deliverable_id:int}/uploads"): Sweep("creator_a", json=True),
    ("POST", "/work/{deliverable_id:int}/uploads/{draft_id:int}/parts/{part_number:int}"): no_form("no body"),
    ("POST", "/work/{deliverable_id:int}/uploads/{draft_id:int}/complete"): Sweep("creator_a", json=True),
    ("DELETE", "/work/{deliverable_id:int}/uploads/{draft_id:int}"): no_form("no body"),
    ("POST", "/work/{deliverable_id:int}/drafts/{draft_id:int}/caption"): Sweep("creator_a"),
    ("POST", "/work/{deliverable_id:int}/drafts/{draft_id:int}/submit"): Sweep("creator_a"),
    ("POST", "/work/{deliverable_id:int}/live"): Sweep("creator_a"),
    ("POST", "/work/{deliverable_id:int}/drafts/{draft_id:int}/comments"): Sweep("creator_a"),
    ("POST", f"{BO}/reviews/bulk-approve"): Sweep("reviewer_x"),
    ("POST", f"{BO}/reviews/{{draft_id:int}}/comments"): Sweep("reviewer_x"),
    ("POST", f"{BO}/reviews/{{draft_id:int}}/decision"): Sweep("reviewer_x"),
    # --- results
    ("POST", f"{BO}/results/posts/{{live_post_id:int}}/verify"): Sweep("reviewer_x"),
    ("POST", f"{BO}/results/{{campaign_id:int}}/shares"): Sweep("manager_x"),
    ("POST", f"{BO}/results/{{campaign_id:int}}/links"): Sweep("manager_x"),
    ("POST", f"{BO}/results/{{campaign_id:int}}/codes"): Sweep("manager_x"),
    ("POST", f"{BO}/results/orders"): no_form("a file upload: the CSV's rows are checked by the rules, all or nothing"),
    ("POST", f"{BO}/results/rates"): Sweep("manager_x"),
    ("POST", f"{BO}/results/shares/{{share_id:int}}/revoke"): no_form("a button"),
    ("POST", "/work/{deliverable_id:int}/posts/{live_post_id:int}/insights"): Sweep("creator_a"),
    ("POST", f"{BO}/settings/disclosure"): Sweep("manager_x"),
    # --- contracts
    ("POST", f"{BO}/offers/{{collaboration_id:int}}/contract"): no_form("a button"),
    ("POST", f"{BO}/contracts/{{contract_id:int}}/send"): no_form("a button"),
    ("POST", f"{BO}/contracts/{{contract_id:int}}/countersign"): Sweep("manager_x"),
    ("POST", f"{BO}/contracts/{{contract_id:int}}/void"): Sweep("manager_x"),
    ("POST", f"{BO}/contract-templates"): Sweep("manager_x"),
    ("POST", f"{BO}/contract-templates/{{template_id:int}}"): Sweep("manager_x"),
    # Signing also needs a fresh sign-in (the matrix's Alice signed in long ago, so it answers "sign in"); the
    # declared form is read first, so hostile values are still refused with a 400 before that.
    ("POST", "/contracts/{contract_id:int}/sign"): Sweep("creator_a", "/contracts/{contract}/sign"),
    ("POST", "/contracts/{contract_id:int}/decline"): Sweep("creator_a"),
    # --- usage rights (the content library)
    ("POST", f"{BO}/library/grants/{{entry_id:int}}/extend"): Sweep("manager_x"),
    ("POST", f"{BO}/library/grants/{{entry_id:int}}/revoke"): Sweep("manager_x"),
    ("POST", f"{BO}/library/{{deliverable_id:int}}/download"): Sweep("manager_x"),
    ("POST", f"{BO}/library/grants/{{entry_id:int}}/propose"): Sweep("manager_x"),
    ("POST", "/rights/time-zone"): Sweep("creator_a"),
    ("POST", "/backoffice/account/time-zone"): Sweep("manager_x"),
    ("POST", "/rights/renewals/{renewal_id:int}/accept"): no_form("a button"),
    ("POST", "/rights/renewals/{renewal_id:int}/counter"): Sweep("creator_a"),
    ("POST", "/rights/renewals/{renewal_id:int}/decline"): no_form("a button"),
    ("POST", f"{BO}/library/renewals/{{renewal_id:int}}/accept"): no_form("a button"),
    ("POST", f"{BO}/library/renewals/{{renewal_id:int}}/counter"): Sweep("manager_x"),
    ("POST", f"{BO}/library/renewals/{{renewal_id:int}}/decline"): no_form("a button"),
    # A PDF file, read once and bounded (tests/portal/test_contract_pages.py sends it junk and forgeries).
    ("POST", "/verify"): no_form("a PDF file upload"),
    # --- storage (the local backend's signed upload URLs): the body is the file itself
    ("PUT", "/storage/objects/{token:str}"): no_form("a file body under a signed URL"),
    ("PUT", "/storage/parts/{token:str}"): no_form("a file body under a signed URL"),
}

# Personas only this sweep needs: half-way through a staff sign-in, waiting for the second factor.
SETUP_PERSONAS = ("pending_code", "pending_enrol")


def unsafe_routes(app: Litestar) -> dict[tuple[str, str], Form | None]:
    found: dict[tuple[str, str], Form | None] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in handler.http_methods:
                if method not in ("GET", "HEAD", "OPTIONS"):
                    found[(method, route.path)] = declared_form(handler.opt)
    return found


def test_it_lists_every_unsafe_route(app: Litestar) -> None:
    routes = unsafe_routes(app)
    missing = set(routes) - set(SWEEP)
    assert not missing, f"routes missing from the hostile-input sweep: {sorted(missing)}"
    stale = set(SWEEP) - set(routes)
    assert not stale, f"sweep rows for routes that no longer exist: {sorted(stale)}"
    for key, form in routes.items():
        row = SWEEP[key]
        if form is None:
            assert isinstance(row, str), f"{key} declares no form: list it with no_form(reason)"
        else:
            assert isinstance(row, Sweep), f"{key} declares a form: give the persona that may post it"
            assert form.fields, key


def test_it_sweeps_as_allowed_personas() -> None:
    matrix = {(route.method, route.path): route for route in ROUTES}
    for key, row in SWEEP.items():
        if isinstance(row, Sweep) and row.persona not in SETUP_PERSONAS and not row.url:
            assert matrix[key].expected[row.persona] == OK, (key, row.persona)


async def _fingerprint() -> dict[str, str]:
    """Every table's content hash (the session store aside: a refused form may still flash a message)."""
    tables = await StaffUser.raw(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'web_session' ORDER BY 1"
    )
    parts = [
        f"SELECT '{t['tablename']}' AS name, count(*) AS n, "
        f"md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) AS h FROM {t['tablename']} x"
        for t in tables
    ]
    rows = await StaffUser.raw(" UNION ALL ".join(parts))
    return {row["name"]: f"{row['n']} rows {row['h']}" for row in rows}


async def _values(cast: Cast, settings: Settings, inbox: Inbox) -> dict[str, str]:
    alice_identity = await SocialIdentity.select(SocialIdentity.id).where(SocialIdentity.creator == cast.alice_id)
    values = {"{alice_identity}": str(alice_identity[0]["id"])}
    for module in AREA_MODULES:
        if hasattr(module, "placeholders"):
            values.update({f"{{{name}}}": value for name, value in (await module.placeholders(cast)).items()})
    await do_invite_staff(
        system_actor("sweep"),
        await get_staff_context(cast.olivia_id),
        Mailer(settings.smtp_url),
        brand_id=cast.acme_id,
        email="newcomer@acme.test",
        role=Role.VIEWER,
        base_url="http://127.0.0.1:8000",
    )
    values["{staff_invitation}"] = inbox.last_link("newcomer@acme.test").rsplit("/", 1)[1]
    return values


# The sweep runs in SHARDS tests that pytest-xdist can hand to different workers (it was one test of minutes,
# which kept a worker busy to the end of the suite while the other one idled).
SHARDS = 6


def shards(app: Litestar) -> list[list[tuple[str, str]]]:
    """Every route that declares a form, dealt into SHARDS of about as many posts each: the routes with the
    most fields first (ties in sorted order), each to the shard with the fewest posts so far (ties: the first).
    The same routes are dealt the same way every time, each into exactly one shard: see the test below."""
    forms = {key: form for key, form in unsafe_routes(app).items() if form is not None}
    dealt: list[list[tuple[str, str]]] = [[] for _ in range(SHARDS)]
    fields = [0] * SHARDS
    for key, form in sorted(forms.items(), key=lambda item: (-len(item[1].fields), item[0])):
        emptiest = fields.index(min(fields))
        dealt[emptiest].append(key)
        fields[emptiest] += len(form.fields)
    return dealt


def _posts(routes: dict[tuple[str, str], Form | None], keys: list[tuple[str, str]]) -> int:
    """How many posts sweeping these routes takes: each hostile value in each declared field."""
    return len(HOSTILE) * sum(len(form.fields) for key in keys if (form := routes[key]) is not None)


def test_its_shards_cover_every_swept_route_once(app: Litestar) -> None:
    dealt = shards(app)
    flat = [key for shard in dealt for key in shard]
    assert len(flat) == len(set(flat)), "a route is swept by two shards"
    swept = {key for key, row in SWEEP.items() if isinstance(row, Sweep)}
    assert set(flat) == swept, "every route in SWEEP with a Sweep row is swept by one shard, and no other route"
    assert all(dealt), "a shard with nothing to sweep"
    posts = [_posts(unsafe_routes(app), shard) for shard in dealt]
    print(f"hostile sweep: {sum(posts)} posts to {len(flat)} forms in {SHARDS} shards of {posts} posts")


@pytest.mark.parametrize("shard", range(SHARDS), ids=lambda shard: f"shard{shard + 1}of{SHARDS}")
async def test_it_survives_hostile_values_in_every_field(
    app: Litestar, email_client: httpx.AsyncClient, email_settings: Settings, inbox: Inbox, cast: Cast, shard: int
) -> None:
    client = email_client
    sessions: dict[str, dict[str, object]] = dict(await _persona_sessions(cast))
    for step in ("code", "enrol"):
        pending = {"id": cast.bob_id, "step": step, "at": int(time.time()), "next": ""}
        sessions[f"pending_{step}"] = {PENDING_SIGN_IN_KEY: pending}
    values = await _values(cast, email_settings, inbox)
    matrix_urls = {(route.method, route.path): route.url for route in ROUTES}
    store = PostgresSessionStore()
    token = csrf_token_from((await client.get("/backoffice/signin")).text)
    failures: list[str] = []
    posts = 0
    routes = unsafe_routes(app)
    mine = shards(app)[shard]
    # In the app's route order, as the single sweep went before it was sharded.
    for (method, path), form in routes.items():
        if (method, path) not in mine:
            continue
        row = SWEEP[(method, path)]
        assert form is not None and isinstance(row, Sweep), (method, path)
        url = row.url or matrix_urls[(method, path)]
        for placeholder, value in values.items():
            url = url.replace(placeholder, value)
        for name, declared in form.fields.items():
            for label, value in HOSTILE.items():
                client.cookies.delete(SESSION_COOKIE)
                if sessions[row.persona]:
                    key = secrets.token_hex(32)
                    await store.set(key, json.dumps(sessions[row.persona]).encode(), expires_in=600)
                    client.cookies.set(SESSION_COOKIE, key)
                if row.open_first:
                    await client.get(row.open_first)
                refused = bool(Form(**{name: declared}).clean({name: value}).errors)
                before = await _fingerprint()
                if row.json:
                    response = await client.request(
                        method, url, json={name: value}, headers={"x-csrftoken": token}, follow_redirects=False
                    )
                else:
                    response = await client.request(
                        method, url, data={"_csrf_token": token, name: value}, follow_redirects=False
                    )
                posts += 1
                where = f"{method} {url} {name}={label!r} as {row.persona}: {response.status_code}"
                if response.status_code >= 500 or "Traceback" in response.text:
                    failures.append(f"{where} {response.text[:200]!r}")
                elif SCRIPT in response.text:
                    failures.append(f"{where} reflects the script unescaped")
                elif refused:
                    after = await _fingerprint()
                    changed = sorted(table for table in after if after[table] != before.get(table))
                    if changed:
                        failures.append(f"{where} refused by the declaration, yet wrote to {changed}")
    # Every declared field of every route in the shard got every hostile value: no post was skipped.
    assert posts == _posts(routes, mine) > 0, (posts, _posts(routes, mine))
    print(
        f"hostile sweep, shard {shard + 1} of {SHARDS}: {posts} posts to {len(mine)} forms"
        f" ({len(SWEEP)} unsafe routes), {len(failures)} failed"
    )
    assert not failures, f"\n{len(failures)} of {posts} posts failed:\n" + "\n".join(failures)


HUGE_ID = "12345678901234567890123"


async def test_it_answers_ids_beyond_the_columns_without_touching_the_database(
    app: Litestar, client: httpx.AsyncClient, cast: Cast
) -> None:
    """Every route with an `{x:int}` path parameter, given a 23-digit id: 404 (never 500), for a creator and
    for the brand's owner; list pages' query cursors likewise answer 400."""
    token = csrf_token_from((await client.get("/backoffice/signin")).text)
    paths = sorted({(method, path) for method, path in _all_routes(app) if ":int}" in path})
    assert paths
    failures = []
    for persona in (cast.alice_id, cast.olivia_id):
        await (act_as_creator if persona == cast.alice_id else act_as_staff)(client, persona)
        for method, path in paths:
            url = re.sub(r"\{\w+:int\}", HUGE_ID, path).replace("{brand_slug:str}", "acme")
            url = re.sub(r"\{\w+:(str|path)\}", "x", url)
            response = await client.request(method, url, data={"_csrf_token": token}, follow_redirects=False)
            if response.status_code >= 500:
                failures.append(f"{method} {url}: {response.status_code}")
    await act_as_staff(client, cast.olivia_id)
    for url in ("/backoffice/notifications", "/backoffice/b/acme/creators", "/backoffice/b/acme/audit"):
        response = await client.get(f"{url}?before={HUGE_ID}&after={HUGE_ID}")
        if response.status_code != 400:
            failures.append(f"GET {url} with a 23-digit cursor: {response.status_code}")
    assert not failures, "\n".join(failures)


def _all_routes(app: Litestar) -> set[tuple[str, str]]:
    return {
        (method, route.path)
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        for method in handler.http_methods
        if method not in ("HEAD", "OPTIONS")
    }
