"""Results, read-only: a brand's campaigns with their live posts, one campaign's results (totals, per creator, per
deliverable, each formula shown), one live post with its readings, and what the creator sees of their post.

A campaign's results page is four statements whatever its size (the campaign, its deals, its tracked links' clicks,
its deliverables with their latest reading), so a campaign of 500 creators costs what one of 5 does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from shared.collaborations.rules import AGREED
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.errors import NotFound
from shared.money import format_money
from shared.results.conversions import media_rates_of, rates_words
from shared.results.rules import (
    METRIC_LABELS,
    METRICS,
    STATE_LABELS,
    MediaRates,
    cpa_minor,
    cpc_minor,
    cpe_minor,
    cpm_minor,
    engagement_rate_bp,
    engagements,
    format_bp,
    format_signed_bp,
    media_value_minor,
    platform_label,
    roi_bp,
    sum_given,
)

_AGREED = sorted(str(s) for s in AGREED)


@dataclass(frozen=True)
class Reading:
    read_at: dt.datetime
    source: str
    numbers: dict[str, int | None]


@dataclass(frozen=True)
class NumberCell:
    label: str
    value: int | None
    text: str  # "12,400" or "not given by TikTok"


def _cells(numbers: dict[str, int | None], platform: str | None) -> tuple[NumberCell, ...]:
    missing = f"not given by {platform_label(platform)}" if platform else "not available"
    return tuple(
        NumberCell(METRIC_LABELS[m], numbers.get(m), f"{numbers[m]:,}" if numbers.get(m) is not None else missing)
        for m in METRICS
    )


@dataclass(frozen=True)
class Formula:
    name: str
    value: str  # "US$24.92" or "not available"
    how: str  # "spend ÷ views × 1,000 = US$3,000.00 ÷ 120,400 × 1,000"


@dataclass(frozen=True)
class Conversions:
    """Orders that used a creator's discount codes, in the campaign's currency (None: no code given)."""

    orders: int | None = None
    revenue_minor: int | None = None
    other_currency_orders: int = 0


def formulas(
    spend_minor: int,
    currency: str,
    numbers: dict[str, int | None],
    clicks: int | None = None,
    conversions: Conversions | None = None,
    rates: MediaRates | None = None,
) -> tuple[Formula, ...]:
    """CPM, cost per engagement, engagement rate, cost per click, cost per acquisition, ROI and earned media value,
    each with the numbers it was computed from (clicks: on the tracked links, None when there is none; orders and
    revenue: through discount codes; EMV only with the brand's rates, shown beside it)."""
    views = numbers.get("views")
    engaged = engagements(numbers)
    spend = format_money(spend_minor, currency)
    views_text = f"{views:,}" if views is not None else "views not available"
    engaged_text = f"{engaged:,}" if engaged is not None else "engagements not available"
    cpm = cpm_minor(spend_minor, views)
    cpe = cpe_minor(spend_minor, engaged)
    rate = engagement_rate_bp(engaged, views)
    return (
        Formula(
            "CPM (cost per 1,000 views)",
            format_money(cpm, currency) if cpm is not None else "not available",
            f"spend ÷ views × 1,000 = {spend} ÷ {views_text} × 1,000",
        ),
        Formula(
            "Cost per engagement",
            format_money(cpe, currency) if cpe is not None else "not available",
            f"spend ÷ engagements = {spend} ÷ {engaged_text} (engagements = likes + comments + shares + saves, "
            "of those the platform gives)",
        ),
        Formula(
            "Engagement rate",
            format_bp(rate),
            f"engagements ÷ views = {engaged_text} ÷ {views_text}",
        ),
        Formula(
            "Cost per click",
            format_money(cpc, currency) if (cpc := cpc_minor(spend_minor, clicks)) is not None else "not available",
            f"spend ÷ clicks on the tracked link = {spend} ÷ "
            + (f"{clicks:,}" if clicks is not None else "no tracked link"),
        ),
        *_conversion_formulas(spend_minor, currency, conversions or Conversions()),
        _media_value_formula(currency, numbers.get("views"), engaged, clicks, rates),
    )


def _conversion_formulas(spend_minor: int, currency: str, conv: Conversions) -> tuple[Formula, ...]:
    spend = format_money(spend_minor, currency)
    orders_text = f"{conv.orders:,} orders with the creators' codes" if conv.orders is not None else "no discount code"
    revenue_text = format_money(conv.revenue_minor or 0, currency) if conv.orders is not None else "no discount code"
    cpa = cpa_minor(spend_minor, conv.orders)
    roi = roi_bp(conv.revenue_minor if conv.orders is not None else None, spend_minor)
    return (
        Formula(
            "Cost per acquisition",
            format_money(cpa, currency) if cpa is not None else "not available",
            f"spend ÷ orders = {spend} ÷ {orders_text}",
        ),
        Formula(
            "Return on investment (ROI)",
            format_signed_bp(roi),
            f"(revenue − spend) ÷ spend = ({revenue_text} − {spend}) ÷ {spend} (revenue: imported orders with the "
            "creators' codes)",
        ),
    )


def _media_value_formula(
    currency: str, views: int | None, engaged: int | None, clicks: int | None, rates: MediaRates | None
) -> Formula:
    name = "Earned media value"
    if rates is None or not rates.any:
        return Formula(name, "not available", "no rates set: the brand sets its own rates per 1,000 views, per "
                                              "engagement and per click (Results → Media value rates)")  # fmt: skip
    if rates.currency != currency:
        return Formula(name, "not available", f"the rates are in {rates.currency}; this campaign is in {currency}")
    value = media_value_minor(rates, views, engaged, clicks)
    parts = []
    if rates.per_thousand_views_minor is not None:
        parts.append(f"{views:,} views ÷ 1,000 × {format_money(rates.per_thousand_views_minor, currency)}"
                     if views is not None else "views not available")  # fmt: skip
    if rates.per_engagement_minor is not None:
        parts.append(f"{engaged:,} engagements × {format_money(rates.per_engagement_minor, currency)}"
                     if engaged is not None else "engagements not available")  # fmt: skip
    if rates.per_click_minor is not None:
        parts.append(f"{clicks:,} clicks × {format_money(rates.per_click_minor, currency)}"
                     if clicks is not None else "no tracked link")  # fmt: skip
    return Formula(
        name,
        format_money(value, currency) if value is not None else "not available",
        " + ".join(parts) + f" (the brand's rates: {rates_words(rates)})",
    )


# --- a brand's campaigns -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignLine:
    id: int
    name: str
    status: str
    posts: int
    verified: int
    needs_attention: int  # mismatch, reconnect, unsupported, unreachable


async def list_campaign_results(brand_id: int) -> list[CampaignLine]:
    rows = await get_engine().fetch(
        """
        SELECT k.id, k.name, k.status, count(lp.id) AS posts,
               count(lp.id) FILTER (WHERE lp.state = 'verified') AS verified,
               count(lp.id) FILTER (WHERE lp.state IN ('mismatch', 'reconnect', 'unsupported', 'unreachable'))
                 AS needs_attention
        FROM campaign k LEFT JOIN live_post lp ON lp.campaign = k.id
        WHERE k.brand = $1 GROUP BY k.id ORDER BY count(lp.id) DESC, k.created_at DESC, k.id DESC
        """,
        brand_id,
    )
    return [
        CampaignLine(
            int(r["id"]), r["name"], r["status"], int(r["posts"]), int(r["verified"]), int(r["needs_attention"])
        )
        for r in rows
    ]


# --- one campaign's results --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliverableResult:
    deliverable_id: int
    creator_id: int
    creator_name: str
    title: str
    platform: str
    platform_label: str
    status: str
    live_post_id: int | None
    url: str
    state: str
    state_label: str
    problems: tuple[str, ...]
    numbers: dict[str, int | None]
    cells: tuple[NumberCell, ...]
    read_at: dt.datetime | None
    source: str
    readings: int  # scheduled readings done


@dataclass(frozen=True)
class CreatorResult:
    creator_id: int
    creator_name: str
    spend_minor: int
    spend: str
    numbers: dict[str, int | None]
    cells: tuple[NumberCell, ...]
    formulas: tuple[Formula, ...]
    deliverables: tuple[DeliverableResult, ...]
    clicks: int | None  # on the creator's tracked link; None without one
    agreed_minor: int  # the agreed fee (committed); spend is what the payables say is owed or paid
    codes: str  # the creator's discount codes in this campaign, "" without one
    conversions: Conversions


@dataclass(frozen=True)
class CampaignResults:
    campaign_id: int
    name: str
    currency: str
    spend_minor: int
    spend: str
    numbers: dict[str, int | None]
    cells: tuple[NumberCell, ...]
    formulas: tuple[Formula, ...]
    creators: tuple[CreatorResult, ...]
    posts: int
    verified: int
    clicks: int | None
    other_currency_deals: int  # deals in another currency, left out of the spend
    agreed_minor: int
    agreed: str
    conversions: Conversions
    rates_words: str  # the brand's media value rates, "" when none are set

    def chart_rows(self) -> list[ChartRow]:
        return chart_rows(self)

    def chart(self) -> dict[str, Any]:
        return results_chart(self)


def _sum_numbers(many: list[dict[str, int | None]]) -> dict[str, int | None]:
    return {m: sum_given(n.get(m) for n in many) for m in METRICS}


def _numbers(row: Any) -> dict[str, int | None]:
    return {m: (int(row[m]) if row[m] is not None else None) for m in METRICS}


# Payables that no longer stand (the deal was called off before release, or Stripe took the money back) are not spend.
_NOT_SPENT = ["cancelled", "reversed"]


async def get_campaign_results(brand_id: int, campaign_id: int) -> CampaignResults:
    engine = get_engine()
    campaigns = await engine.fetch(
        """
        SELECT k.id, k.name, k.currency, r.currency AS rates_currency, r.per_thousand_views_minor,
               r.per_engagement_minor, r.per_click_minor
        FROM campaign k LEFT JOIN media_value_rates r ON r.brand = k.brand
        WHERE k.id = $1 AND k.brand = $2
        """,
        campaign_id,
        brand_id,
    )
    if not campaigns:
        raise NotFound("No such campaign.")
    campaign = campaigns[0]
    currency = str(campaign["currency"])
    rates = (
        media_rates_of({**campaign, "currency": campaign["rates_currency"]})
        if campaign["rates_currency"] is not None
        else None
    )
    # Spend is what the payables say the brand owes or paid each creator (payments create them at each
    # milestone); the agreed fee is what it committed to.
    deals = await engine.fetch(
        """
        SELECT c.creator, cr.display_name, c.fee_minor, c.currency,
               coalesce((SELECT sum(p.amount_minor) FROM payable p WHERE p.collaboration = c.id
                         AND p.status <> ALL($3::varchar[])), 0) AS spent_minor
        FROM collaboration c
        JOIN creator cr ON cr.id = c.creator
        WHERE c.campaign = $1 AND c.status = ANY($2::varchar[]) ORDER BY cr.display_name, c.id
        """,
        campaign_id,
        _AGREED,
        _NOT_SPENT,
    )
    rows = await engine.fetch(
        """
        SELECT d.id, d.creator, d.title, d.kind, d.platform, d.status, d.position,
               lp.id AS live_post_id, lp.url, lp.state, lp.problems, lp.reads,
               m.read_at, m.source, m.views, m.reach, m.likes, m.comments, m.shares, m.saves
        FROM deliverable d
        LEFT JOIN live_post lp ON lp.deliverable = d.id
        LEFT JOIN LATERAL (
            SELECT read_at, source, views, reach, likes, comments, shares, saves FROM post_metric
            WHERE live_post = lp.id ORDER BY read_at DESC, id DESC LIMIT 1
        ) m ON true
        WHERE d.campaign = $1 ORDER BY d.creator, d.position, d.id
        """,
        campaign_id,
    )
    # Clicks on the tracked links and orders through the discount codes, per creator, in one statement.
    reach = await engine.fetch(
        """
        SELECT creator, 'link' AS kind, clicks AS n, NULL::bigint AS revenue, 0::bigint AS other, '' AS codes
        FROM tracked_link WHERE campaign = $1
        UNION ALL
        SELECT d.creator, 'code', count(o.id) FILTER (WHERE o.currency = $2),
               sum(o.amount_minor) FILTER (WHERE o.currency = $2), count(o.id) FILTER (WHERE o.currency <> $2),
               string_agg(DISTINCT d.code, ', ')
        FROM discount_code d LEFT JOIN sale_order o ON o.brand = d.brand AND o.code = d.code
        WHERE d.campaign = $1 GROUP BY d.creator
        """,
        campaign_id,
        currency,
    )
    clicks_of = {int(r["creator"]): int(r["n"]) for r in reach if r["kind"] == "link"}
    codes_of = {int(r["creator"]): r for r in reach if r["kind"] == "code"}
    by_creator: dict[int, list[DeliverableResult]] = {}
    names: dict[int, str] = {int(d["creator"]): d["display_name"] for d in deals}
    for r in rows:
        numbers = _numbers(r)
        state = r["state"] or ""
        result = DeliverableResult(
            deliverable_id=int(r["id"]),
            creator_id=int(r["creator"]),
            creator_name=names.get(int(r["creator"]), ""),
            title=r["title"] or f"{r['kind']} on {platform_label(r['platform'])}",
            platform=r["platform"],
            platform_label=platform_label(r["platform"]),
            status=r["status"],
            live_post_id=int(r["live_post_id"]) if r["live_post_id"] is not None else None,
            url=r["url"] or "",
            state=state,
            state_label=STATE_LABELS.get(state, "Not live yet"),
            problems=tuple(jsonb(r["problems"]) or ()),
            numbers=numbers,
            cells=_cells(numbers, r["platform"] if r["read_at"] is not None else None),
            read_at=r["read_at"],
            source=r["source"] or "",
            readings=int(r["reads"] or 0),
        )
        by_creator.setdefault(result.creator_id, []).append(result)
    creators: list[CreatorResult] = []
    spend_total = agreed_total = other = 0
    for deal in deals:
        creator_id = int(deal["creator"])
        spent, agreed = int(deal["spent_minor"]), int(deal["fee_minor"])
        if deal["currency"] != currency:
            other += 1
            spent = agreed = 0
        spend_total += spent
        agreed_total += agreed
        mine = by_creator.get(creator_id, [])
        numbers = _sum_numbers([d.numbers for d in mine if d.read_at is not None])
        code_row = codes_of.get(creator_id)
        conv = (
            Conversions(int(code_row["n"]), int(code_row["revenue"] or 0), int(code_row["other"]))
            if code_row is not None
            else Conversions()
        )
        creators.append(
            CreatorResult(
                creator_id=creator_id,
                creator_name=deal["display_name"],
                spend_minor=spent,
                spend=format_money(spent, currency),
                numbers=numbers,
                cells=_cells(numbers, None),
                formulas=formulas(spent, currency, numbers, clicks_of.get(creator_id), conv, rates),
                deliverables=tuple(mine),
                clicks=clicks_of.get(creator_id),
                agreed_minor=agreed,
                codes=code_row["codes"] if code_row is not None else "",
                conversions=conv,
            )
        )
    every = [d for ds in by_creator.values() for d in ds]
    totals = _sum_numbers([d.numbers for d in every if d.read_at is not None])
    with_codes = [c.conversions for c in creators if c.conversions.orders is not None]
    total_conv = (
        Conversions(
            sum(c.orders or 0 for c in with_codes),
            sum(c.revenue_minor or 0 for c in with_codes),
            sum(c.other_currency_orders for c in with_codes),
        )
        if with_codes
        else Conversions()
    )
    clicks = sum_given(clicks_of.values())
    return CampaignResults(
        campaign_id=int(campaign["id"]),
        name=campaign["name"],
        currency=currency,
        spend_minor=spend_total,
        spend=format_money(spend_total, currency),
        numbers=totals,
        cells=_cells(totals, None),
        formulas=formulas(spend_total, currency, totals, clicks, total_conv, rates),
        creators=tuple(creators),
        posts=sum(1 for d in every if d.live_post_id is not None),
        verified=sum(1 for d in every if d.state == "verified"),
        clicks=clicks,
        other_currency_deals=other,
        agreed_minor=agreed_total,
        agreed=format_money(agreed_total, currency),
        conversions=total_conv,
        rates_words=rates_words(rates),
    )


CREATORS_PER_PAGE = 25  # creator sections per results page; the totals, formulas, chart and CSV cover them all


@dataclass(frozen=True)
class CreatorsPage:
    creators: tuple[CreatorResult, ...]
    page: int
    pages: int
    first: int  # 1-based position of the first creator shown
    total: int


def creators_page(results: CampaignResults, page: int) -> CreatorsPage:
    """One page of the campaign's creator sections (a page past the end shows the last)."""
    total = len(results.creators)
    pages = max(1, -(-total // CREATORS_PER_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * CREATORS_PER_PAGE
    return CreatorsPage(results.creators[start : start + CREATORS_PER_PAGE], page, pages, start + 1, total)


CHART_CREATORS = 20  # the chart shows the creators with the most views; the table beside it the same rows


@dataclass(frozen=True)
class ChartRow:
    creator_name: str
    views: int
    cpe_minor: int | None


def chart_rows(results: CampaignResults) -> list[ChartRow]:
    """The creators the chart shows (most views first), with the numbers the table beside it repeats."""
    rows = [
        ChartRow(c.creator_name, int(c.numbers["views"] or 0), cpe_minor(c.spend_minor, engagements(c.numbers)))
        for c in results.creators
        if c.numbers.get("views")
    ]
    return sorted(rows, key=lambda r: (-r.views, r.creator_name))[:CHART_CREATORS]


def results_chart(results: CampaignResults) -> dict[str, Any]:
    """Chart.js configuration (static/src/charts.js): views by creator, horizontal bars."""
    rows = chart_rows(results)
    return {
        "type": "bar",
        "data": {
            "labels": [r.creator_name for r in rows],
            "datasets": [{"label": "Views", "data": [r.views for r in rows], "backgroundColor": "#3b2f8f"}],
        },
        "options": {
            "indexAxis": "y",
            "responsive": True,
            "maintainAspectRatio": False,
            "animation": False,
            "plugins": {"legend": {"display": False}},
            "scales": {"x": {"beginAtZero": True, "ticks": {"precision": 0}}},
        },
    }


CSV_HEADER = (
    "creator",
    "deliverable",
    "platform",
    "url",
    "state",
    "read_at",
    "source",
    *METRICS,
    "creator_fee_minor",
    "creator_spend_minor",
    "currency",
)


def results_csv_rows(results: CampaignResults) -> list[list[str]]:
    """One line per deliverable, the creator's agreed fee and spend so far (payables; minor units) beside it; empty
    cells are "not given"."""
    lines: list[list[str]] = []
    for creator in results.creators:
        for d in creator.deliverables:
            lines.append(
                [
                    creator.creator_name,
                    d.title,
                    d.platform,
                    d.url,
                    d.state or "not live",
                    d.read_at.isoformat() if d.read_at else "",
                    d.source,
                    *("" if d.numbers[m] is None else str(d.numbers[m]) for m in METRICS),
                    str(creator.agreed_minor),
                    str(creator.spend_minor),
                    results.currency,
                ]
            )
    return lines


# --- one live post ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LivePostView:
    id: int
    deliverable_id: int
    campaign_id: int
    campaign_name: str
    creator_name: str
    title: str
    platform: str
    platform_label: str
    url: str
    state: str
    state_label: str
    problems: tuple[str, ...]
    live_caption: str
    source: str
    live_at: dt.datetime
    checked_at: dt.datetime | None
    verified_at: dt.datetime | None
    verified_by_name: str
    verified_note: str
    next_read_at: dt.datetime | None
    readings: tuple[Reading, ...]

    def cells(self, reading: Reading) -> tuple[NumberCell, ...]:
        return _cells(reading.numbers, self.platform)


_LIVE_POST = """
SELECT lp.*, k.name AS campaign_name, cr.display_name AS creator_name, d.title, d.kind,
       coalesce(s.name, '') AS verified_by_name
FROM live_post lp
JOIN campaign k ON k.id = lp.campaign
JOIN creator cr ON cr.id = lp.creator
JOIN deliverable d ON d.id = lp.deliverable
LEFT JOIN staff_user s ON s.id = lp.verified_by
"""


async def _view(row: Any) -> LivePostView:
    readings = await get_engine().fetch(
        "SELECT read_at, source, views, reach, likes, comments, shares, saves FROM post_metric "
        "WHERE live_post = $1 ORDER BY read_at, id",
        row["id"],
    )
    return LivePostView(
        id=int(row["id"]),
        deliverable_id=int(row["deliverable"]),
        campaign_id=int(row["campaign"]),
        campaign_name=row["campaign_name"],
        creator_name=row["creator_name"],
        title=row["title"] or f"{row['kind']} on {platform_label(row['platform'])}",
        platform=row["platform"],
        platform_label=platform_label(row["platform"]),
        url=row["url"],
        state=row["state"],
        state_label=STATE_LABELS.get(row["state"], row["state"]),
        problems=tuple(jsonb(row["problems"]) or ()),
        live_caption=row["live_caption"],
        source=row["source"],
        live_at=row["live_at"],
        checked_at=row["checked_at"],
        verified_at=row["verified_at"],
        verified_by_name=row["verified_by_name"],
        verified_note=row["verified_note"],
        next_read_at=row["next_read_at"],
        readings=tuple(Reading(r["read_at"], r["source"], _numbers(r)) for r in readings),
    )


async def get_live_post(brand_id: int, live_post_id: int) -> LivePostView:
    rows = await get_engine().fetch(_LIVE_POST + " WHERE lp.id = $1 AND lp.brand = $2", live_post_id, brand_id)
    if not rows:
        raise NotFound("No such live post.")
    return await _view(rows[0])


# --- the creator's own posts, across brands ---------------------------------------------------------------


@dataclass(frozen=True)
class CreatorPost:
    deliverable_id: int
    brand_name: str
    campaign_name: str
    title: str
    platform_label: str
    url: str
    state: str
    state_label: str
    problems: tuple[str, ...]
    live_at: dt.datetime
    read_at: dt.datetime | None
    source: str
    cells: tuple[NumberCell, ...]


@dataclass(frozen=True)
class MonthLine:
    month: str  # "Nov 2026"
    posts: int
    views: int | None
    engagements: int | None


@dataclass(frozen=True)
class BrandHistory:
    brand_name: str
    posts: tuple[CreatorPost, ...]
    verified: int
    views: int | None  # the latest readings summed; None when no post has views
    months: tuple[MonthLine, ...] = ()  # the creator's work with this brand over time, newest month first


CREATOR_POSTS_MAX = 200


async def list_creator_results(creator_id: int) -> list[BrandHistory]:
    """The creator's live posts with each one's check and latest numbers, by brand (newest first), one query."""
    rows = await get_engine().fetch(
        """
        SELECT lp.deliverable, lp.platform, lp.url, lp.state, lp.problems, lp.live_at, b.name AS brand_name,
               k.name AS campaign_name, d.title, d.kind,
               m.read_at, m.source, m.views, m.reach, m.likes, m.comments, m.shares, m.saves
        FROM live_post lp
        JOIN brand b ON b.id = lp.brand
        JOIN campaign k ON k.id = lp.campaign
        JOIN deliverable d ON d.id = lp.deliverable
        LEFT JOIN LATERAL (
            SELECT read_at, source, views, reach, likes, comments, shares, saves FROM post_metric
            WHERE live_post = lp.id ORDER BY read_at DESC, id DESC LIMIT 1
        ) m ON true
        WHERE lp.creator = $1 ORDER BY b.name, lp.live_at DESC, lp.id DESC LIMIT $2
        """,
        creator_id,
        CREATOR_POSTS_MAX,
    )
    by_brand: dict[str, list[CreatorPost]] = {}
    views: dict[str, list[int | None]] = {}
    # (brand, month of going live) → the posts' latest numbers: the history over time, from the same rows.
    monthly: dict[str, dict[tuple[int, int], list[dict[str, int | None]]]] = {}
    for r in rows:
        numbers = _numbers(r)
        by_brand.setdefault(r["brand_name"], []).append(
            CreatorPost(
                deliverable_id=int(r["deliverable"]),
                brand_name=r["brand_name"],
                campaign_name=r["campaign_name"],
                title=r["title"] or f"{r['kind']} on {platform_label(r['platform'])}",
                platform_label=platform_label(r["platform"]),
                url=r["url"],
                state=r["state"],
                state_label=STATE_LABELS.get(r["state"], r["state"]),
                problems=tuple(jsonb(r["problems"]) or ()),
                live_at=r["live_at"],
                read_at=r["read_at"],
                source=r["source"] or "",
                cells=_cells(numbers, r["platform"]),
            )
        )
        views.setdefault(r["brand_name"], []).append(numbers["views"] if r["read_at"] is not None else None)
        month = (r["live_at"].year, r["live_at"].month)
        read = numbers if r["read_at"] is not None else dict.fromkeys(METRICS)
        monthly.setdefault(r["brand_name"], {}).setdefault(month, []).append(read)
    return [
        BrandHistory(
            name,
            tuple(posts),
            sum(1 for p in posts if p.state == "verified"),
            sum_given(views[name]),
            _months(monthly[name]),
        )
        for name, posts in by_brand.items()
    ]


def _months(by_month: dict[tuple[int, int], list[dict[str, int | None]]]) -> tuple[MonthLine, ...]:
    lines = []
    for (year, month), numbers in sorted(by_month.items(), reverse=True):
        total = _sum_numbers(numbers)
        lines.append(
            MonthLine(dt.date(year, month, 1).strftime("%b %Y"), len(numbers), total["views"], engagements(total))
        )
    return tuple(lines)
