"""Objects shaped like Stripe's own examples (fixtures3.json): every top-level field, same names and prefixes."""

from __future__ import annotations

import copy
from typing import Any

from .store import new_id

API_VERSION = "2025-10-29.clover"

# What an Express account with the `transfers` capability owes before it can be paid (an individual).
EXPRESS_REQUIREMENTS = (
    "business_type",
    "external_account",
    "individual.address.city",
    "individual.address.line1",
    "individual.address.postal_code",
    "individual.dob.day",
    "individual.dob.month",
    "individual.dob.year",
    "individual.email",
    "individual.first_name",
    "individual.last_name",
    "individual.phone",
    "tos_acceptance.date",
    "tos_acceptance.ip",
)

# Countries where Stripe accounts (and so Express connected accounts) can be created.
SUPPORTED_COUNTRIES = frozenset(
    [
        "AE",
        "AT",
        "AU",
        "BE",
        "BG",
        "BR",
        "CA",
        "CH",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GB",
        "GI",
        "GR",
        "HK",
        "HR",
        "HU",
        "IE",
        "IT",
        "JP",
        "LI",
        "LT",
        "LU",
        "LV",
        "MT",
        "MX",
        "MY",
        "NL",
        "NO",
        "NZ",
        "PL",
        "PT",
        "RO",
        "SE",
        "SG",
        "SI",
        "SK",
        "TH",
        "US",
    ]
)
CURRENCY_OF = {
    "US": "usd", "GB": "gbp", "CA": "cad", "AU": "aud", "NZ": "nzd", "JP": "jpy", "CH": "chf", "SE": "sek",
    "NO": "nok", "DK": "dkk", "PL": "pln", "CZ": "czk", "HU": "huf", "RO": "ron", "BG": "bgn", "SG": "sgd",
    "HK": "hkd", "MX": "mxn", "BR": "brl", "MY": "myr", "TH": "thb", "AE": "aed", "GI": "gbp",
}  # fmt: skip


def _requirements(currently_due: list[str]) -> dict[str, Any]:
    return {
        "alternatives": [],
        "current_deadline": None,
        "currently_due": list(currently_due),
        "disabled_reason": "requirements.past_due" if currently_due else None,
        "errors": [],
        "eventually_due": list(currently_due),
        "past_due": list(currently_due),
        "pending_verification": [],
    }


def account(
    now: int, *, country: str, email: str | None, account_type: str, requested: list[str], metadata: dict[str, str]
) -> dict[str, Any]:
    account_id = new_id("acct", 16)
    return {
        "id": account_id,
        "object": "account",
        "business_profile": {
            "annual_revenue": None, "estimated_worker_count": None, "mcc": None, "name": None,
            "product_description": None, "support_address": None, "support_email": None, "support_phone": None,
            "support_url": None, "url": None, "minority_owned_business_designation": None,
        },
        "business_type": None,
        "capabilities": {name: "inactive" for name in requested},
        "charges_enabled": False,
        "controller": {
            "fees": {"payer": "application_express"}, "is_controller": True, "losses": {"payments": "application"},
            "requirement_collection": "stripe", "stripe_dashboard": {"type": "express"}, "type": "application",
        },
        "country": country,
        "created": now,
        "default_currency": CURRENCY_OF.get(country, "eur"),
        "details_submitted": False,
        "email": email,
        "external_accounts": {"object": "list", "data": [], "has_more": False,
                              "url": f"/v1/accounts/{account_id}/external_accounts"},
        "future_requirements": _requirements([]),
        "metadata": metadata,
        "payouts_enabled": False,
        "requirements": _requirements(list(EXPRESS_REQUIREMENTS)),
        "settings": {
            "bacs_debit_payments": {"display_name": None, "service_user_number": None},
            "branding": {"icon": None, "logo": None, "primary_color": None, "secondary_color": None},
            "card_issuing": {"tos_acceptance": {"date": None, "ip": None}},
            "card_payments": {"decline_on": {"avs_failure": False, "cvc_failure": False},
                              "statement_descriptor_prefix": None, "statement_descriptor_prefix_kana": None,
                              "statement_descriptor_prefix_kanji": None},
            "dashboard": {"display_name": None, "timezone": "Etc/UTC"},
            "invoices": {"default_account_tax_ids": None, "hosted_payment_method_save": "offer"},
            "payments": {"statement_descriptor": None, "statement_descriptor_kana": None,
                         "statement_descriptor_kanji": None},
            "payouts": {"debit_negative_balances": True, "schedule": {"delay_days": 2, "interval": "daily"},
                        "statement_descriptor": None},
            "sepa_debit_payments": {},
        },
        "tos_acceptance": {"date": None, "ip": None, "user_agent": None},
        "type": account_type,
    }  # fmt: skip


def set_requirements(acct: dict[str, Any], currently_due: list[str]) -> None:
    """Recompute what follows from the missing requirements (capabilities, payouts, the flags)."""
    acct["requirements"] = _requirements(currently_due)
    ready = not currently_due and acct["details_submitted"]
    for name in acct["capabilities"]:
        acct["capabilities"][name] = "active" if ready else ("pending" if acct["details_submitted"] else "inactive")
    acct["payouts_enabled"] = ready and bool(acct["external_accounts"]["data"])
    acct["charges_enabled"] = ready and "card_payments" in acct["capabilities"]


