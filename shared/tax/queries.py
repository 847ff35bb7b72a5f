"""Tax reads: a creator's current form (masked), the payout hold a release checks, the yearly totals a creator
reads on Payments, a brand's year-end list. Nothing here returns a TIN beyond its mask; the filing export
(shared.tax.actions.do_export_year_end) is the only reader of `tin_enc`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.db.engine import get_engine
from shared.money import format_money
from shared.tax.rules import (
    CLASSIFICATIONS,
    FORM_LABELS,
    mask_tin,
    nec_flagged,
    nec_threshold_minor,
    payout_hold_reason,
)

# What counts as paid in a year: money that left the brand (sent by Stripe or paid manually) and was not
# reversed, dated by when it was sent (manual payments: when they were recorded as paid).
PAID_STATUSES = ("transfer_sent", "paid_out")
PAID_ON = "coalesce(p.sent_at, p.paid_at)"


@dataclass(frozen=True)
class ProfileView:
    id: int
    form: str
    form_label: str
    legal_name: str
    business_name: str
    classification: str  # in words
    citizenship: str
    address: str  # one line
    country: str
    tin_masked: str
    tin_kind: str
    treaty: str  # in words, '' without a claim
    signed_name: str
    signed_at: dt.datetime


@dataclass(frozen=True)
class HistoryRow:
    id: int
    form_label: str
    signed_at: dt.datetime
    superseded_at: dt.datetime | None


@dataclass(frozen=True)
class TaxPage:
    current: ProfileView | None
    history: tuple[HistoryRow, ...]
    prefill: dict[str, str]  # the current form's fields (never the TIN), to start a new submission from


_PREFILL = ("legal_name", "business_name", "classification", "citizenship", "address_line1", "address_line2",
            "city", "region", "postal_code", "country", "treaty_country", "treaty_article", "treaty_rate")  # fmt: skip


def _address(r: Mapping[str, Any]) -> str:
    region = " ".join(p for p in (r["region"], r["postal_code"]) if p)
    parts = [r["address_line1"], r["address_line2"], r["city"], region, r["country"]]
    return ", ".join(p for p in parts if p)


def _view(r: Mapping[str, Any]) -> ProfileView:
    treaty = ""
    if r["treaty_country"]:
        treaty = f"{r['treaty_country']} treaty, article {r['treaty_article']}, {r['treaty_rate']}% withholding"
    return ProfileView(
        id=int(r["id"]), form=r["form"], form_label=FORM_LABELS[r["form"]], legal_name=r["legal_name"],
        business_name=r["business_name"], classification=CLASSIFICATIONS.get(r["classification"], ""),
        citizenship=r["citizenship"], address=_address(r), country=r["country"],
        tin_masked=mask_tin(r["tin_kind"], r["tin_last4"]), tin_kind=r["tin_kind"], treaty=treaty,
        signed_name=r["signed_name"], signed_at=r["signed_at"],
    )  # fmt: skip


_COLUMNS = """id, form, legal_name, business_name, classification, citizenship, address_line1, address_line2, city,
              region, postal_code, country, tin_kind, tin_last4, treaty_country, treaty_article, treaty_rate,
              signed_name, signed_at, superseded_at"""


async def get_tax_page(creator_id: int) -> TaxPage:
    """The creator's current form (masked) and the ones it superseded, newest first."""
    rows = await get_engine().fetch(
        f"SELECT {_COLUMNS} FROM tax_profile WHERE creator = $1 ORDER BY id DESC LIMIT 50",  # noqa: S608
        creator_id,
    )
    current = next((r for r in rows if r["superseded_at"] is None), None)
    history = tuple(HistoryRow(int(r["id"]), FORM_LABELS[r["form"]], r["signed_at"], r["superseded_at"]) for r in rows)
    prefill = {k: str(current[k] or "") for k in _PREFILL} if current is not None else {}
    if current is not None:
        prefill["form"] = current["form"]
    return TaxPage(_view(current) if current is not None else None, history, prefill)


async def release_hold(brand_id: int, creator_id: int) -> str | None:
    """Why a payout from this brand to this creator waits for tax details (the brand's hold, no W-9), or None.
    Called by payments' release, inside its transaction."""
    return (await release_holds(brand_id, [creator_id])).get(creator_id)


