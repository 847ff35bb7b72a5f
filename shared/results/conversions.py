"""Conversions and the value of attention: discount codes per creator × campaign, orders imported from the shop's
CSV export (counted once by order id), and the rates a brand sets for earned media value.

Orders belong to a creator through their code, matched when results are read, so a code added after an import
still counts its orders. An import is all or nothing: one bad line refuses the file with every line's problem,
so a person fixes the export once and nothing is half-imported. Re-importing the same export adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.creators.rules import to_minor_units
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.identity.rules import Role
from shared.money import format_money
from shared.results.links import require_deal_in_campaign
from shared.results.rules import (
    ORDER_COLUMNS,
    ORDERS_MAX,
    SHARERS,
    MediaRates,
    ParsedOrder,
    check_code,
    clean_code,
    parse_order_row,
)

# Importing orders is also finance's work (they hold the shop's exports).
IMPORTERS = (Role.OWNER, Role.MANAGER, Role.FINANCE)
IMPORT_BYTES_MAX = 10 * 1024 * 1024
ERRORS_SHOWN = 20


async def do_add_discount_code(
    actor: Actor, staff: StaffContext, brand_id: int, campaign_id: int, *, creator_id: int, code: str
) -> int:
    """Give a creator with a deal in the campaign a discount code; unique per brand. Audited."""
    if staff.role_at(brand_id) not in SHARERS:
        raise PermissionDenied("Only owners and managers give discount codes.")
    code = clean_code(code)
    if error := check_code(code):
        raise InvalidInput({"code": error})
    engine = get_engine()
    async with atomic():
        await require_deal_in_campaign(brand_id, campaign_id, creator_id)
        rows = await engine.fetch(
            "INSERT INTO discount_code (brand, campaign, creator, code, created_by, created_at) "
            "VALUES ($1, $2, $3, $4, $5, now()) ON CONFLICT (brand, code) DO NOTHING RETURNING id",
            brand_id,
            campaign_id,
            creator_id,
            code,
            staff.id,
        )
        if not rows:
            raise InvalidInput({"code": f"{code} is already given to someone at this brand."})
        await write_audit_row(actor, "discount_code.created", "campaign", campaign_id, brand_id=brand_id,
                              after={"creator": creator_id, "code": code})  # fmt: skip
    return int(rows[0]["id"])


@dataclass(frozen=True)
class ImportSummary:
    lines: int
    added: int
    already: int  # order ids imported before: counted once

    def words(self) -> str:
        return (
            f"{self.lines:,} order{'s' if self.lines != 1 else ''} read: {self.added:,} added"
            + (f", {self.already:,} already imported (counted once)" if self.already else "")
            + "."
        )


def read_orders(data: bytes) -> list[ParsedOrder]:
    """The CSV as orders, or InvalidInput naming every bad line (the first ERRORS_SHOWN of them)."""
    if len(data) > IMPORT_BYTES_MAX:
        raise InvalidInput({"file": "The file is over 10 MB: split the export by month."})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput({"file": "The file is not UTF-8 text: export it as CSV (UTF-8)."}) from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ORDER_COLUMNS if c not in header]
    if missing:
        raise InvalidInput({"file": f"The first line must name the columns {', '.join(ORDER_COLUMNS)}; "
                                    f"missing: {', '.join(missing)}."})  # fmt: skip
    reader.fieldnames = header
    orders: list[ParsedOrder] = []
    problems: list[str] = []
    seen: set[str] = set()
    for line, row in enumerate(reader, start=2):
        if len(orders) + len(problems) >= ORDERS_MAX:
            raise InvalidInput({"file": f"One import takes up to {ORDERS_MAX:,} orders: split the export."})
        parsed = parse_order_row(row, line)
        if isinstance(parsed, str):
            problems.append(parsed)
        elif parsed.order_ref in seen:
            problems.append(f"Line {line}: order {parsed.order_ref} appears twice in the file.")
        else:
            seen.add(parsed.order_ref)
            orders.append(parsed)
    if problems:
        more = f" (and {len(problems) - ERRORS_SHOWN} more)" if len(problems) > ERRORS_SHOWN else ""
        raise InvalidInput({"file": " ".join(problems[:ERRORS_SHOWN]) + more + " Nothing was imported."})
    if not orders:
        raise InvalidInput({"file": "The file has no orders under its header line."})
    return orders


async def do_import_orders(actor: Actor, staff: StaffContext, brand_id: int, *, data: bytes) -> ImportSummary:
    """Import a shop's orders CSV (order_id, code, amount, currency, ordered_at): all or nothing, each order id
    once per brand. Audited with the counts."""
    if staff.role_at(brand_id) not in IMPORTERS:
        raise PermissionDenied("Only owners, managers and finance import orders.")
    orders = read_orders(data)
    async with atomic():
        rows = await get_engine().fetch(
            """
            INSERT INTO sale_order (brand, order_ref, code, amount_minor, currency, ordered_at, imported_at,
                                    imported_by)
            SELECT $1, o.ref, o.code, o.amount, o.currency, o.at, now(), $7
            FROM unnest($2::varchar[], $3::varchar[], $4::bigint[], $5::varchar[], $6::timestamptz[])
                 AS o(ref, code, amount, currency, at)
            ON CONFLICT (brand, order_ref) DO NOTHING
            RETURNING id
            """,
            brand_id,
            [o.order_ref for o in orders],
            [o.code for o in orders],
            [o.amount_minor for o in orders],
            [o.currency for o in orders],
            [o.ordered_at for o in orders],
            staff.id,
        )
        summary = ImportSummary(lines=len(orders), added=len(rows), already=len(orders) - len(rows))
        await write_audit_row(actor, "orders.imported", "brand", brand_id, brand_id=brand_id,
                              after={"lines": summary.lines, "added": summary.added,
                                     "already": summary.already})  # fmt: skip
    return summary


# --- earned media value rates ------------------------------------------------------------------------------------


async def get_media_rates(brand_id: int) -> MediaRates:
    """The brand's rates; none set yet: empty rates in the brand's currency (what a first save uses)."""
    rows = await get_engine().fetch(
        "SELECT coalesce(r.currency, b.default_currency) AS currency, r.per_thousand_views_minor, "
        "r.per_engagement_minor, r.per_click_minor FROM brand b LEFT JOIN media_value_rates r ON r.brand = b.id "
        "WHERE b.id = $1",
        brand_id,
    )
    if not rows:
        raise NotFound("No such brand.")
    return media_rates_of(rows[0])


def media_rates_of(row: Mapping[str, Any]) -> MediaRates:
    """A row with the four columns (also read joined into the campaign results' first statement)."""
    return MediaRates(
        row["currency"], row["per_thousand_views_minor"], row["per_engagement_minor"], row["per_click_minor"]
    )


RATE_FIELDS = {
    "per_thousand_views": "the rate per 1,000 views",
    "per_engagement": "the rate per engagement",
    "per_click": "the rate per click",
}


async def do_set_media_rates(
    actor: Actor, staff: StaffContext, brand_id: int, *, rates: Mapping[str, str]
) -> MediaRates:
    """Owners and managers set (or clear, with empty fields) the rates earned media value uses, in the brand's
    currency (the one they were first set in). Audited."""
    if staff.role_at(brand_id) not in SHARERS:
        raise PermissionDenied("Only owners and managers set media value rates.")
    before = await get_media_rates(brand_id)
    currency = before.currency
    errors: dict[str, str] = {}
    minor: dict[str, int | None] = {}
    for field, words in RATE_FIELDS.items():
        text = (rates.get(field) or "").strip()
        if not text:
            minor[field] = None
            continue
        try:
            minor[field] = to_minor_units(text, currency)
        except ValueError as exc:
            errors[field] = f"{words.capitalize()}: {exc}"
    if errors:
        raise InvalidInput(errors)
    async with atomic():
        await get_engine().fetch(
            """
            INSERT INTO media_value_rates (brand, currency, per_thousand_views_minor, per_engagement_minor,
                                           per_click_minor, updated_by, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, now())
            ON CONFLICT (brand) DO UPDATE SET currency = excluded.currency,
              per_thousand_views_minor = excluded.per_thousand_views_minor,
              per_engagement_minor = excluded.per_engagement_minor, per_click_minor = excluded.per_click_minor,
              updated_by = excluded.updated_by, updated_at = now()
            """,
            brand_id,
            currency,
            minor["per_thousand_views"],
            minor["per_engagement"],
            minor["per_click"],
            staff.id,
        )
        after = MediaRates(currency, minor["per_thousand_views"], minor["per_engagement"], minor["per_click"])
        await write_audit_row(actor, "media_value_rates.changed", "brand", brand_id, brand_id=brand_id,
                              before=asdict(before), after=asdict(after))  # fmt: skip
    return after


def rates_words(rates: MediaRates | None) -> str:
    """The rates as a person reads them beside the number: "US$8.00 per 1,000 views, US$0.10 per engagement"."""
    if rates is None or not rates.any:
        return ""
    parts = []
    if rates.per_thousand_views_minor is not None:
        parts.append(f"{format_money(rates.per_thousand_views_minor, rates.currency)} per 1,000 views")
    if rates.per_engagement_minor is not None:
        parts.append(f"{format_money(rates.per_engagement_minor, rates.currency)} per engagement")
    if rates.per_click_minor is not None:
        parts.append(f"{format_money(rates.per_click_minor, rates.currency)} per click")
    return ", ".join(parts)


@dataclass(frozen=True)
class OrdersOverview:
    """A brand's imported orders at a glance: how many, how many matched a creator's code, and the codes seen in
    orders that no creator has (often a code someone forgot to add)."""

    orders: int
    matched: int
    last_imported_at: dt.datetime | None
    unknown_codes: tuple[tuple[str, int], ...]  # (code, orders), most used first


async def get_orders_overview(brand_id: int) -> OrdersOverview:
    rows = await get_engine().fetch(
        """
        SELECT 'all' AS kind, NULL AS code, count(*) AS n,
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM discount_code d WHERE d.brand = o.brand
                                              AND d.code = o.code)) AS matched,
               max(imported_at) AS last_at
        FROM sale_order o WHERE o.brand = $1
        UNION ALL
        (SELECT 'unknown', o.code, count(*), 0, NULL FROM sale_order o
         WHERE o.brand = $1 AND NOT EXISTS (SELECT 1 FROM discount_code d WHERE d.brand = o.brand AND d.code = o.code)
         GROUP BY o.code ORDER BY count(*) DESC, o.code LIMIT 10)
        """,
        brand_id,
    )
    head = next(r for r in rows if r["kind"] == "all")
    return OrdersOverview(
        int(head["n"]),
        int(head["matched"]),
        head["last_at"],
        tuple((r["code"], int(r["n"])) for r in rows if r["kind"] == "unknown"),
    )
