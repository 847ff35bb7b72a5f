"""The simulator's hosted pages: Connect onboarding (what an Account Link opens) and the Express dashboard.

Onboarding asks for fake details, prefilled with Stripe's test values. "Submit" with every field
makes the account ready (payouts enabled); leaving fields empty leaves them in
`requirements.currently_due`; "Finish later" returns without submitting. Either way the person
goes back to `return_url`. An Account Link works once and for five minutes; a used or expired
one sends the person to `refresh_url`, where the platform makes a fresh link.
"""

from __future__ import annotations

import copy
import html
import re
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from . import objects
from .http import Request, Response

if TYPE_CHECKING:
    from .app import Simulator

# form field -> the requirement it satisfies (and Stripe's test value offered by default)
FIELDS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("first_name", "First name", ("individual.first_name",), "Jenny"),
    ("last_name", "Last name", ("individual.last_name",), "Rosen"),
    ("email", "Email", ("individual.email",), "jenny.rosen@example.com"),
    ("phone", "Phone", ("individual.phone",), "+1 555 000 0000"),
    ("dob", "Date of birth (YYYY-MM-DD)", ("individual.dob.day", "individual.dob.month", "individual.dob.year"),
     "1901-01-01"),
    ("line1", "Address", ("individual.address.line1",), "address_full_match"),
    ("city", "City", ("individual.address.city",), "Springfield"),
    ("postal_code", "Postal code", ("individual.address.postal_code",), "12345"),
    ("account_number", "Bank account number (000111111113: payouts fail, account closed)", ("external_account",),
     "000123456789"),
)  # fmt: skip

_STYLE = """body{font-family:system-ui,sans-serif;margin:0;background:#f6f9fc;color:#1a1f36}
main{max-width:30rem;margin:0 auto;padding:1rem}h1{font-size:1.3rem}.note{color:#555;font-size:.9rem}
label{display:block;margin:.8rem 0 .2rem;font-weight:600}input[type=text]{width:100%;box-sizing:border-box;
padding:.6rem;font-size:1rem;border:1px solid #ccd;border-radius:6px}button{margin-top:1rem;width:100%;padding:.8rem;
font-size:1rem;border-radius:6px;border:0;background:#635bff;color:#fff}button.secondary{background:#fff;color:#635bff;
border:1px solid #635bff}table{width:100%;border-collapse:collapse}td,th{text-align:left;padding:.3rem;
border-bottom:1px solid #dde}"""


def _page(title: str, body: str, status: int = 200) -> Response:
    return Response.html(
        status,
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" '
        f'content="width=device-width, initial-scale=1"><title>{html.escape(title)}</title><style>{_STYLE}</style>'
        f"</head><body><main><p class=note>Stripe simulator · test mode</p>{body}</main></body></html>",
    )


def page(sim: Simulator, request: Request) -> Response:
    if match := re.fullmatch(r"/setup/e/(acct_\w+)/(\w+)", request.path):
        return onboarding(sim, request, match.group(1), match.group(2))
    if match := re.fullmatch(r"/express/(acct_\w+)/(\w+)", request.path):
        return express_dashboard(sim, match.group(1), match.group(2))
    if request.path == "/":
        return _page("Stripe simulator", "<h1>Stripe simulator</h1><p>The API is under /v1/.</p>")
    return _page("Not found", "<h1>Not found</h1>", 404)


