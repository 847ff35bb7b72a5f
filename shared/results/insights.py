"""Self-reported insights: a creator uploads a screenshot of a live post's insights (what the platforms' APIs
don't give: reach on TikTok, anything on X), optionally typing the numbers it shows. Stored as a reading with
source "self-reported" (table self_reported_reading, kept apart from the platforms' readings so the campaign's
totals stay the platforms' own), the screenshot in object storage; the brand and the creator see it marked
"self-reported", the screenshot through a short-lived signed URL. Only the post's creator reports; audited.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.actions import staff_recipients
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import InvalidInput, NotFound
from shared.integrations.storage import Storage
from shared.notifications.actions import notify
from shared.results.rules import METRIC_LABELS, METRICS, platform_label

log = logging.getLogger(__name__)

SOURCE = "self-reported"
SCREENSHOT_MAX_BYTES = 5 * 1024 * 1024  # a phone screenshot is well under this
NOTE_MAX = 1000
NUMBER_MAX = 10**12  # more than any post's audience: a typo, not a number
REPORTS_PER_POST_MAX = 50
# The image types accepted, by their first bytes (the name and the browser's type are not trusted).
_MAGIC: tuple[tuple[bytes, int, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", "png"),
    (b"\xff\xd8\xff", 0, "image/jpeg", "jpg"),
    (b"WEBP", 8, "image/webp", "webp"),
)


def sniff_image(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PNG, JPEG or WebP image, by its magic bytes; None for anything else."""
    for magic, offset, content_type, extension in _MAGIC:
        if data[offset : offset + len(magic)] == magic and (offset == 0 or data[:4] == b"RIFF"):
            return content_type, extension
    return None


def check_screenshot(data: bytes) -> tuple[tuple[str, str] | None, str | None]:
    """The image's type, or why it can't be taken."""
    if not data:
        return None, "Choose a screenshot of the post's insights (PNG, JPEG or WebP)."
    if len(data) > SCREENSHOT_MAX_BYTES:
        return None, f"The screenshot is over {SCREENSHOT_MAX_BYTES // (1024 * 1024)} MB; crop it or save it as JPEG."
    kind = sniff_image(data)
    if kind is None:
        return None, "That file is not a PNG, JPEG or WebP image."
    return kind, None


def check_numbers(numbers: dict[str, int | None]) -> dict[str, str]:
    """Errors by field for typed numbers out of range (empty is fine: "not typed")."""
    return {
        m: f"Enter the {METRIC_LABELS[m].lower()} as a whole number up to {NUMBER_MAX:,}."
        for m in METRICS
        if numbers.get(m) is not None and not 0 <= int(numbers[m] or 0) <= NUMBER_MAX
    }


async def do_report_insights(
    actor: Actor,
    creator_id: int,
    deliverable_id: int,
    live_post_id: int,
    *,
    screenshot: bytes,
    numbers: dict[str, int | None],
    note: str,
    storage: Storage,
) -> int:
    """Store the screenshot, then the reading (audited; the brand's people on the deal are told). Returns its id."""
    note = note.strip()
    errors = check_numbers(numbers)
    kind, why = check_screenshot(screenshot)
    if why:
        errors["screenshot"] = why
    if len(note) > NOTE_MAX:
        errors["note"] = f"Keep the note under {NOTE_MAX} characters."
    engine = get_engine()
    rows = await engine.fetch(
        "SELECT lp.id, lp.brand, lp.deliverable, lp.platform, d.title, d.kind, c.created_by, k.name AS campaign_name, "
        "cr.display_name, b.slug AS brand_slug, "
        "(SELECT count(*) FROM self_reported_reading s WHERE s.live_post = lp.id) AS reports "
        "FROM live_post lp JOIN deliverable d ON d.id = lp.deliverable "
        "JOIN collaboration c ON c.id = d.collaboration JOIN campaign k ON k.id = lp.campaign "
        "JOIN creator cr ON cr.id = lp.creator JOIN brand b ON b.id = lp.brand "
        "WHERE lp.id = $1 AND lp.creator = $2 AND lp.deliverable = $3",
        live_post_id,
        creator_id,
        deliverable_id,
    )
    if not rows:
        raise NotFound("No such live post.")
    post = rows[0]
    if int(post["reports"]) >= REPORTS_PER_POST_MAX:
        errors["screenshot"] = f"This post already has {REPORTS_PER_POST_MAX} self-reported readings."
    if errors or kind is None:
        raise InvalidInput(errors)
    content_type, extension = kind
    key = f"insights/{live_post_id}/{secrets.token_hex(16)}.{extension}"
    # The file first: a failed upload writes nothing; a failed transaction leaves no file behind (deleted below).
    await storage.put_bytes(key, screenshot, content_type)
    try:
        async with atomic():
            inserted = await engine.fetch(
                "INSERT INTO self_reported_reading (live_post, creator, source, reported_at, views, reach, likes, "
                "comments, shares, saves, note, screenshot_key, screenshot_type, screenshot_bytes) "
                "VALUES ($1, $2, $3, now(), $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
                live_post_id,
                creator_id,
                SOURCE,
                *(numbers.get(m) for m in METRICS),
                note,
                key,
                content_type,
                len(screenshot),
            )
            report_id = int(inserted[0]["id"])
            what = post["title"] or f"{post['kind']} on {platform_label(post['platform'])}"
            for recipient in await staff_recipients(int(post["brand"]), creator_id, post["created_by"]):
                await notify(
                    recipient,
                    kind="live_post.self_reported",
                    title=f"{post['display_name']} shared the insights of “{what}” (self-reported)",
                    body=f"{post['campaign_name']}: a screenshot of the post's insights"
                    + (", with the numbers typed in." if any(v is not None for v in numbers.values()) else "."),
                    link=f"/backoffice/b/{post['brand_slug']}/results/posts/{live_post_id}#self-reported",
                    event_key=f"live_post.self_reported:{report_id}",
                    brand_id=int(post["brand"]),
                )
            await write_audit_row(
                actor,
                "live_post.self_reported",
                "live_post",
                live_post_id,
                brand_id=int(post["brand"]),
                after={
                    "reading": report_id,
                    "numbers": {m: numbers.get(m) for m in METRICS if numbers.get(m) is not None},
                    "screenshot": {"key": key, "type": content_type, "bytes": len(screenshot)},
                    "note": note,
                },
            )
    except BaseException:
        with contextlib.suppress(Exception):
            await storage.delete(key)
        raise
    return report_id


