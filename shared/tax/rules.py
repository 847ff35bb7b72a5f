"""Tax rules: TIN formats and the IRS's invalid ranges, masks, the W-9 and W-8BEN fields, the perjury
certification, the 1099-NEC threshold per year, and when a brand's payout hold applies. Pure functions only."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from shared.crypto import Encryptor
from shared.rights.rules import COUNTRIES

FormKind = Literal["w9", "w8ben"]
FORM_LABELS: dict[str, str] = {"w9": "W-9 (US person)", "w8ben": "W-8BEN (not a US person)"}

# Its own key (HKDF purpose label): a leak of another area's key, or of the other purposes' ciphertexts, says
# nothing about TINs; rotating SECRET_KEY makes stored TINs unreadable (creators then file again).
TIN_PURPOSE = "rapport-tax-tin-v1"


def tin_encryptor(secret_key: str) -> Encryptor:
    return Encryptor(secret_key, TIN_PURPOSE)


# --- W-9 line 3: federal tax classification --------------------------------------------------------------------

CLASSIFICATIONS: dict[str, str] = {
    "individual": "Individual / sole proprietor",
    "c_corp": "C corporation",
    "s_corp": "S corporation",
    "partnership": "Partnership",
    "trust_estate": "Trust / estate",
    "llc_c": "LLC taxed as a C corporation",
    "llc_s": "LLC taxed as an S corporation",
    "llc_p": "LLC taxed as a partnership",
    "other": "Other",
}
# Which TIN a classification files under: a person their SSN (or ITIN), an entity its EIN. A sole proprietor or a
# single-member LLC may use either.
TIN_KINDS: dict[str, str] = {"ssn": "SSN or ITIN", "ein": "EIN"}
ENTITIES = frozenset({"c_corp", "s_corp", "partnership", "trust_estate", "llc_c", "llc_s", "llc_p"})

NAME_MAX = 200
ADDRESS_MAX = 200
CITY_MAX = 100
REGION_MAX = 100
POSTAL_MAX = 20
ARTICLE_MAX = 20
FOREIGN_TIN_MAX = 40
TIN_TEXT_MAX = 40  # what the field accepts as typed (spaces, dashes)

_STATE_CODES = """
    AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK
    OR PA RI SC SD TN TX UT VT VA WA WV WI WY AS GU MP PR VI AA AE AP"""
US_STATES = frozenset(_STATE_CODES.split())

# --- TINs ------------------------------------------------------------------------------------------------------

# EIN prefixes the IRS assigns (its campuses and online issuance); any other first two digits are not an EIN.
EIN_PREFIXES = frozenset(
    f"{n:02d}"
    for n in (
        *range(1, 7), *range(10, 17), *range(20, 28), *range(30, 49), *range(50, 69), *range(71, 78),
        *range(80, 89), *range(90, 96), 98, 99,
    )
)  # fmt: skip
# ITINs: 9XX-GG-XXXX with the group (4th and 5th digits) in these ranges.
ITIN_GROUPS = frozenset(f"{n:02d}" for n in (*range(50, 66), *range(70, 89), *range(90, 93), *range(94, 100)))


@dataclass(frozen=True)
class Tin:
    kind: Literal["ssn", "itin", "ein"]
    digits: str  # nine digits, no separators


def _digits(text: str) -> str | None:
    """The nine digits of a TIN typed with or without dashes and spaces; None for anything else."""
    compact = re.sub(r"[\s-]", "", text)
    return compact if re.fullmatch(r"\d{9}", compact) else None


def parse_us_tin(text: str, kind: str) -> Tin | str:
    """A US TIN as typed, for the kind the person chose (ssn covers ITINs), or what is wrong with it, in words.
    SSNs, ITINs and EINs carry no check digit: format and the IRS's never-issued ranges are all there is."""
    digits = _digits(text)
    if not text.strip():
        return "Enter your SSN or ITIN." if kind == "ssn" else "Enter your EIN."
    if digits is None:
        return "Enter 9 digits, like 123-45-6789." if kind == "ssn" else "Enter 9 digits, like 12-3456789."
    if kind == "ein":
        if digits[:2] not in EIN_PREFIXES:
            return f"An EIN never starts with {digits[:2]}. Check it against your IRS letter (CP 575)."
        return Tin("ein", digits)
    if kind != "ssn":
        return "Choose SSN/ITIN or EIN."
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area[0] == "9":
        if group not in ITIN_GROUPS:
            return (
                "That is not a valid SSN or ITIN (an ITIN starts with 9 and its 4th–5th digits are 50–65, 70–88, "
                "90–92 or 94–99)."
            )
        return Tin("itin", digits)
    if area in ("000", "666"):
        return f"An SSN never starts with {area}. Check the number on your card."
    if group == "00":
        return "An SSN never has 00 as its 4th and 5th digits. Check the number on your card."
    if serial == "0000":
        return "An SSN never ends with 0000. Check the number on your card."
    return Tin("ssn", digits)