def onboarding(sim: Simulator, request: Request, account_id: str, token: str) -> Response:
    link = sim.state.links.get(token)
    acct = sim.state.get(account_id, "account")
    if link is None or acct is None or link["account"] != account_id:
        return _page("Link not found", "<h1>This link is not valid</h1>", 404)
    if request.method == "POST":
        form = dict(parse_qsl(request.body.decode(), keep_blank_values=True))
        if not link["session"] or not secrets.compare_digest(form.get("session", ""), link["session"]):
            return _page("Session expired", "<h1>This onboarding session has ended</h1>", 400)
        link["session"] = None
        submit(sim, acct, form, request)
        sim.store.save()
        return Response.redirect(link["return_url"] or "/")
    if link["used"] or link["expires_at"] < sim.state.now():
        if link["refresh_url"]:
            return Response.redirect(link["refresh_url"])
        return _page("Link expired", "<h1>This link has expired</h1>", 410)
    link["used"] = True
    link["session"] = secrets.token_urlsafe(16)
    sim.store.save()
    due = set(acct["requirements"]["currently_due"])
    fields = "".join(
        f'<label for="{name}">{html.escape(label)}</label>'
        f'<input type="text" id="{name}" name="{name}" value="{html.escape(default if set(reqs) & due else "")}">'
        for name, label, reqs, default in FIELDS
    )
    return _page(
        "Set up payouts",
        f"<h1>Set up payouts</h1><p class=note>For {html.escape(acct.get('email') or account_id)}. These are test "
        "values; change or clear any of them.</p>"
        f'<form method="post"><input type="hidden" name="session" value="{link["session"]}">{fields}'
        '<label><input type="checkbox" name="tos" value="accepted" checked> I accept the Stripe Connected Account '
        "Agreement</label>"
        '<button type="submit" name="action" value="submit">Submit</button>'
        '<button type="submit" name="action" value="later" class="secondary">Finish later</button></form>',
    )


def submit(sim: Simulator, acct: dict[str, Any], form: dict[str, str], request: Request) -> None:
    """Apply the onboarding form: filled fields satisfy their requirements; empty ones stay due."""
    before = copy.deepcopy(acct)
    due = set(acct["requirements"]["currently_due"])
    for name, _label, reqs, _default in FIELDS:
        if form.get(name, "").strip():
            due -= set(reqs)
    if form.get("tos") == "accepted":
        due -= {"tos_acceptance.date", "tos_acceptance.ip"}
        acct["tos_acceptance"] = {"date": sim.state.now(), "ip": "127.0.0.1",
                                  "user_agent": request.headers.get("user-agent")}  # fmt: skip
    if form.get("first_name") or form.get("last_name"):
        due.discard("business_type")
        acct["business_type"] = "individual"
    number = re.sub(r"\D", "", form.get("account_number", ""))
    if number:
        cur = acct["default_currency"]
        acct["external_accounts"]["data"] = [objects.bank_account(sim.state.now(), acct["id"], acct["country"], cur,
                                                                  number)]  # fmt: skip
    if form.get("action") == "submit":
        acct["details_submitted"] = True
    ordered = [r for r in objects.EXPRESS_REQUIREMENTS if r in due]
    objects.set_requirements(acct, ordered)
    previous = objects.diff(before, acct)
    if previous:
        sim.emit_internal("account.updated", acct, account=acct["id"], previous=previous)


def express_dashboard(sim: Simulator, account_id: str, token: str) -> Response:
    if sim.state.login_tokens.get(token) != account_id:
        return _page("Link not found", "<h1>This link is not valid</h1>", 404)
    acct = sim.state.get(account_id, "account")
    assert acct is not None
    balance = sim.state.balances.get(account_id, {})
    rows = "".join(
        f"<tr><td>{html.escape(p['id'])}</td><td>{p['amount'] / 100:.2f} {p['currency'].upper()}</td>"
        f"<td>{p['status']}</td></tr>"
        for p in sim.state.all("payout", owner=account_id)
    )
    amounts = ", ".join(f"{v['available'] / 100:.2f} {c.upper()}" for c, v in sorted(balance.items())) or "0.00"
    return _page(
        "Express dashboard",
        f"<h1>Your payouts</h1><p>{html.escape(acct.get('email') or account_id)}</p><p>Available: {amounts}</p>"
        f"<table><tr><th>Payout</th><th>Amount</th><th>Status</th></tr>{rows}</table>",
    )
