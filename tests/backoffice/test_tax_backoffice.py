"""Tax in the back-office over HTTP: an owner turns the W-9 hold on (audited); finance's release of a held payable
is refused with the reason on the page; the Year-end page lists what Acme paid each creator, flags those to
report, in a fixed number of statements, and links the filing file. Another brand sees nothing."""

from __future__ import annotations

import datetime as dt

import pyotp

from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.db.querycount import count_queries
from shared.settings import Settings
from tests.conftest import Cast, csrf_token_from
from tests.payment_helpers import approved, olivia_totp, payable_row, signing_payable
from tests.personas import act_as_staff
from tests.tax_helpers import file_w8ben, file_w9, paid_manually

ACME = "/backoffice/b/acme"
YEAR = dt.datetime.now(dt.UTC).year


async def test_an_owner_turns_the_hold_on_and_a_release_is_refused_with_the_reason(  # type: ignore[no-untyped-def]
    client, cast: Cast, settings: Settings
) -> None:
    payable_id = await signing_payable(cast)
    await approved(cast, payable_id)
    secret = await olivia_totp(cast, Encryptor(settings.secret_key))
    await act_as_staff(client, cast.olivia_id)
    page = await client.get(f"{ACME}/settings/tax")
    assert page.status_code == 200 and "Hold payouts to US creators until their W-9 is on file" in page.text
    assert 'href="/backoffice/b/acme/settings/tax"' in page.text  # in the navigation, next to Payment policy
    saved = await client.post(f"{ACME}/settings/tax", data={"hold": "yes", "_csrf_token": csrf_token_from(page.text)},
                              follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303
    assert "checked" in (await client.get(f"{ACME}/settings/tax")).text
    assert await get_engine().fetch("SELECT 1 FROM audit_log WHERE action = 'tax_setting.changed' AND brand = $1",
                                    cast.acme_id)  # fmt: skip

    queue = await client.get(f"{ACME}/payouts")
    answer = await client.post(
        f"{ACME}/payouts/release",
        data={
            "payable": [str(payable_id)],
            "code": pyotp.TOTP(secret).now(),
            "confirmed": "1",  # past the batch confirmation page
            "_csrf_token": csrf_token_from(queue.text),
        },
    )
    assert answer.status_code == 200  # back on the queue, with the outcome
    assert "Held for tax details" in answer.text and "W-9" in answer.text
    assert (await payable_row(payable_id))["status"] == "approved"
    await act_as_staff(client, cast.fran_id)  # finance sees who waits, on Year-end
    year_end = await client.get(f"{ACME}/year-end")
    assert f'id="held-{cast.alice_id}"' in year_end.text and "1 payment waiting, US$600.00" in year_end.text
    await file_w9(settings.secret_key, cast.alice_id)
    assert 'id="held-for-w9"' not in (await client.get(f"{ACME}/year-end")).text


async def test_the_year_end_page_flags_those_to_report_in_few_queries(  # type: ignore[no-untyped-def]
    client, cast: Cast, settings: Settings
) -> None:
    await paid_manually(cast, fee="6000")  # 3,000
    await file_w9(settings.secret_key, cast.alice_id)
    await act_as_staff(client, cast.fran_id)
    with count_queries() as counted:
        page = await client.get(f"{ACME}/year-end")
    assert page.status_code == 200
    row = f'id="year-end-{cast.alice_id}-USD" data-flagged="yes"'
    assert row in page.text and "US$3,000.00" in page.text and "•••-••-3986" in page.text
    assert f"/year-end/{YEAR}/1099-nec.csv" in page.text
    assert counted.count <= 9, counted.statements  # session, staff, badges; the totals, years, holds: not per row

    await paid_manually(cast, fee="6000")
    await file_w8ben(settings.secret_key, cast.alice_id)
    page = await client.get(f"{ACME}/year-end?year={YEAR}")
    assert f'id="year-end-{cast.alice_id}-USD" data-flagged="no"' in page.text and "Foreign (W-8BEN)" in page.text
    assert "1099-nec.csv" not in page.text  # nothing to file


async def test_year_end_answers_sane_years_only_and_hides_other_brands(client, cast: Cast) -> None:  # type: ignore[no-untyped-def]
    await act_as_staff(client, cast.olivia_id)
    assert (await client.get(f"{ACME}/year-end?year=1999")).status_code == 404
    assert (await client.get(f"{ACME}/year-end?year={YEAR + 1}")).status_code == 404
    assert (await client.get(f"{ACME}/year-end/{YEAR + 1}/1099-nec.csv")).status_code == 404
    empty = await client.get(f"{ACME}/year-end")
    assert "paid no creator in" in empty.text
    await act_as_staff(client, cast.charlie_id)
    assert (await client.get(f"{ACME}/year-end")).status_code == 404