# --- reading them ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportCell:
    label: str
    value: int | None
    text: str  # "12,400" or "not typed"


@dataclass(frozen=True)
class SelfReport:
    id: int
    live_post_id: int
    deliverable_id: int
    reported_at: dt.datetime
    source: str
    numbers: dict[str, int | None]
    cells: tuple[ReportCell, ...]
    note: str
    screenshot_bytes: int


_SELECT = (
    "SELECT s.id, s.live_post, lp.deliverable, s.reported_at, s.source, s.views, s.reach, s.likes, s.comments, "
    "s.shares, s.saves, s.note, s.screenshot_bytes FROM self_reported_reading s "
    "JOIN live_post lp ON lp.id = s.live_post "
)


def _report(r: Any) -> SelfReport:
    numbers = {m: (int(r[m]) if r[m] is not None else None) for m in METRICS}
    return SelfReport(
        id=int(r["id"]),
        live_post_id=int(r["live_post"]),
        deliverable_id=int(r["deliverable"]),
        reported_at=r["reported_at"],
        source=str(r["source"]),
        numbers=numbers,
        cells=tuple(
            ReportCell(METRIC_LABELS[m], numbers[m], f"{numbers[m]:,}" if numbers[m] is not None else "not typed")
            for m in METRICS
        ),
        note=str(r["note"]),
        screenshot_bytes=int(r["screenshot_bytes"]),
    )


async def list_self_reports(brand_id: int, live_post_id: int) -> list[SelfReport]:
    """A brand's live post's self-reported readings, newest first."""
    rows = await get_engine().fetch(
        _SELECT + "WHERE s.live_post = $1 AND lp.brand = $2 ORDER BY s.reported_at DESC, s.id DESC",
        live_post_id,
        brand_id,
    )
    return [_report(r) for r in rows]


async def list_creator_self_reports(creator_id: int, deliverable_id: int) -> list[SelfReport]:
    """The creator's own self-reported readings of one deliverable's live posts, newest first."""
    rows = await get_engine().fetch(
        _SELECT + "WHERE lp.deliverable = $1 AND s.creator = $2 ORDER BY s.reported_at DESC, s.id DESC",
        deliverable_id,
        creator_id,
    )
    return [_report(r) for r in rows]


async def _signed(storage: Storage, row: list[Any], what: str) -> str:
    if not row:
        raise NotFound("No such screenshot.")
    r = row[0]
    return await storage.sign_download(
        str(r["screenshot_key"]),
        filename=f"insights-{what}.{str(r['screenshot_key']).rsplit('.', 1)[-1]}",
        content_type=str(r["screenshot_type"]),
    )


async def screenshot_url_for_brand(storage: Storage, brand_id: int, live_post_id: int, report_id: int) -> str:
    """A short-lived URL to the screenshot, for the brand whose post it is (NotFound for any other)."""
    rows = await get_engine().fetch(
        "SELECT s.screenshot_key, s.screenshot_type FROM self_reported_reading s "
        "JOIN live_post lp ON lp.id = s.live_post "
        "WHERE s.id = $1 AND s.live_post = $2 AND lp.brand = $3",
        report_id,
        live_post_id,
        brand_id,
    )
    return await _signed(storage, list(rows), str(report_id))


async def screenshot_url_for_creator(storage: Storage, creator_id: int, deliverable_id: int, report_id: int) -> str:
    """A short-lived URL to the creator's own screenshot (NotFound for anyone else's)."""
    rows = await get_engine().fetch(
        "SELECT s.screenshot_key, s.screenshot_type FROM self_reported_reading s "
        "JOIN live_post lp ON lp.id = s.live_post "
        "WHERE s.id = $1 AND lp.deliverable = $2 AND s.creator = $3",
        report_id,
        deliverable_id,
        creator_id,
    )
    return await _signed(storage, list(rows), str(report_id))
