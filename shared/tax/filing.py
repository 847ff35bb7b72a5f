"""The year-end filing export's layout: one row per recipient to report on a 1099-NEC, in the columns the common
e-filing services import (documented in docs/tax.md). The only output that holds a full TIN. Pure functions."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from shared.money import minor_digits

FILING_COLUMNS = (
    "Tax Year",
    "Payer Name",
    "Recipient Account Number",
    "Recipient TIN Type",
    "Recipient TIN",
    "Recipient Name",
    "Recipient Second Name",
    "Address Line 1",
    "Address Line 2",
    "City",
    "State",
    "ZIP",
    "Country",
    "Email",
    "Box 1 Nonemployee Compensation",
    "Box 4 Federal Income Tax Withheld",
    "Second TIN Notice",
)


def decimal_amount(minor: int, currency: str = "USD") -> str:
    digits = minor_digits(currency)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}"


def filing_row(*, year: int, payer: str, row: Mapping[str, Any], tin: str) -> list[str]:
    """One recipient: `row` is a year_totals row with a W-9 on file, `tin` its full TIN, formatted."""
    return [
        str(year),
        payer,
        f"RC-{row['creator']}",
        "EIN" if row["tin_kind"] == "ein" else "SSN",  # an ITIN files as SSN type (IRS TIN type 2)
        tin,
        row["legal_name"],
        row["business_name"] or "",
        row["address_line1"],
        row["address_line2"] or "",
        row["city"],
        row["region"],
        row["postal_code"],
        row["tax_country"] or "US",
        row["email"] or "",
        decimal_amount(int(row["total"])),
        "0.00",
        "",
    ]


def to_csv(rows: Iterable[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FILING_COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