def mask_tin(kind: str, last4: str) -> str:
    """How a TIN is shown after entry, everywhere but the year-end filing export."""
    if kind in ("ssn", "itin"):
        return f"•••-••-{last4}"
    if kind == "ein":
        return f"••-•••{last4}"
    return f"••••{last4}" if last4 else "—"


def formatted_tin(tin: Tin) -> str:
    """The full TIN as the filing export writes it."""
    d = tin.digits
    return f"{d[:2]}-{d[2:]}" if tin.kind == "ein" else f"{d[:3]}-{d[3:5]}-{d[5:]}"


# --- the certification (penalties of perjury) -------------------------------------------------------------------

CERTIFICATION_VERSION = "2026-11-1"
W9_CERTIFICATION = """\
Under penalties of perjury, I certify that:
1. The number shown on this form is my correct taxpayer identification number (or I am waiting for a number \
to be issued to me); and
2. I am not subject to backup withholding because (a) I am exempt from backup withholding, or (b) I have not been \
notified by the Internal Revenue Service (IRS) that I am subject to backup withholding as a result of a failure to \
report all interest or dividends, or (c) the IRS has notified me that I am no longer subject to backup withholding; \
and
3. I am a U.S. citizen or other U.S. person; and
4. The FATCA code(s) entered on this form (if any) indicating that I am exempt from FATCA reporting is correct.
"""
W8BEN_CERTIFICATION = """\
Under penalties of perjury, I declare that I have examined the information on this form and to the best of my \
knowledge and belief it is true, correct, and complete. I further certify under penalties of perjury that:
- I am the individual that is the beneficial owner of all the income or proceeds to which this form relates;
- The person named on this form is not a U.S. person;
- This form relates to income not effectively connected with the conduct of a trade or business in the United \
States;
- The person named on this form is a resident of the treaty country listed on this form (if any) within the \
meaning of the income tax treaty between the United States and that country;
- I agree that I will submit a new form within 30 days if any certification made on this form becomes incorrect.
"""
# The contracts' ESIGN consent, in one sentence: signing electronically is agreed to with the certification.
ESIGN_NOTE = (
    "I agree to sign this form electronically; my typed name is my signature and has the same effect as a "
    "handwritten one."
)


def certification_text(kind: str) -> str:
    return W9_CERTIFICATION if kind == "w9" else W8BEN_CERTIFICATION


def certification_hash(kind: str) -> str:
    return hashlib.sha256((certification_text(kind) + ESIGN_NOTE).encode()).hexdigest()


# --- the forms ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    """A tax form as the creator submitted it, cleaned; `tin` is None for a W-8BEN without a foreign TIN."""

    kind: FormKind
    legal_name: str
    business_name: str
    classification: str
    citizenship: str
    address_line1: str
    address_line2: str
    city: str
    region: str
    postal_code: str
    country: str
    tin_kind: str  # ssn | itin | ein | foreign | ''
    tin: str  # digits (US) or as typed (foreign); never shown, logged or audited
    treaty_country: str
    treaty_article: str
    treaty_rate: str
    signed_name: str

    @property
    def tin_last4(self) -> str:
        return re.sub(r"\W", "", self.tin)[-4:]


