"""Every route declares who may call it. A new route without a guard fails here."""

from litestar import Litestar

from backoffice.guards import requires_staff
from shared.web.guards import allow_anyone

PUBLIC = {
    "/",
    "/signin",
    "/signout",
    "/auth/{provider:str}/signin",
    "/auth/{provider:str}/callback",
    "/backoffice/signin",
    "/backoffice/signout",
    "/backoffice/signin/code",
    "/backoffice/signin/enrol",
    "/backoffice/invitations/{token:str}",
    "/join/{token:str}",  # a creator's invitation link from a brand (the POST that accepts needs a creator)
    "/l/{code:str}",  # a tracked link: counts the click and redirects; no data about the visitor is kept
    "/backoffice/reports/{token:str}",  # a campaign's results shared read-only: the unguessable token is the key
    "/backoffice/auth/{provider:str}/signin",
    "/backoffice/auth/{provider:str}/callback",
    "/healthz",
    "/webhooks/stripe",  # Stripe calls it; only a valid signature makes it act
    "/readyz",
    "/verify",  # anyone checks an executed contract's PDF (rate-limited; says nothing private)
    "/static/{file_path:path}",
    # The local storage backend's signed URLs: the HMAC token is the authorization (shared.web.local_storage).
    "/storage/parts/{token:str}",
    "/storage/objects/{token:str}",
}


def _guard_names(app: Litestar) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if set(handler.http_methods) == {"OPTIONS"}:
                continue  # Litestar's automatic OPTIONS answer: lists allowed methods, runs no code of ours
            guards = handler.resolve_guards()
            found.setdefault(route.path, set()).update(getattr(g, "__name__", repr(g)) for g in guards)
    return found


def test_it_guards_every_route(app: Litestar) -> None:
    unguarded = {
        path for path, guards in _guard_names(app).items() if not guards and path not in {"/healthz", "/readyz"}
    }
    assert unguarded == set()


def test_it_keeps_public_routes_to_an_explicit_list(app: Litestar) -> None:
    public = {path for path, guards in _guard_names(app).items() if allow_anyone.__name__ in guards or not guards}
    assert public <= PUBLIC
    assert public >= {"/", "/backoffice/signin"}


def test_it_requires_staff_on_every_other_backoffice_route(app: Litestar) -> None:
    for path, guards in _guard_names(app).items():
        if path.startswith("/backoffice") and path not in PUBLIC:
            assert guards & {requires_staff.__name__} or any(g.startswith("requires_role(") for g in guards), path
