"""Tracked links: one short redirect per creator × campaign (/l/<code>) to where the brand wants people to land.
A click adds one to the link's count and sends the visitor on; nothing about the visitor (no IP, no cookie) is
kept. Owners and managers make them (audited); the campaign's results count clicks and cost per click."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.rules import AGREED
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import InvalidInput, NotFound, PermissionDenied
from shared.identity.queries import StaffContext
from shared.results.rules import SHARERS

URL_MAX = 500
CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read aloud or typed from a screen
CODE_LENGTH = 8


def link_path(code: str) -> str:
    return f"/l/{code}"


def check_target(url: str) -> str | None:
    """Why a landing page can't be used, or None when it can (https, a host, a sane length)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname or len(url) > URL_MAX:
        return "Give the https:// address of the page people should land on."
    return None


async def require_deal_in_campaign(brand_id: int, campaign_id: int, creator_id: int) -> None:
    """What a tracked link and a discount code both need: the creator has an agreed deal in this campaign."""
    deal = await get_engine().fetch(
        "SELECT 1 FROM collaboration WHERE campaign = $1 AND brand = $2 AND creator = $3 "
        "AND status = ANY($4::varchar[])",
        campaign_id,
        brand_id,
        creator_id,
        sorted(str(s) for s in AGREED),
    )
    if not deal:
        raise InvalidInput({"creator": "Choose a creator who has a deal in this campaign."})


async def do_create_tracked_link(
    actor: Actor, staff: StaffContext, brand_id: int, campaign_id: int, *, creator_id: int, target_url: str
) -> str:
    """A new short link for a creator who has a deal in the campaign; returns its code."""
    if staff.role_at(brand_id) not in SHARERS:
        raise PermissionDenied("Only owners and managers make tracked links.")
    target_url = target_url.strip()
    if error := check_target(target_url):
        raise InvalidInput({"url": error})
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    engine = get_engine()
    async with atomic():
        await require_deal_in_campaign(brand_id, campaign_id, creator_id)
        rows = await engine.fetch(
            "INSERT INTO tracked_link (brand, campaign, creator, code, target_url, clicks, created_by, created_at) "
            "VALUES ($1, $2, $3, $4, $5, 0, $6, now()) ON CONFLICT (campaign, creator) DO NOTHING RETURNING id",
            brand_id,
            campaign_id,
            creator_id,
            code,
            target_url,
            staff.id,
        )
        if not rows:
            raise InvalidInput({"creator": "This creator already has a link in this campaign."})
        await write_audit_row(
            actor,
            "tracked_link.created",
            "campaign",
            campaign_id,
            brand_id=brand_id,
            after={"creator": creator_id, "code": code, "target_url": target_url},
        )
    return code


async def follow_link(code: str) -> str:
    """Count one click and return where it leads; NotFound for an unknown code."""
    if not code or len(code) > 16:
        raise NotFound("No such link.")
    # One statement: the running count and the day's count (the series behind the clicks chart) move together.
    rows = await get_engine().fetch(
        """
        WITH link AS (
            UPDATE tracked_link SET clicks = clicks + 1, last_click_at = now() WHERE code = $1
            RETURNING id, target_url
        ), day AS (
            INSERT INTO tracked_link_day (link, day, clicks)
            SELECT id, (now() AT TIME ZONE 'UTC')::date, 1 FROM link
            ON CONFLICT (link, day) DO UPDATE SET clicks = tracked_link_day.clicks + 1
        )
        SELECT target_url FROM link
        """,
        code,
    )
    if not rows:
        raise NotFound("No such link.")
    return str(rows[0]["target_url"])


@dataclass(frozen=True)
class LinkLine:
    creator_id: int
    creator_name: str
    code: str
    target_url: str
    clicks: int


async def list_campaign_links(campaign_id: int) -> list[LinkLine]:
    rows = await get_engine().fetch(
        "SELECT l.creator, c.display_name, l.code, l.target_url, l.clicks FROM tracked_link l "
        "JOIN creator c ON c.id = l.creator WHERE l.campaign = $1 ORDER BY c.display_name, l.id",
        campaign_id,
    )
    return [LinkLine(int(r["creator"]), r["display_name"], r["code"], r["target_url"], int(r["clicks"])) for r in rows]


@dataclass(frozen=True)
class ClickDay:
    day: dt.date
    clicks: int


CLICK_DAYS = 30


async def list_click_days(
    campaign_id: int, *, creator_id: int | None = None, today: dt.date | None = None
) -> list[ClickDay]:
    """Clicks per UTC day on the campaign's tracked links (one creator's when given) over the last CLICK_DAYS days,
    every day present (0 when nobody clicked), oldest first."""
    last = today or dt.datetime.now(dt.UTC).date()
    first = last - dt.timedelta(days=CLICK_DAYS - 1)
    rows = await get_engine().fetch(
        """
        SELECT g.day::date AS day, coalesce(sum(t.clicks), 0) AS clicks
        FROM generate_series($2::date, $3::date, interval '1 day') AS g(day)
        LEFT JOIN tracked_link_day t ON t.day = g.day::date
          AND t.link IN (SELECT id FROM tracked_link WHERE campaign = $1 AND ($4::int IS NULL OR creator = $4))
        GROUP BY g.day ORDER BY g.day
        """,
        campaign_id,
        first,
        last,
        creator_id,
    )
    return [ClickDay(r["day"], int(r["clicks"])) for r in rows]


def clicks_chart(days: list[ClickDay]) -> dict[str, object]:
    """Chart.js configuration (static/src/charts.js): clicks per day, a line."""
    return {
        "type": "line",
        "data": {
            "labels": [d.day.strftime("%-d %b") for d in days],
            "datasets": [{"label": "Clicks", "data": [d.clicks for d in days], "borderColor": "#3b2f8f",
                          "backgroundColor": "#3b2f8f", "tension": 0}],
        },
        "options": {"responsive": True, "maintainAspectRatio": False, "animation": False,
                    "plugins": {"legend": {"display": False}},
                    "scales": {"y": {"beginAtZero": True, "ticks": {"precision": 0}}}},
    }  # fmt: skip


@dataclass(frozen=True)
class CreatorLink:
    campaign_name: str
    brand_name: str
    code: str
    target_url: str
    clicks: int


async def list_creator_links(creator_id: int) -> list[CreatorLink]:
    """The tracked links brands made for this creator: what to share, and how many clicks each has had."""
    rows = await get_engine().fetch(
        "SELECT k.name AS campaign_name, b.name AS brand_name, l.code, l.target_url, l.clicks FROM tracked_link l "
        "JOIN campaign k ON k.id = l.campaign JOIN brand b ON b.id = l.brand WHERE l.creator = $1 "
        "ORDER BY l.created_at DESC, l.id DESC",
        creator_id,
    )
    return [CreatorLink(r["campaign_name"], r["brand_name"], r["code"], r["target_url"], int(r["clicks"]))
            for r in rows]  # fmt: skip
