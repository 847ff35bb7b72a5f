"""The API's endpoints: Connect accounts, account and login links, balance, transfers, payouts, events.

Each handler validates (raising StripeError, nothing saved) and returns the work to execute.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import objects
from .errors import StripeError, invalid, missing_param, no_such
from .params import as_list, boolean, integer, metadata
from .routing import Call, Work, route
from .store import Chaos, Fault, WebhookEndpoint, new_id

if TYPE_CHECKING:
    from .app import Simulator

ACCOUNT_LINK_SECONDS = 300

# Stripe's test bank account numbers and the payout failures they cause.
FAILING_ACCOUNT_NUMBERS = {
    "000111111116": ("no_account", "The bank account details on file are probably incorrect. No bank account could "
                                   "be located with those details."),
    "000111111113": ("account_closed", "The bank account has been closed."),
    "000222222227": ("insufficient_funds", "Your Stripe account has insufficient funds to cover the payout."),
    "000333333335": ("debit_not_authorized", "Debit transactions are not approved on the bank account."),
    "000444444440": ("invalid_currency", "The bank was unable to process this payout because of its currency."),
}  # fmt: skip


# -- helpers -----------------------------------------------------------------------------------
def render(sim: Simulator, obj: dict[str, Any], call: Call) -> dict[str, Any]:
    """The public object with `expand[]` applied."""
    result = objects.public(obj)
    for path in as_list(call.params.get("expand")):
        _expand(sim, result, str(path).split("."), 0)
    return result


def _expand(sim: Simulator, node: Any, parts: list[str], depth: int) -> None:
    if depth >= 4 or not isinstance(node, dict) or not parts:
        return
    head, rest = parts[0], parts[1:]
    if head == "data" and isinstance(node.get("data"), list):
        for item in node["data"]:
            _expand(sim, item, rest, depth)
        return
    value = node.get(head)
    if isinstance(value, str) and value in sim.state.objects:
        node[head] = objects.public(sim.state.objects[value])
    if rest:
        _expand(sim, node.get(head), rest, depth + 1)


def listing(sim: Simulator, call: Call, items: list[dict[str, Any]], url: str) -> dict[str, Any]:
    """Stripe's cursor pagination: newest first, `limit` (1-100), `starting_after` / `ending_before`."""
    limit = integer(call.params, "limit", minimum=1) or 10
    if limit > 100:
        raise invalid("This value must be less than or equal to 100.", param="limit")
    ids = [i["id"] for i in items]
    after, before = call.params.get("starting_after"), call.params.get("ending_before")
    if after:
        if after not in ids:
            raise no_such("object", after, "starting_after")
        items = items[ids.index(after) + 1 :]
        page = items[:limit]
    elif before:
        if before not in ids:
            raise no_such("object", before, "ending_before")
        items = items[: ids.index(before)]
        page = items[-limit:]
    else:
        page = items[:limit]
    result = {"object": "list", "data": [objects.public(i) for i in page], "has_more": len(items) > len(page),
              "url": url}  # fmt: skip
    for path in as_list(call.params.get("expand")):
        _expand(sim, result, str(path).split("."), 0)
    return result


def created_predicate(call: Call) -> Callable[[dict[str, Any]], bool]:
    """The `created` filter (an exact time, or gt / gte / lt / lte) as a test of one object."""
    created = call.params.get("created")
    bounds: list[tuple[str, int]] = []
    if isinstance(created, dict):
        bounds = [(op, int(created[op])) for op in ("gt", "gte", "lt", "lte") if op in created]
    elif created:
        bounds = [("eq", int(created))]

    def keep(item: dict[str, Any]) -> bool:
        at = item["created"]
        for op, bound in bounds:
            if not {"gt": at > bound, "gte": at >= bound, "lt": at < bound, "lte": at <= bound,
                    "eq": at == bound}[op]:  # fmt: skip
                return False
        return True

    return keep


