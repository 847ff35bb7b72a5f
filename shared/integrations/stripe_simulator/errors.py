"""Stripe's error shape: `{"error": {type, code, param, message}}` with Stripe's HTTP statuses."""

from __future__ import annotations

from typing import Any


class StripeError(Exception):
    """An error response exactly as Stripe returns it.

    `saved` says whether the idempotency layer keeps it: Stripe saves a result once the
    endpoint's execution began (500s included), never for a request refused while its
    parameters were validated or one rate-limited before it ran.
    """

    def __init__(
        self,
        status: int,
        type_: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        saved: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type_
        self.message = message
        self.code = code
        self.param = param
        self.saved = saved
        self.headers = headers or {}

    def body(self, request_id: str) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.type, "message": self.message, "request_log_url": None}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://docs.stripe.com/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error["request_log_url"] = f"https://dashboard.stripe.com/test/logs/{request_id}"
        return {"error": error}


def invalid(message: str, *, param: str | None = None, code: str | None = None) -> StripeError:
    """400 invalid_request_error found while validating parameters (nothing saved)."""
    return StripeError(400, "invalid_request_error", message, param=param, code=code)


def missing_param(param: str) -> StripeError:
    return StripeError(
        400, "invalid_request_error", f"Missing required param: {param}.", param=param, code="parameter_missing"
    )


def no_such(kind: str, object_id: str, param: str = "id") -> StripeError:
    return StripeError(
        404, "invalid_request_error", f"No such {kind}: '{object_id}'", param=param, code="resource_missing"
    )


def api_error() -> StripeError:
    return StripeError(
        500, "api_error", "An unknown error occurred on Stripe's side (injected by the simulator).", saved=True
    )


def rate_limited() -> StripeError:
    return StripeError(
        429,
        "invalid_request_error",
        "Too many requests hit the API too quickly (injected by the simulator).",
        code="rate_limit",
        headers={"Stripe-Should-Retry": "true"},
    )
