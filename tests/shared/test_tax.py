"""Tax actions on the real database: forms supersede each other and keep history, TINs are encrypted and never
audited, the brand's hold keeps payouts back until a W-9, year-end totals and the 1099-NEC filing file."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pyotp
import pytest

from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.errors import PermissionDenied
from shared.payments.actions import check_release_payables, do_record_manual_payout
from shared.settings import Settings
from shared.tax.actions import do_export_year_end, do_set_tax_hold
from shared.tax.filing import FILING_COLUMNS
from shared.tax.queries import get_creator_tax, get_tax_page, list_year_end, release_hold
from shared.tax.rules import tin_encryptor
from tests.conftest import Cast
from tests.payment_helpers import ACTOR, approved, olivia_totp, payable_row, signing_payable, staff
from tests.tax_helpers import SSN_DIGITS, file_w8ben, file_w9, paid_manually

YEAR = dt.datetime.now(dt.UTC).year


async def test_a_new_form_supersedes_the_last_and_history_is_kept(cast: Cast, settings: Settings) -> None:
    first = await file_w9(settings.secret_key, cast.alice_id)
    second = await file_w9(settings.secret_key, cast.alice_id, tin_kind="ein", tin="27-1234567",
                           classification="llc_p", business_name="Alice Outdoors LLC")  # fmt: skip
    page = await get_tax_page(cast.alice_id)
    assert page.current is not None and page.current.id == second
    assert page.current.tin_masked == "••-•••4567"
    assert [h.id for h in page.history] == [second, first]
    assert page.history[1].superseded_at is not None and page.history[0].superseded_at is None
    assert "tin" not in page.prefill


async def test_the_tin_is_encrypted_at_rest_and_never_audited(cast: Cast, settings: Settings) -> None:
    profile_id = await file_w9(settings.secret_key, cast.alice_id)
    [row] = await get_engine().fetch("SELECT * FROM tax_profile WHERE id = $1", profile_id)
    assert SSN_DIGITS not in str(dict(row))
    assert row["tin_last4"] == "3986" and row["tin_kind"] == "ssn"
    assert tin_encryptor(settings.secret_key).decrypt(row["tin_enc"]) == SSN_DIGITS
    assert Encryptor(settings.secret_key).decrypt(row["tin_enc"]) is None  # not under the tokens' key
    # the evidence: certification, typed name, time, IP, user agent
    assert (row["signed_name"], row["ip"], row["user_agent"]) == ("Alice Walker", "203.0.113.9", "pytest")
    assert len(row["certification_sha256"]) == 64 and row["signed_at"] is not None
    audit = await get_engine().fetch(
        "SELECT after::text AS after FROM audit_log WHERE action = 'tax_profile.submitted'"
    )
    assert len(audit) == 1
    assert SSN_DIGITS not in audit[0]["after"] and "3986" in audit[0]["after"]


async def _hold(cast: Cast, on: bool = True) -> None:
    await do_set_tax_hold(ACTOR, await staff(cast.olivia_id), brand_id=cast.acme_id, hold=on)


async def test_only_owners_set_the_hold_and_it_is_audited(cast: Cast) -> None:
    with pytest.raises(PermissionDenied):
        await do_set_tax_hold(ACTOR, await staff(cast.fran_id), brand_id=cast.acme_id, hold=True)
    await _hold(cast)
    rows = await get_engine().fetch(
        "SELECT before::text AS b, after::text AS a FROM audit_log WHERE action = 'tax_setting.changed'"
    )
    assert [(r["b"], r["a"]) for r in rows] == [('{"hold_until_w9": false}', '{"hold_until_w9": true}')]


async def test_a_held_payout_is_refused_with_its_reason_until_the_w9(cast: Cast, settings: Settings) -> None:
    encryptor = Encryptor(settings.secret_key)
    secret = await olivia_totp(cast, encryptor)
    payable_id = await signing_payable(cast)
    await approved(cast, payable_id)
    await _hold(cast)
    olivia = await staff(cast.olivia_id)

    [outcome] = await check_release_payables(ACTOR, olivia, encryptor, brand_id=cast.acme_id,
                                             payable_ids=[payable_id], code=pyotp.TOTP(secret).now())  # fmt: skip
    assert not outcome.done
    assert "W-9" in outcome.message and "Acme" in outcome.message
    assert (await payable_row(payable_id))["status"] == "approved"
    assert (await get_creator_tax(cast.alice_id, dt.date.today())).held_by == ("Acme",)
    with pytest.raises(Exception, match="W-9"):  # a manual payment waits too
        await do_record_manual_payout(ACTOR, olivia, brand_id=cast.acme_id, payable_id=payable_id,
                                      method="bank_transfer", reference="BT-1")  # fmt: skip

    await file_w9(settings.secret_key, cast.alice_id)
    assert await release_hold(cast.acme_id, cast.alice_id) is None
    assert (await get_creator_tax(cast.alice_id, dt.date.today())).held_by == ()
    await get_engine().fetch("DELETE FROM sign_in_throttle")  # the same TOTP code is refused twice in a window
    [outcome] = await check_release_payables(ACTOR, olivia, encryptor, brand_id=cast.acme_id,
                                             payable_ids=[payable_id], code=pyotp.TOTP(secret).now())  # fmt: skip
    assert outcome.done, outcome.message


async def test_the_hold_spares_certified_foreign_creators_and_brands_without_it(cast: Cast, settings: Settings) -> None:
    await _hold(cast)
    assert await release_hold(cast.acme_id, cast.alice_id) is not None
    assert await release_hold(cast.globex_id, cast.alice_id) is None  # Globex has no hold
    await file_w8ben(settings.secret_key, cast.alice_id)
    assert await release_hold(cast.acme_id, cast.alice_id) is None


async def test_year_end_totals_flag_the_reportable_and_the_filing_has_the_full_tin(
    cast: Cast, settings: Settings
) -> None:
    await paid_manually(cast, fee="3000")  # 1,500
    await paid_manually(cast, fee="2000")  # 1,000: 2,500 in all, above 2026's $2,000
    await signing_payable(cast, fee="9000")  # not paid: does not count
    await file_w9(settings.secret_key, cast.alice_id)

    year_end = await list_year_end(cast.acme_id, YEAR)
    [alice] = year_end.rows
    assert (alice.total_minor, alice.payments, alice.flagged, alice.missing_w9) == (2_500_00, 2, True, False)
    assert alice.tin_masked == "•••-••-3986"
    assert year_end.years == (YEAR,)

    fran = await staff(cast.fran_id)
    filing = await do_export_year_end(ACTOR, fran, tin_encryptor(settings.secret_key), brand_id=cast.acme_id,
                                      year=YEAR)  # fmt: skip
    rows = list(csv.reader(io.StringIO(filing.data.decode())))
    assert tuple(rows[0]) == FILING_COLUMNS
    record = dict(zip(FILING_COLUMNS, rows[1], strict=True))
    assert record["Recipient TIN"] == "524-71-3986" and record["Recipient TIN Type"] == "SSN"
    assert record["Box 1 Nonemployee Compensation"] == "2500.00"
    assert (record["Recipient Name"], record["State"], record["ZIP"]) == ("Alice Walker", "CO", "80302")
    assert (filing.rows, filing.left_out) == (1, 0)
    assert filing.filename == f"acme-1099-nec-{YEAR}.csv"
    audit = await get_engine().fetch("SELECT after::text AS a FROM audit_log WHERE action = 'tax.filing_exported'")
    assert len(audit) == 1 and SSN_DIGITS not in audit[0]["a"]


async def test_below_threshold_foreign_and_missing_forms(cast: Cast, settings: Settings) -> None:
    await paid_manually(cast, fee="3000")  # 1,500: below $2,000 in 2026
    year_end = await list_year_end(cast.acme_id, YEAR)
    assert [r.flagged for r in year_end.rows] == ([False] if YEAR >= 2026 else [True])
    await paid_manually(cast, fee="3000")  # 3,000 now, no W-9: flagged and missing
    [row] = (await list_year_end(cast.acme_id, YEAR)).rows
    assert (row.flagged, row.missing_w9, row.tin_masked) == (True, True, "")
    filing = await do_export_year_end(ACTOR, await staff(cast.olivia_id), tin_encryptor(settings.secret_key),
                                      brand_id=cast.acme_id, year=YEAR)  # fmt: skip
    assert (filing.rows, filing.left_out) == (0, 1)
    await file_w8ben(settings.secret_key, cast.alice_id)  # certified foreign: no 1099
    [row] = (await list_year_end(cast.acme_id, YEAR)).rows
    assert (row.flagged, row.form) == (False, "w8ben")


async def test_only_finance_and_owners_export(cast: Cast, settings: Settings) -> None:
    with pytest.raises(PermissionDenied):
        await do_export_year_end(ACTOR, await staff(cast.bob_id), tin_encryptor(settings.secret_key),
                                 brand_id=cast.acme_id, year=YEAR)  # fmt: skip


async def test_a_signed_form_is_never_rewritten_and_one_serves(cast: Cast, settings: Settings) -> None:
    first = await file_w9(settings.secret_key, cast.alice_id)
    db = get_engine()
    for statement in (
        "UPDATE tax_profile SET legal_name = 'Mallory' WHERE id = $1",
        "UPDATE tax_profile SET superseded_at = now(), tin_last4 = '0000' WHERE id = $1",
        "DELETE FROM tax_profile WHERE id = $1",
    ):
        with pytest.raises(Exception, match="signed"):
            await db.fetch(statement, first)
    second = await file_w9(settings.secret_key, cast.alice_id)  # superseding is the one change allowed
    with pytest.raises(Exception, match="signed"):  # a superseded form stays superseded
        await db.fetch("UPDATE tax_profile SET superseded_at = NULL WHERE id = $1", first)
    with pytest.raises(Exception, match="tax_profile_one_current"):
        await db.fetch(
            "INSERT INTO tax_profile (creator, form, legal_name, address_line1, city, country, signed_name, "
            "certification_version, certification_sha256, signed_at) "
            "VALUES ($1, 'w9', 'X', 'a', 'b', 'US', 'X', 'v', 'h', now())",
            cast.alice_id,
        )
    assert [int(r["id"]) for r in await db.fetch("SELECT id FROM tax_profile WHERE superseded_at IS NULL")] == [second]
