"""The simulator's contract, through the real stripe SDK.

Tests that use `stripe_client` alone run against Stripe's test mode too when
STRIPE_TEST_SECRET_KEY is set; those that need the simulator's controls use `sim` (skipped then).
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import stripe

from shared.integrations.stripe_simulator import Simulator, sign
from tests.stripe.helpers import fill_onboarding, ready_account
from tests.stripe_fixtures import SIM_KEY, StripeSim, WebhookReceiver

# Stripe's own example of every resource, read where the team keeps it (../shared/stripe beside the checkout; not
# copied into the project). STRIPE_FIXTURES3 names another place; the machines' team folder is the last resort.
_FIXTURE_PLACES = [
    Path(os.environ.get("STRIPE_FIXTURES3", "/nonexistent")),
    Path(__file__).resolve().parents[3] / "shared" / "stripe" / "fixtures3.json",
    Path("/work/shared/stripe/fixtures3.json"),
]
FIXTURES_FILE = next((place for place in _FIXTURE_PLACES if place.is_file()), None)
RESOURCES: dict[str, Any] = json.loads(FIXTURES_FILE.read_text())["resources"] if FIXTURES_FILE else {}


def test_stripe_example_objects_are_at_hand() -> None:
    """The shape checks below compare with Stripe's examples; without the file they can't, and this says so."""
    if FIXTURES_FILE is None:
        pytest.skip("Stripe's fixtures3.json is not beside this checkout (../shared/stripe): shapes not compared")
    assert {"account", "transfer", "payout", "balance_transaction", "event"} <= set(RESOURCES)


def assert_shaped_like_stripe(obj: Any, resource: str) -> None:
    """Every top-level field of Stripe's example, the same `object` name and id prefix."""
    data = obj.to_dict() if hasattr(obj, "to_dict") else obj
    if not RESOURCES:
        return  # test_stripe_example_objects_are_at_hand reports the missing file as a skip
    example = RESOURCES[resource]
    missing = set(example) - set(data)
    assert not missing, f"{resource} lacks {sorted(missing)}"
    assert data["object"] == example["object"]
    if "id" in example:
        assert data["id"].split("_")[0] == example["id"].split("_")[0]


def express(client: stripe.StripeClient, country: str = "US") -> stripe.Account:
    return client.v1.accounts.create(
        {"type": "express", "country": country, "email": "alice@example.com",
         "capabilities": {"transfers": {"requested": True}}}
    )  # fmt: skip


# -- accounts and links ----------------------------------------------------------------------
def test_it_creates_an_express_account_shaped_like_stripes(stripe_client: stripe.StripeClient) -> None:
    account = express(stripe_client)
    assert_shaped_like_stripe(account, "account")
    assert account.type == "express"
    assert account.payouts_enabled is False and account.details_submitted is False
    assert account.requirements is not None and "external_account" in (account.requirements.currently_due or [])
    assert stripe_client.v1.accounts.retrieve(account.id).id == account.id