async def release_holds(brand_id: int, creator_ids: list[int]) -> dict[int, str]:
    """Why each of these creators' payouts from this brand wait for tax details (the brand's hold, no W-9), for
    those whose do; one query (release_hold is the one-creator case; the release confirmation asks for all)."""
    rows = await get_engine().fetch(
        """
        SELECT c.id, b.name, coalesce(s.hold_until_w9, false) AS hold_on,
               (SELECT form FROM tax_profile t WHERE t.creator = c.id AND t.superseded_at IS NULL
                ORDER BY t.id DESC LIMIT 1) AS form,
               coalesce((SELECT country FROM payout_account WHERE creator = c.id), c.country) AS country
        FROM brand b LEFT JOIN brand_tax_setting s ON s.brand = b.id, creator c
        WHERE b.id = $1 AND c.id = ANY($2::int[])
        """,
        brand_id,
        creator_ids,
    )
    holds = {
        int(r["id"]): payout_hold_reason(
            hold_on=r["hold_on"], brand_name=r["name"], form=r["form"], country=r["country"]
        )
        for r in rows
    }
    return {creator: why for creator, why in holds.items() if why is not None}


async def get_hold_setting(brand_id: int) -> bool:
    rows = await get_engine().fetch("SELECT hold_until_w9 FROM brand_tax_setting WHERE brand = $1", brand_id)
    return bool(rows and rows[0]["hold_until_w9"])


@dataclass(frozen=True)
class YearTotal:
    brand_name: str
    year: int
    total: str  # formatted
    payments: int


@dataclass(frozen=True)
class CreatorTax:
    """What the creator's Payments page says about tax: their form, which brands hold payouts for a W-9, and
    what each brand paid them per calendar year (this year and last)."""

    form: str | None
    tin_masked: str
    held_by: tuple[str, ...]  # brand names holding an approved payment until a W-9 is on file
    totals: tuple[YearTotal, ...]


async def get_creator_tax(creator_id: int, today: dt.date) -> CreatorTax:
    engine = get_engine()
    facts = await engine.fetch(
        """
        SELECT t.form, t.tin_kind, t.tin_last4,
               coalesce((SELECT country FROM payout_account WHERE creator = c.id), c.country, '') AS country,
               ARRAY(SELECT DISTINCT b.name FROM payable p JOIN brand b ON b.id = p.brand
                     JOIN brand_tax_setting s ON s.brand = p.brand AND s.hold_until_w9
                     WHERE p.creator = c.id AND p.method = 'stripe'
                       AND p.status IN ('pending_approval', 'approved') ORDER BY b.name) AS holding
        FROM creator c LEFT JOIN tax_profile t ON t.creator = c.id AND t.superseded_at IS NULL
        WHERE c.id = $1
        """,
        creator_id,
    )
    totals = await engine.fetch(
        f"""
        SELECT b.name AS brand_name, extract(year FROM {PAID_ON})::int AS year, p.currency,
               sum(p.amount_minor)::bigint AS total, count(*)::int AS payments
        FROM payable p JOIN brand b ON b.id = p.brand
        WHERE p.creator = $1 AND p.status = ANY($2::varchar[]) AND {PAID_ON} >= $3 AND {PAID_ON} < $4
        GROUP BY b.name, 2, p.currency ORDER BY 2 DESC, 1, 3
        """,  # noqa: S608
        creator_id,
        list(PAID_STATUSES),
        dt.datetime(today.year - 1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(today.year + 1, 1, 1, tzinfo=dt.UTC),
    )
    f = facts[0] if facts else None
    form = f["form"] if f else None
    held_by = tuple(
        name
        for name in (f["holding"] if f else [])
        if payout_hold_reason(hold_on=True, brand_name=name, form=form, country=f["country"] if f else None)
    )
    return CreatorTax(
        form=form,
        tin_masked=mask_tin(f["tin_kind"], f["tin_last4"]) if f and form else "",
        held_by=held_by,
        totals=tuple(
            YearTotal(r["brand_name"], int(r["year"]), format_money(int(r["total"]), r["currency"]), int(r["payments"]))
            for r in totals
        ),
    )


@dataclass(frozen=True)
class YearEndRow:
    creator_id: int
    creator_name: str
    legal_name: str  # from the tax form, '' without one
    form: str | None
    tin_masked: str
    currency: str
    total_minor: int
    total: str
    payments: int
    flagged: bool  # at or above the 1099-NEC threshold (USD, not certified foreign)
    missing_w9: bool  # flagged, but no W-9 on file: the filing needs one


@dataclass(frozen=True)
class HeldCreator:
    """A creator whose payments from the brand wait for their W-9 (the brand's hold)."""

    creator_id: int
    creator_name: str
    payments: int
    amounts: str  # per currency, formatted


@dataclass(frozen=True)
class YearEnd:
    year: int
    threshold: str
    rows: tuple[YearEndRow, ...]
    years: tuple[int, ...]  # years with payments at this brand and the year shown, newest first
    held: tuple[HeldCreator, ...] = ()  # payments waiting now for a W-9, whatever the year

    @property
    def flagged(self) -> int:
        return sum(1 for r in self.rows if r.flagged)


def year_bounds(year: int) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime(year, 1, 1, tzinfo=dt.UTC), dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC)


