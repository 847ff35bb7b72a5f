"""Tax rules, table-tested: SSN, ITIN and EIN formats and the IRS's never-issued ranges, masks, the W-9 and
W-8BEN forms, the 1099-NEC threshold per year, and when a brand's hold keeps a payout back."""

from __future__ import annotations

import pytest

from shared.crypto import Encryptor
from shared.tax.rules import (
    Tin,
    certification_hash,
    formatted_tin,
    mask_tin,
    nec_flagged,
    nec_threshold_minor,
    parse_rate,
    parse_us_tin,
    payout_hold_reason,
    tin_encryptor,
    validate_w8ben,
    validate_w9,
)

VALID = [
    ("ssn", "123-45-6789", "ssn", "123456789"),
    ("ssn", "123456789", "ssn", "123456789"),
    ("ssn", " 123 45 6789 ", "ssn", "123456789"),
    ("ssn", "665-01-0001", "ssn", "665010001"),
    ("ssn", "667-99-9999", "ssn", "667999999"),
    ("ssn", "899-12-3456", "ssn", "899123456"),
    ("ssn", "001-01-0001", "ssn", "001010001"),
    ("ssn", "912-70-1234", "itin", "912701234"),  # ITIN: 9XX, group 70-88
    ("ssn", "999-50-0000", "itin", "999500000"),  # group 50-65
    ("ssn", "900-65-1111", "itin", "900651111"),
    ("ssn", "900-90-1111", "itin", "900901111"),  # 90-92
    ("ssn", "900-94-1111", "itin", "900941111"),  # 94-99
    ("ein", "12-3456789", "ein", "123456789"),
    ("ein", "01-0000001", "ein", "010000001"),
    ("ein", "06-1234567", "ein", "061234567"),
    ("ein", "27-1234567", "ein", "271234567"),
    ("ein", "48-1234567", "ein", "481234567"),
    ("ein", "68-1234567", "ein", "681234567"),
    ("ein", "77-1234567", "ein", "771234567"),
    ("ein", "88-1234567", "ein", "881234567"),
    ("ein", "95-1234567", "ein", "951234567"),
    ("ein", "98-1234567", "ein", "981234567"),
    ("ein", "99-1234567", "ein", "991234567"),
    ("ein", "123456789", "ein", "123456789"),
]

INVALID = [
    ("ssn", "", "Enter your SSN or ITIN."),
    ("ein", "", "Enter your EIN."),
    ("ssn", "12345678", "9 digits"),
    ("ssn", "1234567890", "9 digits"),
    ("ssn", "123-45-678a", "9 digits"),
    ("ssn", "123_45_6789", "9 digits"),
    ("ssn", "000-12-3456", "never starts with 000"),
    ("ssn", "666-12-3456", "never starts with 666"),
    ("ssn", "123-00-4567", "00 as its 4th and 5th"),
    ("ssn", "123-45-0000", "never ends with 0000"),
    ("ssn", "900-12-3456", "not a valid SSN or ITIN"),  # 9xx outside the ITIN groups
    ("ssn", "987-45-4321", "not a valid SSN or ITIN"),
    ("ssn", "999-69-1234", "not a valid SSN or ITIN"),
    ("ssn", "900-89-1234", "not a valid SSN or ITIN"),
    ("ssn", "900-93-1234", "not a valid SSN or ITIN"),
    ("ein", "00-1234567", "never starts with 00"),
    ("ein", "07-1234567", "never starts with 07"),
    ("ein", "08-1234567", "never starts with 08"),
    ("ein", "09-1234567", "never starts with 09"),
    ("ein", "17-1234567", "never starts with 17"),
    ("ein", "18-1234567", "never starts with 18"),
    ("ein", "19-1234567", "never starts with 19"),
    ("ein", "28-1234567", "never starts with 28"),
    ("ein", "29-1234567", "never starts with 29"),
    ("ein", "49-1234567", "never starts with 49"),
    ("ein", "69-1234567", "never starts with 69"),
    ("ein", "70-1234567", "never starts with 70"),
    ("ein", "78-1234567", "never starts with 78"),
    ("ein", "79-1234567", "never starts with 79"),
    ("ein", "89-1234567", "never starts with 89"),
    ("ein", "96-1234567", "never starts with 96"),
    ("ein", "97-1234567", "never starts with 97"),
    ("ein", "12-345678", "9 digits"),
    ("other", "123-45-6789", "Choose SSN/ITIN or EIN."),
]