def _one_line(value: str) -> str:
    return " ".join(value.split())


def _check_signature(values: dict[str, str], kind: str, errors: dict[str, str]) -> str:
    signed = _one_line(values.get("signed_name", ""))
    if values.get("certify") != "yes" or values.get("certification_sha256") != certification_hash(kind):
        errors["certify"] = "Tick the box to certify, under penalties of perjury, that this form is true."
    if not signed:
        errors["signed_name"] = "Type your full legal name to sign."
    elif (named := _one_line(values.get("legal_name", ""))) and signed.casefold() != named.casefold():
        errors["signed_name"] = "Type your name exactly as on line 1, the name of the person signing."
    return signed


def _check_address(values: dict[str, str], errors: dict[str, str], *, us: bool) -> dict[str, str]:
    got = {k: _one_line(values.get(k, "")) for k in ("address_line1", "address_line2", "city", "region", "postal_code")}
    if not got["address_line1"]:
        errors["address_line1"] = "Enter your street address (number, street, apt. or suite)."
    if not got["city"]:
        errors["city"] = "Enter your city or town."
    if us:
        got["region"] = got["region"].upper()
        if got["region"] not in US_STATES:
            errors["region"] = "Enter the two-letter state code, like CA or NY."
        if not re.fullmatch(r"\d{5}(-\d{4})?", got["postal_code"]):
            errors["postal_code"] = "Enter a ZIP code like 94107 or 94107-1234."
    return got


def validate_w9(values: dict[str, str]) -> Submission | dict[str, str]:
    """A W-9 from the form's values (the form declaration bounded their lengths), or field → message."""
    errors: dict[str, str] = {}
    legal_name = _one_line(values.get("legal_name", ""))
    if not legal_name:
        errors["legal_name"] = "Enter your name as shown on your income tax return."
    classification = values.get("classification", "")
    if classification not in CLASSIFICATIONS:
        errors["classification"] = "Choose your federal tax classification."
    address = _check_address(values, errors, us=True)
    tin_kind = values.get("tin_kind", "")
    parsed = parse_us_tin(values.get("tin", ""), tin_kind) if tin_kind in TIN_KINDS else "Choose SSN/ITIN or EIN."
    if isinstance(parsed, str):
        errors["tin"] = parsed
    elif classification in ENTITIES and parsed.kind != "ein":
        errors["tin"] = (
            "A corporation, partnership, LLC, trust or estate files with its EIN (a single-member LLC: choose "
            "Individual)."
        )
    signed = _check_signature(values, "w9", errors)
    if errors or isinstance(parsed, str):
        return errors
    return Submission(
        kind="w9", legal_name=legal_name, business_name=_one_line(values.get("business_name", "")),
        classification=classification, citizenship="US", country="US", tin_kind=parsed.kind, tin=parsed.digits,
        treaty_country="", treaty_article="", treaty_rate="", signed_name=signed, **address,
    )  # fmt: skip


def parse_rate(text: str) -> str | None:
    """A treaty withholding rate in percent (0–30, up to one decimal), normalised; None when it isn't one."""
    cleaned = text.strip().rstrip("%").strip()
    if not re.fullmatch(r"\d{1,2}(\.\d)?", cleaned):
        return None
    rate = float(cleaned)
    return cleaned if 0 <= rate <= 30 else None