def bank_account(now: int, account_id: str, country: str, currency: str, number: str) -> dict[str, Any]:
    return {
        "id": new_id("ba"), "object": "bank_account", "account": account_id, "account_holder_name": None,
        "account_holder_type": "individual", "account_type": None, "available_payout_methods": ["standard"],
        "bank_name": "STRIPE TEST BANK", "country": country, "currency": currency, "default_for_currency": True,
        "fingerprint": new_id("fp", 16)[3:], "last4": number[-4:], "metadata": {}, "routing_number": "110000000",
        "status": "new", "created": now,
        # Not an API field: the simulator's memory of the number (test numbers decide payout failures).
        "_number": number,
    }  # fmt: skip


def account_link(now: int, url: str, expires_at: int) -> dict[str, Any]:
    return {"object": "account_link", "created": now, "expires_at": expires_at, "url": url}


def login_link(now: int, url: str) -> dict[str, Any]:
    return {"object": "login_link", "created": now, "url": url}


def balance(amounts: dict[str, dict[str, int]]) -> dict[str, Any]:
    currencies = sorted(amounts) or ["usd"]

    def part(kind: str) -> list[dict[str, Any]]:
        return [
            {"amount": amounts.get(c, {}).get(kind, 0), "currency": c,
             "source_types": {"card": amounts.get(c, {}).get(kind, 0)}}
            for c in currencies
        ]  # fmt: skip

    return {
        "object": "balance",
        "available": part("available"),
        "connect_reserved": [{"amount": 0, "currency": c} for c in currencies],
        "livemode": False,
        "pending": part("pending"),
    }


def balance_transaction(
    now: int,
    *,
    amount: int,
    currency: str,
    type_: str,
    reporting_category: str,
    source: str | None,
    description: str | None = None,
    available_on: int | None = None,
    status: str = "available",
) -> dict[str, Any]:
    return {
        "id": new_id("txn"), "object": "balance_transaction", "amount": amount,
        "available_on": available_on if available_on is not None else now, "created": now, "currency": currency,
        "description": description, "exchange_rate": None, "fee": 0, "fee_details": [], "net": amount,
        "reporting_category": reporting_category, "source": source, "status": status, "type": type_,
        "balance_type": "payments",
        # Not an API field: the automatic payout that swept this transaction (the `payout` list filter).
        "_payout": None,
    }  # fmt: skip


def transfer(
    now: int,
    *,
    amount: int,
    currency: str,
    destination: str,
    description: str | None,
    transfer_group: str | None,
    metadata: dict[str, str],
    balance_txn: str,
    destination_payment: str,
) -> dict[str, Any]:
    transfer_id = new_id("tr")
    return {
        "id": transfer_id, "object": "transfer", "amount": amount, "amount_reversed": 0,
        "balance_transaction": balance_txn, "created": now, "currency": currency, "description": description,
        "destination": destination, "destination_payment": destination_payment, "livemode": False,
        "metadata": metadata,
        "reversals": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                      "url": f"/v1/transfers/{transfer_id}/reversals"},
        "reversed": False, "source_transaction": None, "source_type": "card", "transfer_group": transfer_group,
    }  # fmt: skip


def transfer_reversal(
    now: int,
    *,
    amount: int,
    currency: str,
    transfer_id: str,
    balance_txn: str,
    metadata: dict[str, str],
    refund_id: str,
) -> dict[str, Any]:
    return {
        "id": new_id("trr"), "object": "transfer_reversal", "amount": amount, "balance_transaction": balance_txn,
        "created": now, "currency": currency, "destination_payment_refund": refund_id, "metadata": metadata,
        "source_refund": None, "transfer": transfer_id,
    }  # fmt: skip


def payout(
    now: int,
    *,
    amount: int,
    currency: str,
    destination: str | None,
    automatic: bool,
    arrival_date: int,
    description: str | None,
    metadata: dict[str, str],
    statement_descriptor: str | None,
    method: str = "standard",
) -> dict[str, Any]:
    return {
        "id": new_id("po"), "object": "payout", "amount": amount, "application_fee": None,
        "application_fee_amount": None, "arrival_date": arrival_date, "automatic": automatic,
        "balance_transaction": None, "created": now, "currency": currency,
        "description": description or ("STRIPE PAYOUT" if automatic else None), "destination": destination,
        "failure_balance_transaction": None, "failure_code": None, "failure_message": None, "livemode": False,
        "metadata": metadata, "method": method, "original_payout": None,
        "reconciliation_status": "not_applicable" if not automatic else "in_progress", "reversed_by": None,
        "source_type": "card", "statement_descriptor": statement_descriptor, "status": "pending",
        "type": "bank_account", "trace_id": {"status": "pending", "value": None}, "payout_method": None,
    }  # fmt: skip


def event(
    now: int,
    *,
    type_: str,
    obj: dict[str, Any],
    account: str | None,
    previous_attributes: dict[str, Any] | None,
    request_id: str | None,
    idempotency_key: str | None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"object": public(obj)}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    result: dict[str, Any] = {
        "id": new_id("evt"), "object": "event", "api_version": API_VERSION, "created": now, "data": data,
        "livemode": False, "pending_webhooks": 0,
        "request": {"id": request_id, "idempotency_key": idempotency_key}, "type": type_,
    }  # fmt: skip
    if account:
        result["account"] = account
    return result


def public(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as the API shows it (without the simulator's private `_` fields)."""
    return {k: _public_value(v) for k, v in obj.items() if not k.startswith("_")}


def _public_value(value: Any) -> Any:
    if isinstance(value, dict):
        return public(value)
    if isinstance(value, list):
        return [_public_value(v) for v in value]
    return copy.copy(value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Stripe's `previous_attributes`: the old values of the top-level fields that changed."""
    return {k: copy.deepcopy(v) for k, v in public(before).items() if public(after).get(k) != v}
