"""What the results jobs do: check a live post against its platform (exists, the creator's, caption still
disclosed and tagged as the brief asks), record its numbers when a reading is due, and the sweep that retries,
re-checks daily and reads metrics on schedule.

The platform is asked outside any transaction; what it said is recorded after, on the locked row, with an audit
row. Idempotent: a check run twice records the same state, and a reading is recorded only when one is due.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import system_actor
from shared.collaborations.actions import staff_recipients
from shared.content.disclosure import DisclosurePolicySettings, check_caption
from shared.crypto import Encryptor
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.transactions import atomic
from shared.integrations.platform_posts import (
    TOKENLESS_PLATFORMS,
    Account,
    PostLookup,
    look_up_post,
    platform_apis,
)
from shared.notifications.actions import Recipient, notify
from shared.results.rules import (
    READ_UNTIL,
    RECHECK_EVERY,
    CheckOutcome,
    caption_problems,
    next_read_at,
    outcome_of,
    platform_label,
)
from shared.results.verification import lock_deliverable, verify_deliverable_when_all_posts_are
from shared.settings import Settings

log = logging.getLogger(__name__)

ACTOR = system_actor("go-live check")
SWEEP_BATCH = 200
# The linked account a post is read with: YouTube channels come with a Google sign-in.
PROVIDERS = {"youtube": ("youtube", "google")}

_POST = """
SELECT lp.id, lp.deliverable, lp.brand, lp.creator, lp.platform, lp.url, lp.state, lp.problems, lp.live_at,
       lp.next_read_at, lp.reads, lp.verified_by,
       d.status AS deliverable_status, d.kind, d.title, c.created_by, bv.content AS brief, dp.settings AS policy,
       b.slug AS brand_slug, k.name AS campaign_name, cr.display_name AS creator_name, cr.email AS creator_email,
       (SELECT f.caption FROM draft f WHERE f.deliverable = d.id AND f.decision IN ('approved', 'approved_with_notes')
        ORDER BY f.version DESC LIMIT 1) AS approved_caption,
       (SELECT f.content_type FROM draft f WHERE f.deliverable = d.id ORDER BY f.version DESC LIMIT 1) AS content_type
FROM live_post lp
JOIN deliverable d ON d.id = lp.deliverable
JOIN collaboration c ON c.id = d.collaboration
LEFT JOIN brief_version bv ON bv.id = c.brief_version
LEFT JOIN disclosure_policy dp ON dp.brand = lp.brand
JOIN brand b ON b.id = lp.brand
JOIN campaign k ON k.id = lp.campaign
JOIN creator cr ON cr.id = lp.creator
WHERE lp.id = $1
"""

_ACCOUNT = """
SELECT subject, handle, access_token_enc, status FROM social_identity
WHERE creator = $1 AND provider = ANY($2::varchar[])
ORDER BY (status = 'active') DESC, (access_token_enc IS NOT NULL) DESC, id LIMIT 1
"""


@dataclass(frozen=True)
class CheckResult:
    state: str
    problems: tuple[str, ...]
    read_metrics: bool


async def _account(settings: Settings, creator_id: int, platform: str) -> tuple[Account | None, str]:
    """The creator's linked account on the platform (None when there is none usable), and its handle."""
    rows = await get_engine().fetch(_ACCOUNT, creator_id, list(PROVIDERS.get(platform, (platform,))))
    if not rows:
        return None, ""
    row = rows[0]
    token = Encryptor(settings.secret_key).decrypt(row["access_token_enc"]) if row["access_token_enc"] else None
    if platform in TOKENLESS_PLATFORMS:  # read in public (X's oEmbed): the linked handle is what counts
        return Account(str(row["subject"]), str(row["handle"]), token or ""), str(row["handle"])
    if row["status"] != "active" or not token:
        return None, str(row["handle"])
    return Account(str(row["subject"]), str(row["handle"]), token), str(row["handle"])


def _judge(post: dict[str, Any], lookup: PostLookup, handle: str) -> CheckOutcome:
    problems: list[str] = []
    if lookup.outcome == "found":
        brief = jsonb(post["brief"]) or {}
        live_check = check_caption(
            lookup.caption,
            platform=post["platform"],
            kind=post["kind"],
            required_hashtags=brief.get("hashtags") or (),
            required_mentions=brief.get("mentions") or (),
            policy=DisclosurePolicySettings.from_json(jsonb(post["policy"])) if post["policy"] is not None else None,
            content_type=post["content_type"] or "",
        )
        problems = caption_problems(post["approved_caption"] or "", lookup.caption, live_check)
    return outcome_of(lookup.outcome, platform=post["platform"], handle=handle, owner=lookup.owner, problems=problems)


async def check_live_post(settings: Settings, live_post_id: int, *, now: dt.datetime | None = None) -> CheckResult:
    """Ask the platform about one live post and record what it said (and its numbers, when a reading is due)."""
    now = now or dt.datetime.now(dt.UTC)
    rows = await get_engine().fetch(_POST, live_post_id)
    if not rows:
        return CheckResult("", (), False)
    post = dict(rows[0])
    account, handle = await _account(settings, int(post["creator"]), post["platform"])
    lookup = await look_up_post(platform_apis(settings), post["platform"], post["url"], account)
    outcome = _judge(post, lookup, handle)
    return await _record(post, lookup, outcome, now)