def validate_w8ben(values: dict[str, str]) -> Submission | dict[str, str]:
    """A W-8BEN from the form's values, or field → message. The treaty claim is optional, but whole when made."""
    errors: dict[str, str] = {}
    legal_name = _one_line(values.get("legal_name", ""))
    if not legal_name:
        errors["legal_name"] = "Enter your name."
    citizenship = values.get("citizenship", "").strip().upper()
    if citizenship not in COUNTRIES or citizenship == "US":
        errors["citizenship"] = (
            "A US citizen fills in a W-9 instead."
            if citizenship == "US"
            else "Enter a two-letter country code, like GB."
        )
    country = values.get("country", "").strip().upper()
    if country not in COUNTRIES or country == "US":
        errors["country"] = (
            "Your permanent residence must be outside the US for a W-8BEN (US residents fill in a W-9)."
            if country == "US"
            else "Enter the two-letter code of the country you live in, like GB."
        )
    address = _check_address(values, errors, us=False)
    foreign_tin = _one_line(values.get("foreign_tin", ""))
    if foreign_tin and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 ./-]{1,38}", foreign_tin):
        errors["foreign_tin"] = "Use letters, digits, spaces, dots, slashes or dashes only."
    treaty_country = values.get("treaty_country", "").strip().upper()
    article = _one_line(values.get("treaty_article", ""))
    rate_text = values.get("treaty_rate", "").strip()
    treaty_rate = ""
    if treaty_country or article or rate_text:
        if treaty_country not in COUNTRIES or treaty_country == "US":
            errors["treaty_country"] = "Enter the treaty country's two-letter code (usually where you live)."
        if not article:
            errors["treaty_article"] = "Enter the treaty article you claim, like 7 or 14."
        rate = parse_rate(rate_text)
        if rate is None:
            errors["treaty_rate"] = "Enter the withholding rate in percent, 0 to 30, like 0 or 15."
        else:
            treaty_rate = rate
    signed = _check_signature(values, "w8ben", errors)
    if errors:
        return errors
    return Submission(
        kind="w8ben", legal_name=legal_name, business_name="", classification="", citizenship=citizenship,
        country=country, tin_kind="foreign" if foreign_tin else "", tin=foreign_tin, treaty_country=treaty_country,
        treaty_article=article, treaty_rate=treaty_rate, signed_name=signed, **address,
    )  # fmt: skip


# --- year-end ----------------------------------------------------------------------------------------------------

# 1099-NEC reporting threshold (USD cents) by the year the payments were made: $600 through 2025, $2,000 from 2026
# (One Big Beautiful Bill Act, sec. 70433), indexed for inflation after 2026: add a line when the IRS publishes a
# year's figure. A year after the last line uses the last line's figure.
NEC_THRESHOLDS: dict[int, int] = {2025: 600_00, 2026: 2_000_00}
NEC_CURRENCY = "USD"


def nec_threshold_minor(year: int, table: dict[int, int] | None = None) -> int:
    """The 1099-NEC threshold for payments made in `year`, in USD cents."""
    thresholds = table or NEC_THRESHOLDS
    known = sorted(thresholds)
    if year <= known[0]:
        return thresholds[known[0]]
    return thresholds[max(y for y in known if y <= year)]


def nec_flagged(total_minor: int, currency: str, year: int, form: str | None) -> bool:
    """Is a creator's yearly total from one brand reportable on a 1099-NEC? USD paid to anyone not certified
    foreign (a W-8BEN), at or above the year's threshold."""
    return currency == NEC_CURRENCY and form != "w8ben" and total_minor >= nec_threshold_minor(year)


# --- payout holds ------------------------------------------------------------------------------------------------


def payout_hold_reason(*, hold_on: bool, brand_name: str, form: str | None, country: str | None) -> str | None:
    """Why a brand's payout to a creator waits for tax details, or None. With the brand's hold on, a creator is
    held until a W-9 is on file unless they certified they are not a US person (a W-8BEN) or their country is
    known and not the US: a creator we know nothing about may be a US person."""
    if not hold_on or form == "w9" or form == "w8ben":
        return None
    if country and country.upper() != "US":
        return None
    return (
        f"Held for tax details: {brand_name} pays US creators once their W-9 is on file, and this creator has not "
        "filled it in yet (Rapport has asked them on their Payments page)."
    )