@pytest.mark.parametrize(("kind", "typed", "found", "digits"), VALID)
def test_it_accepts_valid_tins(kind: str, typed: str, found: str, digits: str) -> None:
    assert parse_us_tin(typed, kind) == Tin(found, digits)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kind", "typed", "message"), INVALID)
def test_it_refuses_invalid_tins_in_words(kind: str, typed: str, message: str) -> None:
    answer = parse_us_tin(typed, kind)
    assert isinstance(answer, str)
    assert message in answer
    digits = "".join(ch for ch in typed if ch.isdigit())
    if len(digits) >= 9:
        assert digits not in answer  # the message never repeats the number


@pytest.mark.parametrize(
    ("kind", "last4", "shown"),
    [("ssn", "6789", "•••-••-6789"), ("itin", "1234", "•••-••-1234"), ("ein", "4567", "••-•••4567"),
     ("foreign", "9Z12", "••••9Z12"), ("", "", "—")],
)  # fmt: skip
def test_it_masks_tins(kind: str, last4: str, shown: str) -> None:
    assert mask_tin(kind, last4) == shown


def test_it_formats_the_full_tin_for_filing() -> None:
    assert formatted_tin(Tin("ssn", "123456789")) == "123-45-6789"
    assert formatted_tin(Tin("itin", "912701234")) == "912-70-1234"
    assert formatted_tin(Tin("ein", "123456789")) == "12-3456789"


def test_it_encrypts_tins_under_their_own_key() -> None:
    secret = "a test secret key that is long enough"
    sealed = tin_encryptor(secret).encrypt("123456789")
    assert "123456789" not in sealed
    assert tin_encryptor(secret).decrypt(sealed) == "123456789"
    assert Encryptor(secret).decrypt(sealed) is None  # the tokens' key can't read it


def w9(**changes: str) -> dict[str, str]:
    form = {
        "legal_name": "Alice Walker",
        "business_name": "",
        "classification": "individual",
        "address_line1": "1 Trail Rd",
        "address_line2": "",
        "city": "Boulder",
        "region": "co",
        "postal_code": "80302",
        "tin_kind": "ssn",
        "tin": "123-45-6789",
        "signed_name": "alice  walker",
        "certify": "yes",
        "certification_sha256": certification_hash("w9"),
    }
    return {**form, **changes}


def w8(**changes: str) -> dict[str, str]:
    form = {
        "legal_name": "Noor Haddad",
        "citizenship": "gb",
        "address_line1": "10 Downing Lane",
        "city": "London",
        "postal_code": "SW1A 2AA",
        "country": "GB",
        "foreign_tin": "AB 12 34 56 C",
        "signed_name": "Noor Haddad",
        "certify": "yes",
        "certification_sha256": certification_hash("w8ben"),
    }
    return {**form, **changes}


def test_it_reads_a_w9() -> None:
    got = validate_w9(w9())
    assert not isinstance(got, dict)
    assert (got.kind, got.tin_kind, got.tin, got.tin_last4, got.region, got.country) == (
        "w9", "ssn", "123456789", "6789", "CO", "US"
    )  # fmt: skip
    assert got.signed_name == "alice walker"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"legal_name": " "}, "legal_name"),
        ({"classification": "pirate"}, "classification"),
        ({"address_line1": ""}, "address_line1"),
        ({"city": ""}, "city"),
        ({"region": "XX"}, "region"),
        ({"postal_code": "8030"}, "postal_code"),
        ({"tin": "666-12-3456"}, "tin"),
        ({"tin_kind": ""}, "tin"),
        ({"classification": "c_corp"}, "tin"),  # a corporation files with its EIN
        ({"certify": ""}, "certify"),
        ({"certification_sha256": "0" * 64}, "certify"),  # certified another text
        ({"signed_name": ""}, "signed_name"),
        ({"signed_name": "Someone Else"}, "signed_name"),
    ],
)
def test_it_refuses_an_incomplete_w9_field_by_field(changes: dict[str, str], field: str) -> None:
    got = validate_w9(w9(**changes))
    assert isinstance(got, dict)
    assert set(got) == {field}


