"""Exports' job: make one export's CSV (shared.exports.generation), queued in the transaction that requests it."""

from __future__ import annotations

import logging

import procrastinate

from shared.exports.generation import generate_export
from shared.exports.rules import EXPORT_TASK
from shared.integrations.storage_factory import storage_from_settings
from shared.settings import Settings

log = logging.getLogger(__name__)

blueprint = procrastinate.Blueprint()


@blueprint.task(name=EXPORT_TASK, queue="default")
async def generate_export_task(export_id: int) -> None:
    """Stream the export's rows from the database into a file in object storage (idempotent: done stays done)."""
    state = await generate_export(export_id, storage_from_settings(Settings.from_env()))
    log.info("export", extra={"export": export_id, "state": state})