def walk_listing(sim: Simulator, call: Call, kind: str, keep: Callable[[dict[str, Any]], bool],
                 url: str) -> dict[str, Any]:  # fmt: skip
    """The same answer as `listing` over the kept objects, walking back from the cursor instead of filtering the
    whole list for every page: a month of 100,000 transfers costs a page's worth of work per page."""
    if call.params.get("ending_before"):
        return listing(sim, call, [o for o in sim.state.all(kind) if keep(o)], url)
    limit = integer(call.params, "limit", minimum=1) or 10
    if limit > 100:
        raise invalid("This value must be less than or equal to 100.", param="limit")
    order = sim.state.order.get(kind, [])
    index = len(order) - 1
    after = call.params.get("starting_after")
    if after:
        position = sim.state.position(kind, str(after))
        cursor = sim.state.objects.get(str(after))
        if position is None or cursor is None or not keep(cursor):
            raise no_such("object", after, "starting_after")
        index = position - 1
    page: list[dict[str, Any]] = []
    while index >= 0 and len(page) <= limit:
        obj = sim.state.objects.get(order[index])
        index -= 1
        if obj is not None and keep(obj):
            page.append(obj)
    result = {"object": "list", "data": [objects.public(i) for i in page[:limit]], "has_more": len(page) > limit,
              "url": url}  # fmt: skip
    for path in as_list(call.params.get("expand")):
        _expand(sim, result, str(path).split("."), 0)
    return result