YEAR_TOTALS_SQL = f"""
    WITH paid AS (
        SELECT p.creator, p.currency, sum(p.amount_minor)::bigint AS total, count(*)::int AS payments
        FROM payable p
        WHERE p.brand = $1 AND p.status = ANY($2::varchar[]) AND {PAID_ON} >= $3 AND {PAID_ON} < $4
        GROUP BY p.creator, p.currency
    )
    SELECT paid.*, c.display_name, t.form, t.legal_name, t.business_name, t.classification, t.tin_kind, t.tin_last4,
           t.tin_enc, t.address_line1, t.address_line2, t.city, t.region, t.postal_code, t.country AS tax_country,
           c.email
    FROM paid JOIN creator c ON c.id = paid.creator
    LEFT JOIN tax_profile t ON t.creator = paid.creator AND t.superseded_at IS NULL
    ORDER BY paid.total DESC, c.display_name, paid.creator
"""  # noqa: S608


async def year_totals(brand_id: int, year: int) -> list[Mapping[str, Any]]:
    """Per creator and currency, what the brand paid in the calendar year (UTC), with the current tax form. The
    rows carry the encrypted TIN for the filing export only; pages use list_year_end."""
    start, end = year_bounds(year)
    return list(await get_engine().fetch(YEAR_TOTALS_SQL, brand_id, list(PAID_STATUSES), start, end))


async def list_year_end(brand_id: int, year: int) -> YearEnd:
    """The year-end page: every creator the brand paid in `year`, biggest first, those to report flagged."""
    rows = await year_totals(brand_id, year)
    years_rows = await get_engine().fetch(
        f"SELECT DISTINCT extract(year FROM {PAID_ON})::int AS y FROM payable p "  # noqa: S608
        "WHERE p.brand = $1 AND p.status = ANY($2::varchar[]) ORDER BY 1 DESC",
        brand_id,
        list(PAID_STATUSES),
    )
    out = []
    for r in rows:
        flagged = nec_flagged(int(r["total"]), r["currency"], year, r["form"])
        out.append(
            YearEndRow(
                creator_id=int(r["creator"]), creator_name=r["display_name"], legal_name=r["legal_name"] or "",
                form=r["form"], tin_masked=mask_tin(r["tin_kind"], r["tin_last4"]) if r["form"] else "",
                currency=r["currency"], total_minor=int(r["total"]), total=format_money(int(r["total"]), r["currency"]),
                payments=int(r["payments"]), flagged=flagged, missing_w9=flagged and r["form"] != "w9",
            )
        )  # fmt: skip
    held_rows = await get_engine().fetch(
        """
        SELECT c.id, c.display_name, p.currency, sum(p.amount_minor)::bigint AS total, count(*)::int AS n,
               coalesce(pa.country, c.country) AS country, t.form
        FROM payable p JOIN creator c ON c.id = p.creator
        JOIN brand_tax_setting s ON s.brand = p.brand AND s.hold_until_w9
        LEFT JOIN payout_account pa ON pa.creator = c.id
        LEFT JOIN tax_profile t ON t.creator = c.id AND t.superseded_at IS NULL
        WHERE p.brand = $1 AND p.method = 'stripe' AND p.status IN ('pending_approval', 'approved')
        GROUP BY c.id, c.display_name, p.currency, pa.country, c.country, t.form
        ORDER BY c.display_name, c.id, p.currency
        """,
        brand_id,
    )
    held: dict[int, HeldCreator] = {}
    for r in held_rows:
        if payout_hold_reason(hold_on=True, brand_name="", form=r["form"], country=r["country"]) is None:
            continue
        amount = format_money(int(r["total"]), r["currency"])
        before = held.get(int(r["id"]))
        held[int(r["id"])] = HeldCreator(
            int(r["id"]),
            r["display_name"],
            int(r["n"]) + (before.payments if before else 0),
            f"{before.amounts} + {amount}" if before else amount,
        )
    return YearEnd(
        held=tuple(held.values()),
        year=year,
        threshold=format_money(nec_threshold_minor(year), "USD"),
        rows=tuple(out),
        years=tuple(sorted({year, *(int(r["y"]) for r in years_rows)}, reverse=True)),
    )
