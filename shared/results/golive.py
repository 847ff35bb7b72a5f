"""Opening a live post's check when a creator submits the live URL (called inside content's go-live action)."""

from __future__ import annotations

import json
import logging
from typing import Any

from shared.db.engine import get_engine
from shared.db.transactions import on_commit
from shared.integrations.platform_posts import READ_PLATFORMS
from shared.results.rules import FIRST_READS, outcome_of
from shared.results.tasks import check_live_post_task

log = logging.getLogger(__name__)


async def open_live_post(deliverable: dict[str, Any], url: str) -> int:
    """Record the post to check (state 'checking', or 'unsupported' where Rapport can't read the platform), with
    its first metrics reading an hour from now; the check is queued after the commit."""
    platform = str(deliverable["platform"])
    readable = platform in READ_PLATFORMS
    rows = await get_engine().fetch(
        """
        INSERT INTO live_post (deliverable, brand, campaign, creator, platform, url, state, problems, live_at,
                               next_read_at, reads, source, live_caption, post_id, verified_note)
        SELECT d.id, d.brand, d.campaign, d.creator, d.platform, $2, $3, $6::jsonb, now(),
               CASE WHEN $4 THEN now() + $5::interval END, 0, '', '', '', ''
        FROM deliverable d WHERE d.id = $1
        ON CONFLICT (deliverable) DO UPDATE SET url = EXCLUDED.url, state = EXCLUDED.state,
            problems = EXCLUDED.problems, verified_by = NULL, verified_at = NULL
        RETURNING id
        """,
        int(deliverable["id"]),
        url,
        "checking" if readable else "unsupported",
        readable,
        FIRST_READS[0],
        json.dumps([] if readable else list(outcome_of("unsupported", platform=platform, handle="").problems)),
    )
    live_post_id = int(rows[0]["id"])
    if readable:
        on_commit(lambda: _queue_check(live_post_id))
    return live_post_id


async def _queue_check(live_post_id: int) -> None:
    try:
        await check_live_post_task.defer_async(live_post_id=live_post_id)
    except Exception as exc:  # noqa: BLE001 the post stays 'checking': the sweep checks it within ten minutes
        log.info("go-live check not queued for live post %s: %s", live_post_id, exc)