def created_filter(call: Call, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    created = call.params.get("created")
    if isinstance(created, dict):
        for op, fn in (("gt", int.__gt__), ("gte", int.__ge__), ("lt", int.__lt__), ("lte", int.__le__)):
            if op in created:
                bound = int(created[op])
                items = [i for i in items if fn(i["created"], bound)]
    elif created:
        items = [i for i in items if i["created"] == int(created)]
    return items


def get_account(sim: Simulator, account_id: str, param: str = "id") -> dict[str, Any]:
    acct = sim.state.get(account_id, "account")
    if acct is None or acct.get("_deleted"):
        raise no_such("account", account_id, param)
    return acct


def currency(params: dict[str, Any]) -> str:
    value = params.get("currency")
    if not value:
        raise missing_param("currency")
    value = str(value).lower()
    if len(value) != 3 or not value.isalpha():
        raise invalid(f"Invalid currency: {value}.", param="currency", code="parameter_invalid_string")
    return value


def add_txn(sim: Simulator, owner: str, **fields: Any) -> dict[str, Any]:
    txn = objects.balance_transaction(sim.state.now(), **fields)
    sim.state.add(txn, owner=owner)
    balance = sim.state.balance(owner, txn["currency"])
    balance["available" if txn["status"] == "available" else "pending"] += txn["amount"]
    return txn


def insufficient() -> StripeError:
    return StripeError(
        400,
        "invalid_request_error",
        "You have insufficient available funds in your Stripe account. Try adding funds directly to your available "
        "balance by creating Charges using the 4000000000000077 test card. See: "
        "https://stripe.com/docs/testing#available-balance",
        code="balance_insufficient",
        saved=True,
    )


# -- accounts ----------------------------------------------------------------------------------
@route("POST", "/v1/accounts")
def create_account(sim: Simulator, call: Call) -> Work:
    p = call.params
    controller: dict[str, Any] = p["controller"] if isinstance(p.get("controller"), dict) else {}
    account_type = p.get("type") or (
        "express" if (controller.get("stripe_dashboard") or {}).get("type") == "express" else "standard"
    )
    if account_type not in ("express", "standard", "custom"):
        raise invalid("Invalid type: must be one of custom, express, or standard", param="type")
    country = str(p.get("country") or "US").upper()
    if country not in objects.SUPPORTED_COUNTRIES:
        raise invalid(
            f"Country '{country}' is unknown or not supported for accounts. Try another country or contact us "
            "via https://support.stripe.com/contact.",
            param="country",
        )
    capabilities = p.get("capabilities") or {}
    if not isinstance(capabilities, dict):
        raise invalid("Invalid hash", param="capabilities")
    requested = [name for name, value in capabilities.items() if boolean((value or {}).get("requested"))]
    if account_type == "express" and not requested:
        raise invalid(
            "You must request at least one capability when creating an Express account "
            "(e.g. capabilities[transfers][requested]=true).",
            param="capabilities",
        )
    data = metadata(p)

    def work() -> dict[str, Any]:
        acct = objects.account(sim.state.now(), country=country, email=p.get("email") or None,
                               account_type=account_type, requested=requested, metadata=data)  # fmt: skip
        if isinstance(p.get("business_profile"), dict):
            acct["business_profile"].update(
                {k: v for k, v in p["business_profile"].items() if k in acct["business_profile"]}
            )
        sim.state.add(acct)
        return render(sim, acct, call)

    return work


@route("GET", "/v1/accounts")
def list_accounts(sim: Simulator, call: Call) -> Work:
    return lambda: listing(
        sim, call, created_filter(call, [a for a in sim.state.all("account") if not a.get("_deleted")]), "/v1/accounts"
    )


@route("GET", "/v1/accounts/{account_id}")
def retrieve_account(sim: Simulator, call: Call, account_id: str) -> Work:
    acct = get_account(sim, account_id, "account")
    return lambda: render(sim, acct, call)


@route("GET", "/v1/account")
def retrieve_own_account(sim: Simulator, call: Call) -> Work:
    if call.account:
        return retrieve_account(sim, call, call.account)
    platform = sim.state.get("acct_simulatorplatform")
    if platform is None:
        platform = objects.account(0, country="US", email="platform@example.com", account_type="standard",
                                   requested=["card_payments", "transfers"], metadata={})  # fmt: skip
        platform["id"] = "acct_simulatorplatform"
    return lambda: objects.public(platform)


@route("POST", "/v1/accounts/{account_id}")
def update_account(sim: Simulator, call: Call, account_id: str) -> Work:
    acct = get_account(sim, account_id, "account")
    p = call.params
    unknown = set(p) - {"email", "metadata", "business_profile", "settings", "capabilities", "expand",
                        "default_currency", "business_type"}  # fmt: skip
    if unknown:
        name = sorted(unknown)[0]
        raise invalid(f"Received unknown parameter: {name}", param=name)
    schedule = ((p.get("settings") or {}).get("payouts") or {}).get("schedule") or {}
    interval = schedule.get("interval")
    if interval and interval not in ("daily", "weekly", "monthly", "manual"):
        raise invalid("Invalid interval", param="settings[payouts][schedule][interval]")
    data = metadata(p, acct["metadata"])

    def work() -> dict[str, Any]:
        before = copy.deepcopy(acct)
        acct["metadata"] = data
        if "email" in p:
            acct["email"] = p["email"] or None
        if p.get("business_type"):
            acct["business_type"] = p["business_type"]
        if isinstance(p.get("business_profile"), dict):
            acct["business_profile"].update(
                {k: v for k, v in p["business_profile"].items() if k in acct["business_profile"]}
            )
        if interval:
            acct["settings"]["payouts"]["schedule"]["interval"] = interval
        for name, value in (p.get("capabilities") or {}).items():
            if boolean((value or {}).get("requested")) and name not in acct["capabilities"]:
                acct["capabilities"][name] = "inactive"
                objects.set_requirements(acct, acct["requirements"]["currently_due"])
        previous = objects.diff(before, acct)
        if previous:
            sim.emit(call, "account.updated", acct, account=acct["id"], previous=previous)
        return render(sim, acct, call)

    return work


@route("DELETE", "/v1/accounts/{account_id}")
def delete_account(sim: Simulator, call: Call, account_id: str) -> Work:
    acct = get_account(sim, account_id, "account")

    def work() -> dict[str, Any]:
        acct["_deleted"] = True
        return {"id": acct["id"], "object": "account", "deleted": True}

    return work


# -- account links and login links ---------------------------------------------------------------
@route("POST", "/v1/account_links")
def create_account_link(sim: Simulator, call: Call) -> Work:
    p = call.params
    for name in ("account", "type"):
        if not p.get(name):
            raise missing_param(name)
    if p["type"] not in ("account_onboarding", "account_update"):
        raise invalid("Invalid type: must be one of account_onboarding or account_update", param="type")
    acct = get_account(sim, p["account"], "account")
    for name in ("refresh_url", "return_url"):
        url = p.get(name)
        if url and not str(url).startswith(("http://", "https://")):
            raise invalid("Not a valid URL", param=name, code="url_invalid")
    if acct["type"] == "standard" and p["type"] == "account_update":
        raise invalid("You cannot create `account_update` type Account Links for Standard accounts.", param="type")

    def work() -> dict[str, Any]:
        now = sim.state.now()
        token = new_id("", 20)[2:]
        sim.state.links[token] = {
            "account": acct["id"], "refresh_url": p.get("refresh_url"), "return_url": p.get("return_url"),
            "expires_at": now + ACCOUNT_LINK_SECONDS, "used": False, "session": None,
        }  # fmt: skip
        url = f"{call.request.base_url}/setup/e/{acct['id']}/{token}"
        return objects.account_link(now, url, now + ACCOUNT_LINK_SECONDS)

    return work


@route("POST", "/v1/accounts/{account_id}/login_links")
def create_login_link(sim: Simulator, call: Call, account_id: str) -> Work:
    acct = get_account(sim, account_id, "account")
    if acct["type"] != "express":
        raise invalid("Login links can only be created for Express accounts.", param="account")
    if not acct["details_submitted"]:
        raise invalid("Cannot create a login link for an account that has not completed onboarding.", param="account")

    def work() -> dict[str, Any]:
        token = new_id("", 20)[2:]
        sim.state.login_tokens[token] = acct["id"]
        return objects.login_link(sim.state.now(), f"{call.request.base_url}/express/{acct['id']}/{token}")

    return work


# -- balance and balance transactions --------------------------------------------------------------
@route("GET", "/v1/balance")
def retrieve_balance(sim: Simulator, call: Call) -> Work:
    return lambda: objects.balance(sim.state.balances.get(call.account, {}))


@route("GET", "/v1/balance_transactions")
def list_balance_transactions(sim: Simulator, call: Call) -> Work:
    p = call.params
    payout_id = p.get("payout")
    if payout_id:
        payout = sim.state.get(payout_id, "payout", owner=call.account)
        if payout is None:
            raise no_such("payout", payout_id, "payout")

    def work() -> dict[str, Any]:
        if not payout_id:
            created = created_predicate(call)
            wanted = {name: p[name] for name in ("type", "source", "currency") if p.get(name)}

            def keep(t: dict[str, Any]) -> bool:
                return (sim.state.owners.get(t["id"], "") == call.account and created(t)
                        and all(t[name] == value for name, value in wanted.items()))  # fmt: skip

            return walk_listing(sim, call, "balance_transaction", keep, "/v1/balance_transactions")
        items = sim.state.all("balance_transaction", owner=call.account)
        if payout_id:
            own = sim.state.objects[payout_id]["balance_transaction"]
            items = [t for t in items if t.get("_payout") == payout_id or t["id"] == own]
        for name in ("type", "source", "currency"):
            if p.get(name):
                items = [t for t in items if t[name] == p[name]]
        return listing(sim, call, created_filter(call, items), "/v1/balance_transactions")

    return work


@route("GET", "/v1/balance_transactions/{txn_id}")
def retrieve_balance_transaction(sim: Simulator, call: Call, txn_id: str) -> Work:
    txn = sim.state.get(txn_id, "balance_transaction", owner=call.account)
    if txn is None:
        raise no_such("balance transaction", txn_id)
    return lambda: render(sim, txn, call)


# -- transfers and reversals -------------------------------------------------------------------
@route("POST", "/v1/transfers")
def create_transfer(sim: Simulator, call: Call) -> Work:
    p = call.params
    if call.account:
        raise invalid("Transfers are created by the platform, without the Stripe-Account header.")
    amount = integer(p, "amount", required=True, minimum=1)
    assert amount is not None
    cur = currency(p)
    if not p.get("destination"):
        raise missing_param("destination")
    dest = get_account(sim, str(p["destination"]), "destination")
    if dest["capabilities"].get("transfers") != "active":
        raise invalid(
            "Your destination account needs to have at least one of the following capabilities enabled: "
            "transfers, crypto_transfers, legacy_payments",
            param="destination",
            code="insufficient_capabilities_for_transfer",
        )
    data = metadata(p)

    def work() -> dict[str, Any]:
        if sim.state.balance("", cur)["available"] < amount:
            raise insufficient()
        payment: dict[str, Any] = {"id": new_id("py"), "object": "charge", "amount": amount, "currency": cur,
                   "created": sim.state.now(), "status": "succeeded", "source_transfer": None}  # fmt: skip
        txn = add_txn(sim, "", amount=-amount, currency=cur, type_="transfer", reporting_category="transfer",
                      source=None)  # fmt: skip
        transfer = objects.transfer(
            sim.state.now(), amount=amount, currency=cur, destination=dest["id"], description=p.get("description"),
            transfer_group=p.get("transfer_group"), metadata=data, balance_txn=txn["id"],
            destination_payment=payment["id"],
        )  # fmt: skip
        txn["source"] = transfer["id"]
        payment["source_transfer"] = transfer["id"]
        sim.state.add(transfer)
        pay_txn = add_txn(sim, dest["id"], amount=amount, currency=cur, type_="payment",
                          reporting_category="charge", source=payment["id"])  # fmt: skip
        payment["balance_transaction"] = pay_txn["id"]
        sim.state.add(payment, owner=dest["id"])
        sim.emit(call, "transfer.created", transfer)
        return render(sim, transfer, call)

    return work


@route("GET", "/v1/transfers")
def list_transfers(sim: Simulator, call: Call) -> Work:
    created = created_predicate(call)
    wanted = {name: call.params[name] for name in ("destination", "transfer_group") if call.params.get(name)}

    def keep(t: dict[str, Any]) -> bool:
        return created(t) and all(t[name] == value for name, value in wanted.items())

    def work() -> dict[str, Any]:
        return walk_listing(sim, call, "transfer", keep, "/v1/transfers")

    return work


def get_transfer(sim: Simulator, transfer_id: str) -> dict[str, Any]:
    transfer = sim.state.get(transfer_id, "transfer")
    if transfer is None:
        raise no_such("transfer", transfer_id)
    return transfer


@route("GET", "/v1/transfers/{transfer_id}")
def retrieve_transfer(sim: Simulator, call: Call, transfer_id: str) -> Work:
    transfer = get_transfer(sim, transfer_id)
    return lambda: render(sim, transfer, call)


@route("POST", "/v1/transfers/{transfer_id}")
def update_transfer(sim: Simulator, call: Call, transfer_id: str) -> Work:
    transfer = get_transfer(sim, transfer_id)
    data = metadata(call.params, transfer["metadata"])

    def work() -> dict[str, Any]:
        before = copy.deepcopy(transfer)
        transfer["metadata"] = data
        if "description" in call.params:
            transfer["description"] = call.params["description"] or None
        previous = objects.diff(before, transfer)
        if previous:
            sim.emit(call, "transfer.updated", transfer, previous=previous)
        return render(sim, transfer, call)

    return work


@route("POST", "/v1/transfers/{transfer_id}/reversals")
def create_reversal(sim: Simulator, call: Call, transfer_id: str) -> Work:
    transfer = get_transfer(sim, transfer_id)
    remaining = transfer["amount"] - transfer["amount_reversed"]
    amount = integer(call.params, "amount", minimum=1)
    amount = remaining if amount is None else amount
    if remaining <= 0:
        raise invalid(f"Transfer {transfer_id} has already been fully reversed.")
    if amount > remaining:
        raise invalid(
            f"Transfer reversal amount ({amount}) is greater than the transfer's remaining amount ({remaining}).",
            param="amount",
        )
    data = metadata(call.params)

    def work() -> dict[str, Any]:
        before = copy.deepcopy(transfer)
        cur, dest = transfer["currency"], transfer["destination"]
        refund_id = new_id("pyr")
        txn = add_txn(sim, "", amount=amount, currency=cur, type_="transfer_refund",
                      reporting_category="transfer_reversal", source=None)  # fmt: skip
        reversal = objects.transfer_reversal(sim.state.now(), amount=amount, currency=cur, transfer_id=transfer["id"],
                                             balance_txn=txn["id"], metadata=data, refund_id=refund_id)  # fmt: skip
        txn["source"] = reversal["id"]
        sim.state.add(reversal)
        add_txn(sim, dest, amount=-amount, currency=cur, type_="payment_refund", reporting_category="refund",
                source=refund_id)  # fmt: skip
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
        reversals = transfer["reversals"]
        reversals["data"] = [objects.public(reversal), *reversals["data"]][:10]
        reversals["total_count"] = reversals.get("total_count", 0) + 1
        reversals["has_more"] = reversals["total_count"] > 10
        sim.emit(call, "transfer.reversed", transfer, previous=objects.diff(before, transfer))
        return render(sim, reversal, call)

    return work


@route("GET", "/v1/transfers/{transfer_id}/reversals")
def list_reversals(sim: Simulator, call: Call, transfer_id: str) -> Work:
    get_transfer(sim, transfer_id)
    return lambda: listing(
        sim, call, [r for r in sim.state.all("transfer_reversal") if r["transfer"] == transfer_id],
        f"/v1/transfers/{transfer_id}/reversals",
    )  # fmt: skip


@route("GET", "/v1/transfers/{transfer_id}/reversals/{reversal_id}")
def retrieve_reversal(sim: Simulator, call: Call, transfer_id: str, reversal_id: str) -> Work:
    reversal = sim.state.get(reversal_id, "transfer_reversal")
    if reversal is None or reversal["transfer"] != transfer_id:
        raise no_such("transfer reversal", reversal_id)
    return lambda: render(sim, reversal, call)


# -- payouts -----------------------------------------------------------------------------------
def _bank(acct: dict[str, Any] | None, cur: str) -> dict[str, Any] | None:
    if acct is None:
        return None
    banks = [b for b in acct["external_accounts"]["data"] if b["currency"] == cur]
    return banks[0] if banks else None


@route("POST", "/v1/payouts")
def create_payout(sim: Simulator, call: Call) -> Work:
    p = call.params
    amount = integer(p, "amount", required=True, minimum=1)
    assert amount is not None
    cur = currency(p)
    acct = sim.state.get(call.account, "account") if call.account else None
    if call.account:
        assert acct is not None
        if _bank(acct, cur) is None:
            raise invalid(f"You don't have any external accounts in that currency ({cur}).", param="currency")
        if not acct["payouts_enabled"]:
            raise invalid("Payouts are not enabled for this account yet: it has requirements currently due.",
                          code="payouts_not_allowed")  # fmt: skip
    method = p.get("method") or "standard"
    if method not in ("standard", "instant"):
        raise invalid("Invalid method: must be one of standard or instant", param="method")
    data = metadata(p)

    def work() -> dict[str, Any]:
        payout = _make_payout(sim, call.account, amount, cur, automatic=False, description=p.get("description"),
                              metadata_=data, statement_descriptor=p.get("statement_descriptor"),
                              method=method)  # fmt: skip
        sim.emit(call, "payout.created", payout, account=call.account)
        return render(sim, payout, call)

    return work


def _make_payout(
    sim: Simulator,
    owner: str,
    amount: int,
    cur: str,
    *,
    automatic: bool,
    description: Any = None,
    metadata_: dict[str, str] | None = None,
    statement_descriptor: Any = None,
    method: str = "standard",
) -> dict[str, Any]:
    if sim.state.balance(owner, cur)["available"] < amount:
        raise insufficient()
    bank = _bank(sim.state.get(owner, "account"), cur)
    now = sim.state.now()
    payout = objects.payout(now, amount=amount, currency=cur, destination=bank["id"] if bank else None,
                            automatic=automatic, arrival_date=now + (0 if method == "instant" else 86400),
                            description=description, metadata=metadata_ or {},
                            statement_descriptor=statement_descriptor, method=method)  # fmt: skip
    txn = add_txn(sim, owner, amount=-amount, currency=cur, type_="payout", reporting_category="payout",
                  source=payout["id"])  # fmt: skip
    payout["balance_transaction"] = txn["id"]
    sim.state.add(payout, owner=owner)
    return payout


@route("GET", "/v1/payouts")
def list_payouts(sim: Simulator, call: Call) -> Work:
    def work() -> dict[str, Any]:
        items = sim.state.all("payout", owner=call.account)
        if call.params.get("status"):
            items = [i for i in items if i["status"] == call.params["status"]]
        return listing(sim, call, created_filter(call, items), "/v1/payouts")

    return work


def get_payout(sim: Simulator, call: Call, payout_id: str) -> dict[str, Any]:
    payout = sim.state.get(payout_id, "payout", owner=call.account)
    if payout is None:
        raise no_such("payout", payout_id)
    return payout


@route("GET", "/v1/payouts/{payout_id}")
def retrieve_payout(sim: Simulator, call: Call, payout_id: str) -> Work:
    payout = get_payout(sim, call, payout_id)
    return lambda: render(sim, payout, call)


@route("POST", "/v1/payouts/{payout_id}/cancel")
def cancel_payout(sim: Simulator, call: Call, payout_id: str) -> Work:
    payout = get_payout(sim, call, payout_id)
    if payout["status"] != "pending":
        raise invalid("Payouts can only be canceled while they are pending.")

    def work() -> dict[str, Any]:
        before = copy.deepcopy(payout)
        txn = add_txn(sim, call.account, amount=payout["amount"], currency=payout["currency"], type_="payout_cancel",
                      reporting_category="payout_reversal", source=payout["id"])  # fmt: skip
        payout["status"] = "canceled"
        payout["failure_balance_transaction"] = txn["id"]
        sim.emit(call, "payout.canceled", payout, account=call.account, previous=objects.diff(before, payout))
        return render(sim, payout, call)

    return work


def settle_payouts(sim: Simulator) -> None:
    """Payouts whose arrival date passed are paid, or fail when the bank number is a failing test number."""
    now = sim.state.now()
    for payout in sim.state.all("payout"):
        if payout["status"] not in ("pending", "in_transit") or payout["arrival_date"] > now:
            continue
        owner = sim.state.owners.get(payout["id"], "")
        before = copy.deepcopy(payout)
        acct = sim.state.get(owner, "account")
        bank = next((b for b in (acct or {}).get("external_accounts", {}).get("data", [])
                     if b["id"] == payout["destination"]), None)  # fmt: skip
        failure = FAILING_ACCOUNT_NUMBERS.get((bank or {}).get("_number", ""))
        if failure:
            txn = add_txn(sim, owner, amount=payout["amount"], currency=payout["currency"], type_="payout_failure",
                          reporting_category="payout_reversal", source=payout["id"])  # fmt: skip
            payout.update(status="failed", failure_code=failure[0], failure_message=failure[1],
                          failure_balance_transaction=txn["id"])  # fmt: skip
            if bank:
                bank["status"] = "errored"
            sim.emit_internal("payout.failed", payout, account=owner, previous=objects.diff(before, payout))
        else:
            payout["status"] = "paid"
            payout["trace_id"] = {"status": "supported", "value": new_id("trace", 12)}
            if payout["automatic"]:
                payout["reconciliation_status"] = "completed"
            sim.emit_internal("payout.paid", payout, account=owner, previous=objects.diff(before, payout))


def run_automatic_payouts(sim: Simulator) -> None:
    """The daily schedule: each connected account's available balance leaves in one automatic payout."""
    for acct in sim.state.all("account"):
        schedule = acct["settings"]["payouts"]["schedule"]
        if acct.get("_deleted") or not acct["payouts_enabled"] or schedule["interval"] == "manual":
            continue
        for cur, amounts in sorted(sim.state.balances.get(acct["id"], {}).items()):
            if amounts["available"] <= 0 or _bank(acct, cur) is None:
                continue
            swept = [t for t in sim.state.all("balance_transaction", owner=acct["id"])
                     if t["currency"] == cur and t["status"] == "available" and not t.get("_payout")
                     and t["type"] != "payout"]  # fmt: skip
            payout = _make_payout(sim, acct["id"], amounts["available"], cur, automatic=True)
            for txn in swept:
                txn["_payout"] = payout["id"]
            sim.emit_internal("payout.created", payout, account=acct["id"])


# -- events ------------------------------------------------------------------------------------
@route("GET", "/v1/events")
def list_events(sim: Simulator, call: Call) -> Work:
    def work() -> dict[str, Any]:
        items = sim.state.all("event", owner=call.account)
        wanted = call.params.get("type")
        types = as_list(call.params.get("types"))
        if wanted:
            prefix = str(wanted).rstrip("*")
            items = [e for e in items if (e["type"].startswith(prefix) if str(wanted).endswith("*")
                                          else e["type"] == wanted)]  # fmt: skip
        if types:
            items = [e for e in items if e["type"] in types]
        return listing(sim, call, created_filter(call, items), "/v1/events")

    return work


@route("GET", "/v1/events/{event_id}")
def retrieve_event(sim: Simulator, call: Call, event_id: str) -> Work:
    event = sim.state.get(event_id, "event", owner=call.account)
    if event is None:
        raise no_such("event", event_id)
    return lambda: objects.public(event)


# -- simulator-only controls (not part of Stripe's API) ---------------------------------------------
@route("POST", "/_sim/top_up")
def top_up(sim: Simulator, call: Call) -> Work:
    """Add money to the platform's available balance (what a charge or a top-up would do)."""
    amount = integer(call.params, "amount", required=True, minimum=1)
    cur = currency(call.params)

    def work() -> dict[str, Any]:
        topup = {"id": new_id("tu"), "object": "topup", "amount": amount, "currency": cur,
                 "created": sim.state.now(), "status": "succeeded", "description": "Simulator top-up"}  # fmt: skip
        txn = add_txn(sim, call.account, amount=amount, currency=cur, type_="topup", reporting_category="topup",
                      source=topup["id"], description="Simulator top-up")  # fmt: skip
        topup["balance_transaction"] = txn["id"]
        sim.state.add(topup, owner=call.account)
        sim.emit(call, "balance.available", objects.balance(sim.state.balances.get(call.account, {})),
                 account=call.account)  # fmt: skip
        return objects.balance(sim.state.balances.get(call.account, {}))

    return work


@route("POST", "/_sim/fees")
def add_fee(sim: Simulator, call: Call) -> Work:
    """Charge the platform a Stripe fee (a `stripe_fee` balance transaction, reporting category `fee`), as Stripe
    bills Connect fees; `source` optionally names the object it is for (a transfer or payout)."""
    amount = integer(call.params, "amount", required=True, minimum=1)
    assert amount is not None
    cur = currency(call.params)
    source = call.params.get("source") or None
    description = str(call.params.get("description") or "Connect (Express) active account fee")

    def work() -> dict[str, Any]:
        txn = add_txn(sim, call.account, amount=-amount, currency=cur, type_="stripe_fee", reporting_category="fee",
                      source=source, description=description)  # fmt: skip
        return render(sim, txn, call)

    return work


@route("POST", "/_sim/backdate")
def backdate(sim: Simulator, call: Call) -> Work:
    """Date an object (and its balance transactions, and a transfer's destination payment) in the past, as if it
    had been made then: demos and tests of past months (Stripe's own objects can't be backdated)."""
    object_id = str(call.params.get("object") or "")
    obj = sim.state.get(object_id)
    if obj is None:
        raise no_such("object", object_id, "object")
    created = integer(call.params, "created", required=True, minimum=1)
    assert created is not None
    if created > sim.state.now():
        raise invalid("created must be in the past", param="created")

    def work() -> dict[str, Any]:
        related = [obj]
        payment = sim.state.get(str(obj.get("destination_payment") or ""))
        if payment is not None:
            related.append(payment)
        for item in list(related):
            txn = sim.state.get(str(item.get("balance_transaction") or ""))
            if txn is not None:
                related.append(txn)
        for item in related:
            item["created"] = created
            if item.get("object") == "balance_transaction":
                item["available_on"] = created
        return render(sim, obj, call)

    return work


@route("POST", "/_sim/faults")
def add_fault(sim: Simulator, call: Call) -> Work:
    """Fail the next `count` calls to `method` `path` (a prefix) with `status` 500 or 429, or `drop` the
    connection after the change was made (`status=drop`)."""
    p = call.params
    raw_status = str(p.get("status") or "500")
    status = 0 if raw_status == "drop" else int(raw_status)
    if status not in (0, 429, 500):
        raise invalid("status must be 500, 429 or drop", param="status")
    if not p.get("path"):
        raise missing_param("path")
    count = integer(p, "count", minimum=1) or 1

    def work() -> dict[str, Any]:
        sim.state.faults.append(Fault(method=str(p.get("method") or "POST").upper(), path=p["path"],
                                      remaining=count, status=status))  # fmt: skip
        return {"object": "sim.faults", "faults": [vars(f) for f in sim.state.faults]}

    return work


@route("POST", "/_sim/settings")
def update_settings(sim: Simulator, call: Call) -> Work:
    """Latency (`latency_ms`) and the webhook chaos switches (`duplicate`, `out_of_order`, `delay_seconds`)."""
    p = call.params

    def work() -> dict[str, Any]:
        if "latency_ms" in p:
            sim.state.latency_ms = int(p["latency_ms"] or 0)
        chaos = sim.state.chaos
        sim.state.chaos = Chaos(
            duplicate=boolean(p["duplicate"]) if "duplicate" in p else chaos.duplicate,
            out_of_order=boolean(p["out_of_order"]) if "out_of_order" in p else chaos.out_of_order,
            delay_seconds=float(p["delay_seconds"]) if "delay_seconds" in p else chaos.delay_seconds,
        )
        if not sim.state.chaos.out_of_order:
            sim.deliverer.flush()
        return {"object": "sim.settings", "latency_ms": sim.state.latency_ms, "chaos": vars(sim.state.chaos)}

    return work


@route("POST", "/_sim/clock/advance")
def advance_clock(sim: Simulator, call: Call) -> Work:
    """Move the simulator's clock forward: due payouts arrive (paid or failed), then the daily schedule runs."""
    seconds = integer(call.params, "seconds", minimum=0) or 0
    days = integer(call.params, "days", minimum=0) or 0

    def work() -> dict[str, Any]:
        sim.state.clock_offset += seconds + days * 86400
        settle_payouts(sim)
        run_automatic_payouts(sim)
        return {"object": "sim.clock", "now": sim.state.now()}

    return work


@route("POST", "/_sim/webhook_endpoints")
def add_webhook_endpoint(sim: Simulator, call: Call) -> Work:
    p = call.params
    for name in ("url", "secret"):
        if not p.get(name):
            raise missing_param(name)
    connect = boolean(p.get("connect", "false"))

    def work() -> dict[str, Any]:
        endpoint = WebhookEndpoint(url=p["url"], secret=p["secret"], connect=connect)
        sim.state.endpoints.append(endpoint)
        return {"object": "sim.webhook_endpoint", **vars(endpoint)}

    return work


@route("GET", "/_sim/deliveries")
def list_deliveries(sim: Simulator, call: Call) -> Work:
    return lambda: {"object": "list", "data": sim.state.deliveries[-500:], "has_more": False, "url": "/_sim/deliveries"}


@route("POST", "/_sim/webhooks/flush")
def flush_webhooks(sim: Simulator, call: Call) -> Work:
    def work() -> dict[str, Any]:
        sim.deliverer.flush()
        return {"object": "sim.flush"}

    return work