def test_it_updates_and_deletes_an_account(stripe_client: stripe.StripeClient) -> None:
    account = express(stripe_client)
    updated = stripe_client.v1.accounts.update(account.id, {"metadata": {"creator": "42"}})
    assert updated.metadata.to_dict() == {"creator": "42"}
    deleted = stripe_client.v1.accounts.delete(account.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as error:
        stripe_client.v1.accounts.retrieve(account.id)
    assert error.value.http_status in (403, 404)


def test_it_refuses_an_unsupported_country(stripe_client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as error:
        express(stripe_client, country="NG")
    assert error.value.param == "country"
    assert error.value.http_status == 400


def test_it_onboards_through_the_hosted_page(sim: StripeSim) -> None:
    client = sim.client()
    account = express(client)
    link = client.v1.account_links.create(
        {"account": account.id, "type": "account_onboarding", "refresh_url": "http://127.0.0.1/refresh",
         "return_url": "http://127.0.0.1/return"}
    )  # fmt: skip
    assert_shaped_like_stripe(link, "account_link")
    response = fill_onboarding(link.url)
    assert response.status_code == 303 and response.headers["location"] == "http://127.0.0.1/return"
    account = client.v1.accounts.retrieve(account.id)
    assert account.details_submitted and account.payouts_enabled
    assert account.requirements is not None and account.requirements.currently_due == []
    assert account.capabilities is not None and account.capabilities.transfers == "active"
    # An account link works once: the second visit goes to refresh_url.
    again = httpx.get(link.url)
    assert again.status_code == 303 and again.headers["location"] == "http://127.0.0.1/refresh"
    login = client.v1.accounts.login_links.create(account.id)
    assert_shaped_like_stripe(login, "login_link")
    assert httpx.get(login.url).status_code == 200


def test_missing_details_stay_currently_due(sim: StripeSim) -> None:
    account = ready_account(sim.client(), phone="", account_number="")
    assert account.details_submitted and not account.payouts_enabled
    assert account.requirements is not None
    assert account.requirements.currently_due == ["external_account", "individual.phone"]


def test_an_expired_link_sends_to_refresh_url(sim: StripeSim) -> None:
    client = sim.client()
    account = express(client)
    link = client.v1.account_links.create(
        {"account": account.id, "type": "account_onboarding", "refresh_url": "http://127.0.0.1/refresh",
         "return_url": "http://127.0.0.1/return"}
    )  # fmt: skip
    sim.control("clock/advance", seconds=301)
    response = httpx.get(link.url)
    assert response.status_code == 303 and response.headers["location"] == "http://127.0.0.1/refresh"


def test_login_links_need_finished_onboarding(stripe_client: stripe.StripeClient) -> None:
    account = express(stripe_client)
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.accounts.login_links.create(account.id)


# -- balance, transfers, reversals -----------------------------------------------------------------
def test_it_transfers_from_the_platform_balance(sim: StripeSim) -> None:
    client = sim.client()
    sim.top_up(10_000)
    before = client.v1.balance.retrieve()
    assert_shaped_like_stripe(before, "balance")
    account = ready_account(client)
    transfer = client.v1.transfers.create(
        {"amount": 2500, "currency": "usd", "destination": account.id, "transfer_group": "payable-1",
         "metadata": {"payable": "1"}}
    )  # fmt: skip
    assert_shaped_like_stripe(transfer, "transfer")
    assert transfer.destination == account.id and transfer.metadata.to_dict() == {"payable": "1"}
    after = client.v1.balance.retrieve()
    assert after.available[0].amount == before.available[0].amount - 2500
    connected = client.v1.balance.retrieve(options={"stripe_account": account.id})
    assert connected.available[0].amount == 2500
    txn = client.v1.balance_transactions.retrieve(transfer.balance_transaction)  # type: ignore[arg-type]
    assert_shaped_like_stripe(txn, "balance_transaction")
    assert (txn.type, txn.reporting_category, txn.source, txn.amount) == ("transfer", "transfer", transfer.id, -2500)
    listed = client.v1.transfers.list({"transfer_group": "payable-1"})
    assert [t.id for t in listed.data] == [transfer.id]


def test_it_refuses_a_transfer_the_balance_cannot_cover(sim: StripeSim) -> None:
    client = sim.client()
    account = ready_account(client)
    available = client.v1.balance.retrieve().available
    have = next((b.amount for b in available if b.currency == "usd"), 0)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.transfers.create({"amount": have + 1, "currency": "usd", "destination": account.id})
    assert error.value.code == "balance_insufficient"


def test_it_refuses_a_transfer_to_an_account_without_transfers(sim: StripeSim) -> None:
    client = sim.client()
    sim.top_up(1000)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.transfers.create({"amount": 100, "currency": "usd", "destination": express(client).id})
    assert error.value.code == "insufficient_capabilities_for_transfer"


def test_it_reverses_a_transfer(sim: StripeSim) -> None:
    client = sim.client()
    sim.top_up(5000)
    account = ready_account(client)
    transfer = client.v1.transfers.create({"amount": 1000, "currency": "usd", "destination": account.id})
    reversal = client.v1.transfers.reversals.create(transfer.id, {"amount": 400})
    assert_shaped_like_stripe(reversal, "transfer_reversal")
    transfer = client.v1.transfers.retrieve(transfer.id)
    assert transfer.amount_reversed == 400 and transfer.reversed is False
    client.v1.transfers.reversals.create(transfer.id)
    transfer = client.v1.transfers.retrieve(transfer.id)
    assert transfer.reversed is True
    assert len(client.v1.transfers.reversals.list(transfer.id).data) == 2
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.reversals.create(transfer.id, {"amount": 1})
    assert client.v1.balance.retrieve(options={"stripe_account": account.id}).available[0].amount == 0


# -- payouts and balance transactions -------------------------------------------------------------
def test_automatic_payouts_follow_the_clock_and_reconcile(sim: StripeSim) -> None:
    client = sim.client()
    sim.top_up(5000)
    account = ready_account(client)
    on = {"stripe_account": account.id}
    t1 = client.v1.transfers.create({"amount": 700, "currency": "usd", "destination": account.id})
    t2 = client.v1.transfers.create({"amount": 300, "currency": "usd", "destination": account.id})
    sim.control("clock/advance", days=1)
    payouts = client.v1.payouts.list(options=on).data
    assert len(payouts) == 1 and payouts[0].automatic and payouts[0].amount == 1000
    assert_shaped_like_stripe(payouts[0], "payout")
    sim.control("clock/advance", days=1)
    payout = client.v1.payouts.retrieve(payouts[0].id, options=on)
    assert payout.status == "paid"
    swept = client.v1.balance_transactions.list({"payout": payout.id, "expand": ["data.source"]}, options=on).data
    sources = {t.source["source_transfer"] for t in swept if t.type == "payment"}  # type: ignore[index]
    assert sources == {t1.id, t2.id}
    assert {t.type for t in swept} == {"payment", "payout"}
    assert {t.reporting_category for t in swept} == {"charge", "payout"}


def test_a_manual_payout_to_a_closed_account_fails(sim: StripeSim) -> None:
    client = sim.client()
    sim.top_up(5000)
    account = ready_account(client, account_number="000111111113")
    on = {"stripe_account": account.id}
    client.v1.accounts.update(account.id, {"settings": {"payouts": {"schedule": {"interval": "manual"}}}})
    client.v1.transfers.create({"amount": 900, "currency": "usd", "destination": account.id})
    payout = client.v1.payouts.create({"amount": 900, "currency": "usd"}, options=on)
    assert payout.status == "pending" and not payout.automatic
    sim.control("clock/advance", days=1)
    payout = client.v1.payouts.retrieve(payout.id, options=on)
    assert (payout.status, payout.failure_code) == ("failed", "account_closed")
    failure = client.v1.balance_transactions.retrieve(payout.failure_balance_transaction, options=on)  # type: ignore[arg-type]
    assert (failure.type, failure.reporting_category, failure.amount) == ("payout_failure", "payout_reversal", 900)
    assert client.v1.balance.retrieve(options=on).available[0].amount == 900
    events = client.v1.events.list({"type": "payout.failed"}, options=on).data
    assert events[0].data.object["id"] == payout.id and events[0].account == account.id  # type: ignore[attr-defined]


# -- lists and expand --------------------------------------------------------------------------
def test_lists_paginate_with_starting_after(stripe_client: stripe.StripeClient) -> None:
    made = [express(stripe_client).id for _ in range(3)]
    first = stripe_client.v1.accounts.list({"limit": 2})
    assert first.has_more is True and len(first.data) == 2
    assert [a.id for a in first.data] == made[::-1][:2]
    second = stripe_client.v1.accounts.list({"limit": 2, "starting_after": first.data[-1].id})
    assert second.data[0].id == made[0]


def test_expand_replaces_ids_with_objects(sim: StripeSim) -> None:
    client = sim.client()
    sim.top_up(1000)
    account = ready_account(client)
    transfer = client.v1.transfers.create({"amount": 100, "currency": "usd", "destination": account.id})
    expanded = client.v1.transfers.retrieve(transfer.id, {"expand": ["balance_transaction", "destination"]})
    assert expanded.balance_transaction.object == "balance_transaction"  # type: ignore[union-attr]
    assert expanded.destination.id == account.id  # type: ignore[union-attr]


# -- idempotency ---------------------------------------------------------------------------------
def raw(sim: StripeSim, path: str, data: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {SIM_KEY}"}
    if key:
        headers["Idempotency-Key"] = key
    return httpx.post(f"{sim.base_url}{path}", data=data, headers=headers)


def test_a_key_replays_the_first_answer(sim: StripeSim) -> None:
    first = raw(sim, "/v1/accounts", {"type": "express", "capabilities[transfers][requested]": "true"}, "k-replay")
    second = raw(sim, "/v1/accounts", {"type": "express", "capabilities[transfers][requested]": "true"}, "k-replay")
    assert first.json()["id"] == second.json()["id"]
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Idempotent-Replayed"] == "true"


def test_a_500_is_saved_and_replayed(sim: StripeSim) -> None:
    sim.control("faults", path="/v1/accounts", count=1, status=500)
    data = {"type": "express", "capabilities[transfers][requested]": "true"}
    first = raw(sim, "/v1/accounts", data, "k-500")
    assert first.status_code == 500 and first.json()["error"]["type"] == "api_error"
    again = raw(sim, "/v1/accounts", data, "k-500")
    assert again.status_code == 500 and again.headers["Idempotent-Replayed"] == "true"


def test_validation_failures_save_nothing(sim: StripeSim) -> None:
    bad = raw(sim, "/v1/accounts", {"type": "express"}, "k-invalid")
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "capabilities"
    good = raw(sim, "/v1/accounts", {"type": "express", "capabilities[transfers][requested]": "true"}, "k-invalid")
    assert good.status_code == 200 and "Idempotent-Replayed" not in good.headers


def test_a_429_saves_nothing(sim: StripeSim) -> None:
    sim.control("faults", path="/v1/accounts", count=1, status=429)
    data = {"type": "express", "capabilities[transfers][requested]": "true"}
    assert raw(sim, "/v1/accounts", data, "k-429").status_code == 429
    assert raw(sim, "/v1/accounts", data, "k-429").status_code == 200


def test_different_parameters_with_a_key_are_an_idempotency_error(sim: StripeSim) -> None:
    client = sim.client()
    client.v1.accounts.create({"type": "express", "capabilities": {"transfers": {"requested": True}}},
                              options={"idempotency_key": "k-diff"})  # fmt: skip
    with pytest.raises(stripe.IdempotencyError):
        client.v1.accounts.create({"type": "express", "country": "GB",
                                   "capabilities": {"transfers": {"requested": True}}},
                                  options={"idempotency_key": "k-diff"})  # fmt: skip


def test_a_concurrent_request_with_the_same_key_gets_409_and_saves_nothing(sim: StripeSim) -> None:
    sim.control("settings", latency_ms=400)
    data = {"type": "express", "capabilities[transfers][requested]": "true"}
    results: list[httpx.Response] = []
    slow = threading.Thread(target=lambda: results.append(raw(sim, "/v1/accounts", data, "k-409")))
    slow.start()
    # A copy (taken in one step) rather than iterating the set the server's thread is changing.
    while "|k-409" not in "".join(sim.simulator.idempotency.in_flight.copy()):
        pass
    conflict = raw(sim, "/v1/accounts", data, "k-409")
    slow.join()
    assert conflict.status_code == 409 and conflict.json()["error"]["type"] == "idempotency_error"
    sim.control("settings", latency_ms=0)
    replay = raw(sim, "/v1/accounts", data, "k-409")
    assert replay.json()["id"] == results[0].json()["id"] and replay.headers["Idempotent-Replayed"] == "true"


def test_a_dropped_connection_after_the_change_is_safe_to_retry_with_the_key(sim: StripeSim) -> None:
    client = sim.client()
    sim.top_up(1000)
    account = ready_account(client)
    sim.control("faults", path="/v1/transfers", count=1, status="drop")
    params = {"amount": 100, "currency": "usd", "destination": account.id}
    with pytest.raises(stripe.APIConnectionError):
        client.v1.transfers.create(params, options={"idempotency_key": "payable-7"})  # type: ignore[arg-type]
    # The transfer happened; the retry with the same key returns it, and makes no second one.
    again = client.v1.transfers.create(params, options={"idempotency_key": "payable-7"})  # type: ignore[arg-type]
    assert [t.id for t in client.v1.transfers.list({"destination": account.id}).data] == [again.id]


def test_errors_are_shaped_like_stripes(sim: StripeSim) -> None:
    response = httpx.get(f"{sim.base_url}/v1/accounts/acct_nope", headers={"Authorization": f"Bearer {SIM_KEY}"})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "resource_missing"
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert httpx.get(f"{sim.base_url}/v1/accounts").status_code == 401


# -- events and webhooks -------------------------------------------------------------------------
def test_webhooks_are_signed_like_stripes(sim: StripeSim, webhook_receiver: WebhookReceiver) -> None:
    client = sim.client()
    sim.control("webhook_endpoints", url=webhook_receiver.url, secret="whsec_platform", connect="false")
    sim.control("webhook_endpoints", url=webhook_receiver.url, secret="whsec_connect", connect="true")
    account = ready_account(client)
    sim.top_up(500)
    client.v1.transfers.create({"amount": 100, "currency": "usd", "destination": account.id})
    received = webhook_receiver.wait_for(3)
    by_type: dict[str, Any] = {}
    for item in received:
        secret = "whsec_connect" if item.event.get("account") else "whsec_platform"
        event = stripe.Webhook.construct_event(item.body.decode(), item.headers["stripe-signature"], secret)
        by_type.setdefault(event.type, event)
    assert by_type["account.updated"].account == account.id
    assert by_type["transfer.created"].data.object["destination"] == account.id
    assert_shaped_like_stripe(by_type["transfer.created"], "event")
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(received[0].body.decode(), received[0].headers["stripe-signature"], "whsec_x")


def test_the_signature_format(sim: StripeSim) -> None:
    header = sign('{"id": "evt_1"}', "whsec_test", timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=") and len(header.split("v1=")[1]) == 64


def test_failed_deliveries_are_retried(sim: StripeSim, webhook_receiver: WebhookReceiver) -> None:
    sim.control("webhook_endpoints", url=webhook_receiver.url, secret="whsec_platform", connect="false")
    webhook_receiver.fail_next = 2
    sim.top_up(100)
    received = webhook_receiver.wait_for(3)
    assert len({r.event["id"] for r in received}) == 1

    def attempts() -> list[int]:
        return [d["attempt"] for d in sim.simulator.state.deliveries if d["event"] == received[0].event["id"]]

    # The simulator records an attempt once the answer is back, a moment after the receiver has seen it.
    deadline = time.monotonic() + 10
    while len(attempts()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert attempts() == [1, 2, 3]


def test_chaos_duplicates_and_reorders(sim: StripeSim, webhook_receiver: WebhookReceiver) -> None:
    sim.control("webhook_endpoints", url=webhook_receiver.url, secret="whsec_platform", connect="false")
    sim.control("settings", duplicate="true")
    sim.top_up(100)
    received = webhook_receiver.wait_for(2)
    assert received[0].event["id"] == received[1].event["id"]
    sim.control("settings", duplicate="false", out_of_order="true")
    sim.top_up(200)
    sim.top_up(300)
    later = webhook_receiver.wait_for(4)[2:]
    created = [r.event["created"] for r in later]
    amounts = [r.event["data"]["object"]["available"][0]["amount"] for r in later]
    assert amounts[0] > amounts[1] and created[0] >= created[1]


def test_chaos_delays_delivery(sim: StripeSim, webhook_receiver: WebhookReceiver) -> None:
    sim.control("webhook_endpoints", url=webhook_receiver.url, secret="whsec_platform", connect="false")
    sim.control("settings", delay_seconds=0.3)
    sim.top_up(100)
    assert webhook_receiver.received == []
    webhook_receiver.wait_for(1)


def test_state_survives_a_restart(tmp_path: Path) -> None:
    from shared.integrations.stripe_simulator import running_simulator

    path = tmp_path / "stripe.json"
    with running_simulator(Simulator(state_path=path)) as url:
        client = stripe.StripeClient(SIM_KEY, base_addresses={"api": url})
        account = express(client)
    with running_simulator(Simulator(state_path=path)) as url:
        client = stripe.StripeClient(SIM_KEY, base_addresses={"api": url})
        assert client.v1.accounts.retrieve(account.id).email == "alice@example.com"
