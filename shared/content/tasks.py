"""Content's jobs, on its procrastinate blueprint (shared.jobs adds it to the app and holds the schedules)."""

from __future__ import annotations

import logging

import procrastinate

from shared.content import upkeep
from shared.integrations.storage_factory import storage_from_settings
from shared.settings import Settings

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


@blueprint.task(name="compute_draft_sha256", queue="default")
async def compute_draft_sha256(draft_id: int) -> None:
    """Record a verified draft's SHA-256 (reads the whole file from storage once, so never in a web request)."""
    await upkeep.do_record_sha256(draft_id, storage=storage_from_settings(Settings.from_env()))


@blueprint.task(
    name="abort_abandoned_uploads", queue="default", queueing_lock="abort_abandoned_uploads", lock="abort_uploads"
)
async def abort_abandoned_uploads(timestamp: int | None = None) -> None:
    """Abort multipart uploads nobody finished within a day; their drafts are marked abandoned."""
    abandoned = await upkeep.abort_abandoned_uploads(storage_from_settings(Settings.from_env()))
    log.info("aborted abandoned uploads", extra={"drafts": abandoned})
