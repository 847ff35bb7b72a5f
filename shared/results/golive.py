"""Opening the live posts' checks when a creator submits the live URLs (called inside content's go-live action),
and verifying the deliverable once all of its posts are."""

from __future__ import annotations

import functools
import json
import logging
from typing import Any

from shared.db.engine import get_engine
from shared.db.transactions import on_commit
from shared.integrations.platform_posts import READ_PLATFORMS
from shared.results.rules import FIRST_READS, outcome_of
from shared.results.tasks import check_live_post_task

log = logging.getLogger(__name__)


async def open_live_posts(deliverable: dict[str, Any], urls: list[str]) -> list[int]:
    """Record one post to check per live link the creator submitted (state 'checking', or 'unsupported' where
    Rapport can't read the platform), each with its first metrics reading an hour from now; the checks are queued
    after the commit. The deliverable is verified once every one of its live posts is."""
    platform = str(deliverable["platform"])
    readable = platform in READ_PLATFORMS
    ids: list[int] = []
    for url in urls:
        rows = await get_engine().fetch(
            """
            INSERT INTO live_post (deliverable, brand, campaign, creator, platform, url, state, problems, live_at,
                                   next_read_at, reads, source, live_caption, post_id, verified_note)
            SELECT d.id, d.brand, d.campaign, d.creator, d.platform, $2, $3, $6::jsonb, now(),
                   CASE WHEN $4 THEN now() + $5::interval END, 0, '', '', '', ''
            FROM deliverable d WHERE d.id = $1
            ON CONFLICT (deliverable, url) DO UPDATE SET state = EXCLUDED.state,
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
        ids.append(int(rows[0]["id"]))
    if readable:
        for live_post_id in ids:
            on_commit(functools.partial(_queue_check, live_post_id))
    return ids


async def _queue_check(live_post_id: int) -> None:
    try:
        await check_live_post_task.defer_async(live_post_id=live_post_id)
    except Exception as exc:  # noqa: BLE001 the post stays 'checking': the sweep checks it within ten minutes
        log.info("go-live check not queued for live post %s: %s", live_post_id, exc)
