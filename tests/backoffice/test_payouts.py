"""The Payouts queue: finance sees payables by due date with their approvals, approves in a batch, releases with
a TOTP code; the creator's Payments page tells the clock in words. Another brand sees nothing."""

from __future__ import annotations

import pyotp
import pytest

from shared.collaborations.actions import CreatorSide, check_send_offers, do_accept_offer
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.db.querycount import count_queries
from shared.identity.queries import get_staff_context
from shared.settings import Settings
from tests.conftest import Cast, csrf_token_from
from tests.factories import offer_form, published_campaign
from tests.payment_helpers import ACTOR, intent_row, olivia_totp, payable_row, signing_payable
from tests.personas import act_as_creator, act_as_staff

QUEUE = "/backoffice/b/acme/payouts"


async def _post(client, url: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    token = csrf_token_from((await client.get(QUEUE)).text)
    return await client.post(url, data={"_csrf_token": token, **data}, follow_redirects=False)


async def test_it_lists_the_queue_with_approvals_in_few_queries(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    ids = [await signing_payable(cast) for _ in range(3)]
    await act_as_staff(client, cast.fran_id)
    with count_queries() as counted:
        page = await client.get(QUEUE)
    assert page.status_code == 200
    for payable_id in ids:
        assert f'id="payable-{payable_id}" data-status="pending_approval"' in page.text
    assert "US$600.00" in page.text and "0 of 1" in page.text
    assert counted.count <= 8, counted.statements


async def test_finance_approves_and_an_owner_releases_with_a_code(client, cast: Cast, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    first, second = await signing_payable(cast), await signing_payable(cast)
    await act_as_staff(client, cast.fran_id)
    # The first click shows the ticked payables and their total; nothing is approved yet.
    confirm = await _post(client, f"{QUEUE}/approve", {"payable": [str(first), str(second)]})
    assert confirm.status_code == 200 and "Approve 2 payables: US$1,200.00?" in confirm.text
    assert (await payable_row(first))["status"] == "pending_approval"
    answer = await _post(client, f"{QUEUE}/approve", {"payable": [str(first), str(second)], "confirmed": "1"})
    assert answer.status_code == 303
    assert (await payable_row(first))["status"] == "approved" and (await payable_row(second))["status"] == "approved"
    secret = await olivia_totp(cast, Encryptor(settings.secret_key))
    await act_as_staff(client, cast.olivia_id)
    confirm = await _post(client, f"{QUEUE}/release", {"payable": [str(first)]})
    assert "Release 1 payable: US$600.00?" in confirm.text and 'id="code"' in confirm.text
    missing = await _post(client, f"{QUEUE}/release", {"payable": [str(first)], "confirmed": "1"})
    assert missing.status_code == 400 and "Enter the current 6-digit code" in missing.text
    wrong = await _post(client, f"{QUEUE}/release", {"payable": [str(first)], "code": "12", "confirmed": "1"})
    assert wrong.status_code == 400 and "code is not right" in wrong.text
    assert f'name="payable" value="{first}"' in wrong.text  # asked again on the same confirmation
    answer = await _post(client, f"{QUEUE}/release",
                         {"payable": [str(first)], "code": pyotp.TOTP(secret).now(), "confirmed": "1"})  # fmt: skip
    assert answer.status_code == 303
    assert (await payable_row(first))["status"] == "released" and (await intent_row(first))["state"] == "queued"
    assert (await payable_row(second))["status"] == "approved"
    detail = await client.get(f"{QUEUE}/{first}")
    assert "Fran Finance approved it" in detail.text and "payable:" in detail.text


async def test_a_refusal_needs_a_reason(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    payable_id = await signing_payable(cast)
    await act_as_staff(client, cast.fran_id)
    empty = await _post(client, f"{QUEUE}/{payable_id}/refuse", {"reason": ""})
    assert empty.status_code == 400 and "Say why" in empty.text
    answer = await _post(client, f"{QUEUE}/{payable_id}/refuse", {"reason": "No invoice yet"})
    assert answer.status_code == 303
    assert "No invoice yet" in (await client.get(QUEUE)).text


@pytest.mark.parametrize("who", ["bob", "vic"])
async def test_managers_and_viewers_read_but_do_not_act(client, cast: Cast, who: str) -> None:  # type: ignore[no-untyped-def]
    payable_id = await signing_payable(cast)
    await act_as_staff(client, cast.bob_id if who == "bob" else cast.vic_id)
    page = await client.get(QUEUE)
    assert page.status_code == 200 and f"payable-{payable_id}" in page.text and "Approve the ticked" not in page.text
    assert (
        await _post(client, f"{QUEUE}/approve", {"payable": [str(payable_id)], "confirmed": "1"})
    ).status_code == 403


async def test_another_brand_sees_nothing(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    payable_id = await signing_payable(cast)
    await act_as_staff(client, cast.charlie_id)
    assert (await client.get(QUEUE)).status_code == 404
    assert (await client.get(f"/backoffice/b/globex/payouts/{payable_id}")).status_code == 404
    assert f"payable-{payable_id}" not in (await client.get("/backoffice/b/globex/payouts")).text


async def test_the_creator_reads_the_clock_of_her_own_payments(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    payable_id = await signing_payable(cast)
    await act_as_creator(client, cast.alice_id)
    page = await client.get("/payments")
    assert page.status_code == 200
    assert f'id="payable-{payable_id}" data-status="pending_approval"' in page.text
    assert "Acme is approving it; it is due by" in page.text and "Owed US$600.00" in page.text


async def test_it_filters_the_queue_and_exports_it_as_csv(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    first, second = await signing_payable(cast), await signing_payable(cast)
    await act_as_staff(client, cast.fran_id)
    await _post(client, f"{QUEUE}/approve", {"payable": [str(first)], "confirmed": "1"})
    approved_only = await client.get(f"{QUEUE}?status=approved&currency=USD&creator={cast.alice_id}")
    assert f"payable-{first}" in approved_only.text and f"payable-{second}" not in approved_only.text
    assert (await client.get(f"{QUEUE}?creator=99999999999")).status_code == 400  # beyond int4: refused
    export = await client.get(f"{QUEUE}.csv?status=approved")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    lines = export.text.strip().splitlines()
    assert lines[0].startswith("payable,due_on,creator") and len(lines) == 2
    assert f"{first}," in lines[1] and ",600.00,USD,approved,1,1,Fran Finance" in lines[1]
    assert ",signing the contract,600.00," in lines[1]  # the milestone in words, as the queue shows it


async def test_an_owner_sets_the_policy_and_its_errors_keep_what_was_typed(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    await act_as_staff(client, cast.olivia_id)
    settings_url = "/backoffice/b/acme/settings/payments"
    page = await client.get(settings_url)
    assert page.status_code == 200 and 'value="30"' in page.text
    token = csrf_token_from(page.text)
    bad = await client.post(settings_url, data={"_csrf_token": token, "approvals_required": "2",
                                                "threshold_amount": "abc", "threshold_approvals": "3",
                                                "roles": ["finance"], "terms_days": "14"})  # fmt: skip
    assert bad.status_code == 400 and "Enter an amount like" in bad.text and 'value="abc"' in bad.text
    good = await client.post(settings_url, data={"_csrf_token": token, "approvals_required": "2",
                                                 "threshold_amount": "5000", "threshold_approvals": "3",
                                                 "roles": ["finance", "owner"], "terms_days": "14"},
                             follow_redirects=False)  # fmt: skip
    assert good.status_code == 303
    payable_id = await signing_payable(cast, fee="20000")  # 10,000.00 on signing: above the threshold
    row = await payable_row(payable_id)
    assert row["approvals_required"] == 3
    assert (row["due_on"] - row["milestone_at"].date()).days == 14  # type: ignore[operator, union-attr]
    await act_as_staff(client, cast.fran_id)
    assert (await client.get(settings_url)).status_code == 403


async def test_finance_records_a_manual_payout_with_its_reference(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    payable_id = await signing_payable(cast)
    await act_as_staff(client, cast.fran_id)
    await _post(client, f"{QUEUE}/approve", {"payable": [str(payable_id)], "confirmed": "1"})
    await act_as_staff(client, cast.olivia_id)
    missing = await _post(client, f"{QUEUE}/{payable_id}/manual", {"method": "paypal", "reference": ""})
    assert missing.status_code == 400 and "reference" in missing.text
    done = await _post(client, f"{QUEUE}/{payable_id}/manual", {"method": "paypal", "reference": "PP-7781"})
    assert done.status_code == 303
    row = await payable_row(payable_id)
    assert row["status"] == "paid_out" and row["method"] == "paypal" and row["manual_reference"] == "PP-7781"


async def test_a_manager_marks_the_bonus_met_from_the_offer_page(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    form = {**offer_form("1200"), "bonus": "300", "bonus_condition": "100,000 views in 30 days"}
    [deal] = await check_send_offers(ACTOR, await get_staff_context(cast.bob_id), brand_id=cast.acme_id,
                                     campaign_id=await published_campaign(cast), creator_ids=[cast.alice_id],
                                     form=form)  # fmt: skip
    await do_accept_offer(ACTOR, CreatorSide(cast.alice_id), collaboration_id=deal)
    await act_as_staff(client, cast.bob_id)
    offer_url = f"/backoffice/b/acme/offers/{deal}"
    page = await client.get(offer_url)
    assert "Mark the bonus as earned" in page.text
    token = csrf_token_from(page.text)
    answer = await client.post(f"{offer_url}/bonus", data={"_csrf_token": token, "note": "140k views on day 12"},
                               follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303
    rows = await get_engine().fetch("SELECT milestone, amount_minor, note FROM payable WHERE collaboration = $1", deal)
    assert rows == [{"milestone": "bonus", "amount_minor": 30000, "note": "140k views on day 12"}]


async def test_the_release_confirmation_names_what_the_w9_hold_keeps_back(
    client, cast: Cast, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    """With the brand's hold on, a creator without a W-9 is named apart with the reason and left out of the total
    (the release would refuse them anyway); once their W-9 is on file they are ready like anyone else."""
    from shared.tax.actions import do_set_tax_hold
    from tests.payment_helpers import approved, staff
    from tests.tax_helpers import file_w9

    payable_id = await signing_payable(cast)
    await approved(cast, payable_id)
    await do_set_tax_hold(ACTOR, await staff(cast.olivia_id), brand_id=cast.acme_id, hold=True)
    await act_as_staff(client, cast.olivia_id)
    confirm = await _post(client, f"{QUEUE}/release", {"payable": [str(payable_id)]})
    assert confirm.status_code == 200 and "Nothing to release" in confirm.text
    assert f'id="held-{payable_id}"' in confirm.text and "W-9 is on file" in confirm.text
    assert 'id="code"' not in confirm.text  # nothing to release: no code asked
    await file_w9(settings.secret_key, cast.alice_id)
    confirm = await _post(client, f"{QUEUE}/release", {"payable": [str(payable_id)]})
    assert "Release 1 payable: US$600.00?" in confirm.text and 'id="held-for-tax"' not in confirm.text