def test_it_reads_a_w8ben_with_and_without_a_treaty_claim() -> None:
    got = validate_w8ben(w8())
    assert not isinstance(got, dict)
    assert (got.citizenship, got.country, got.tin_kind, got.tin_last4, got.treaty_country) == (
        "GB", "GB", "foreign", "456C", ""
    )  # fmt: skip
    claimed = validate_w8ben(w8(treaty_country="gb", treaty_article="7", treaty_rate="0%"))
    assert not isinstance(claimed, dict)
    assert (claimed.treaty_country, claimed.treaty_article, claimed.treaty_rate) == ("GB", "7", "0")
    no_tin = validate_w8ben(w8(foreign_tin=""))
    assert not isinstance(no_tin, dict)
    assert (no_tin.tin_kind, no_tin.tin) == ("", "")


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"citizenship": "US"}, {"citizenship"}),
        ({"citizenship": "ZZ"}, {"citizenship"}),
        ({"country": "US"}, {"country"}),
        ({"foreign_tin": "<b>"}, {"foreign_tin"}),
        ({"treaty_article": "7"}, {"treaty_country", "treaty_rate"}),  # a claim is whole or absent
        ({"treaty_country": "GB", "treaty_article": "7", "treaty_rate": "45"}, {"treaty_rate"}),
        ({"signed_name": "N. Haddad"}, {"signed_name"}),
    ],
)
def test_it_refuses_an_incomplete_w8ben(changes: dict[str, str], fields: set[str]) -> None:
    got = validate_w8ben(w8(**changes))
    assert isinstance(got, dict)
    assert set(got) == fields


@pytest.mark.parametrize(("text", "rate"), [("0", "0"), ("15", "15"), ("12.5%", "12.5"), ("30", "30"),
                                             ("31", None), ("-1", None), ("abc", None), ("", None)])  # fmt: skip
def test_it_reads_treaty_rates(text: str, rate: str | None) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize(("year", "threshold"), [(2020, 600_00), (2025, 600_00), (2026, 2_000_00), (2027, 2_000_00)])
def test_it_knows_the_1099_nec_threshold_per_year(year: int, threshold: int) -> None:
    assert nec_threshold_minor(year) == threshold


def test_the_threshold_table_is_configurable() -> None:
    assert nec_threshold_minor(2027, {2025: 600_00, 2026: 2_000_00, 2027: 2_100_00}) == 2_100_00


@pytest.mark.parametrize(
    ("total", "currency", "year", "form", "flagged"),
    [
        (600_00, "USD", 2025, "w9", True),
        (599_99, "USD", 2025, "w9", False),
        (1_999_99, "USD", 2026, "w9", False),
        (2_000_00, "USD", 2026, None, True),  # no form yet: still reportable (and a W-9 is missing)
        (5_000_00, "USD", 2026, "w8ben", False),  # certified foreign: no 1099
        (5_000_00, "EUR", 2026, "w9", False),
    ],
)
def test_it_flags_reportable_totals(total: int, currency: str, year: int, form: str | None, flagged: bool) -> None:
    assert nec_flagged(total, currency, year, form) is flagged


@pytest.mark.parametrize(
    ("hold_on", "form", "country", "held"),
    [
        (False, None, "US", False),
        (True, None, "US", True),
        (True, None, None, True),  # unknown: may be a US person
        (True, None, "GB", False),
        (True, "w9", "US", False),
        (True, "w8ben", "US", False),
    ],
)
def test_it_holds_payouts_until_a_w9(hold_on: bool, form: str | None, country: str | None, held: bool) -> None:
    reason = payout_hold_reason(hold_on=hold_on, brand_name="Acme", form=form, country=country)
    assert (reason is not None) is held
    if reason:
        assert "W-9" in reason and "Acme" in reason