async def _record(post: dict[str, Any], lookup: PostLookup, outcome: CheckOutcome, now: dt.datetime) -> CheckResult:
    engine = get_engine()
    async with atomic():
        await lock_deliverable(int(post["deliverable"]))
        locked = await engine.fetch(
            "SELECT state, problems, reads, next_read_at, verified_by FROM live_post WHERE id = $1 FOR UPDATE",
            post["id"],
        )
        before = locked[0]
        state = outcome.state
        # A post a person verified by hand stays verified while the platform can't be asked, and when only its
        # caption differs (the person judged that); it no longer does once the post is gone or someone else's.
        if before["verified_by"] is not None and lookup.outcome not in ("not_found", "wrong_owner"):
            state = "verified"
        due = before["next_read_at"]
        read_now = lookup.outcome == "found" and due is not None and due <= now
        reads = int(before["reads"])
        upcoming = due
        if read_now:
            n = lookup.numbers
            await engine.fetch(
                "INSERT INTO post_metric (live_post, read_at, source, views, reach, likes, comments, shares, saves) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                post["id"],
                now,
                lookup.source,
                n.views,
                n.reach,
                n.likes,
                n.comments,
                n.shares,
                n.saves,
            )
            reads += 1
            upcoming = next_read_at(post["live_at"], reads)
            while upcoming is not None and upcoming <= now:  # readings missed while nobody ran: skip to the next
                reads += 1
                upcoming = next_read_at(post["live_at"], reads)
        await engine.fetch(
            "UPDATE live_post SET state = $2::varchar, problems = $3::jsonb, live_caption = $4, post_id = $5, "
            "source = $6, checked_at = $7, reads = $8, next_read_at = $9, "
            "verified_at = CASE WHEN $2::varchar = 'verified' THEN coalesce(verified_at, $7) ELSE verified_at END "
            "WHERE id = $1",
            post["id"],
            state,
            json.dumps(list(outcome.problems)),
            lookup.caption if lookup.outcome == "found" else "",
            lookup.post_id,
            lookup.source,
            now,
            reads,
            upcoming,
        )
        if state == "verified":
            await verify_deliverable_when_all_posts_are(int(post["deliverable"]))
        if state != before["state"] or list(outcome.problems) != (jsonb(before["problems"]) or []):
            await write_audit_row(
                ACTOR,
                "live_post.checked",
                "live_post",
                post["id"],
                brand_id=int(post["brand"]),
                before={"state": before["state"], "problems": jsonb(before["problems"]) or []},
                after={"state": state, "problems": list(outcome.problems), "source": lookup.source},
            )
            await _tell(post, before["state"], state, outcome)
    return CheckResult(state, outcome.problems, read_now)


async def _tell(post: dict[str, Any], was: str, state: str, outcome: CheckOutcome) -> None:
    """Both sides hear about a mismatch (in the same words); the creator about an account to reconnect."""
    what = post["title"] or f"{post['kind']} on {platform_label(post['platform'])}"
    digest = hashlib.sha256("\n".join(outcome.problems).encode()).hexdigest()[:12]
    creator = Recipient("creator", int(post["creator"]), post["creator_email"] or "")
    body = " ".join(outcome.problems)
    if state == "mismatch":
        title = (
            f"The live post of “{what}” no longer matches what was approved"
            if was == "verified"
            else f"The live post of “{what}” doesn't match what was approved"
        )
        for recipient in [
            creator,
            *await staff_recipients(int(post["brand"]), int(post["creator"]), post["created_by"]),
        ]:
            link = (
                f"/work/{post['deliverable']}"
                if recipient.kind == "creator"
                else f"/backoffice/b/{post['brand_slug']}/results/posts/{post['id']}"
            )
            await notify(
                recipient,
                kind="live_post.mismatch",
                title=title,
                body=f"{post['campaign_name']}: {body}",
                link=link,
                event_key=f"live_post.mismatch:{post['id']}:{digest}",
                brand_id=int(post["brand"]),
            )
    elif state == "reconnect":
        await notify(
            creator,
            kind="live_post.reconnect",
            title=f"Reconnect your {platform_label(post['platform'])} account so “{what}” can be checked",
            body=body,
            link="/accounts",
            event_key=f"live_post.reconnect:{post['id']}:{digest}",
            brand_id=int(post["brand"]),
        )
    elif state == "verified" and was != "verified":
        await notify(
            creator,
            kind="live_post.verified",
            title=f"Your post of “{what}” is verified",
            body=f"{post['campaign_name']}: the post is on your account with its disclosure and tags.",
            link=f"/work/{post['deliverable']}",
            event_key=f"live_post.verified:{post['id']}",
            brand_id=int(post["brand"]),
        )


@dataclass(frozen=True)
class SweepReport:
    checked: int = 0
    readings: int = 0


async def sweep(settings: Settings, *, now: dt.datetime | None = None) -> SweepReport:
    """Retry posts not checked yet (or whose platform did not answer; hourly those whose account must be
    reconnected), read the metrics that are due, and check verified posts again once a day while their metrics
    are read."""
    now = now or dt.datetime.now(dt.UTC)
    rows = await get_engine().fetch(
        """
        SELECT id FROM live_post
        WHERE state IN ('checking', 'unreachable')
           OR (state = 'reconnect' AND checked_at < $1::timestamptz - interval '1 hour')
           OR (next_read_at IS NOT NULL AND next_read_at <= $1 AND state IN ('verified', 'mismatch'))
           OR (state = 'verified' AND verified_by IS NULL AND checked_at < $1 - $2::interval
               AND live_at > $1 - $3::interval)
        ORDER BY id LIMIT $4
        """,
        now,
        RECHECK_EVERY,
        READ_UNTIL,
        SWEEP_BATCH,
    )
    checked = readings = 0
    for row in rows:
        result = await check_live_post(settings, int(row["id"]), now=now)
        checked += 1
        readings += int(result.read_metrics)
    return SweepReport(checked, readings)
