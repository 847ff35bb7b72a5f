"""Making an export's file: the job's work (shared.exports.tasks) and the creator's statement download share it.

The rows stream from the database a page at a time (shared.exports.rows) into a temporary file on disk, which is
then handed to object storage in chunks: a general ledger of any size never sits whole in memory. Progress is
written after each page, so the Exports page can show it while the job runs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import tempfile
from collections.abc import AsyncIterator

from shared.audit.actions import write_audit_row
from shared.audit.context import system_actor
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.exports.rows import Row, Scope, count_rows, pages
from shared.exports.rules import COLUMNS, CONTENT_TYPE, PAGE_SIZE, State
from shared.integrations.storage import Storage

log = logging.getLogger(__name__)


def encode(rows: list[Row] | list[tuple[str, ...]]) -> bytes:
    """CSV lines (RFC 4180: quoted where needed, CRLF line ends), in UTF-8."""
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


async def csv_chunks(scope: Scope, page_size: int = PAGE_SIZE) -> AsyncIterator[bytes]:
    """The whole file as bytes, the header first, then one chunk per page of rows."""
    yield encode([COLUMNS[scope.kind]])
    async for page in pages(scope, page_size):
        yield encode(page)


async def _claim(export_id: int) -> Scope | None:
    """Mark the export running (again, after a crash mid-run); None when it is finished or gone."""
    records = await get_engine().fetch(
        "UPDATE export SET state = 'running', started_at = now(), rows_written = 0, error = '' "
        "WHERE id = $1 AND state IN ('queued', 'running') "
        "RETURNING kind, brand, period_start, period_end, creator",
        export_id,
    )
    if not records:
        return None
    r = records[0]
    return Scope(r["kind"], int(r["brand"]), r["period_start"], r["period_end"], r["creator"])


async def generate_export(export_id: int, storage: Storage, *, page_size: int = PAGE_SIZE) -> str:
    """Make an export's CSV and store it; returns its final state. Idempotent: a finished export is left alone."""
    scope = await _claim(export_id)
    if scope is None:
        return "skipped"
    engine = get_engine()
    await engine.fetch("UPDATE export SET rows_total = $2 WHERE id = $1", export_id, await count_rows(scope))
    records = await engine.fetch("SELECT storage_key, filename FROM export WHERE id = $1", export_id)
    key = records[0]["storage_key"]
    handle, path = tempfile.mkstemp(prefix="rapport-export-", suffix=".csv")
    try:
        hasher = hashlib.sha256()
        size = written = 0
        with os.fdopen(handle, "wb") as out:
            header = encode([COLUMNS[scope.kind]])
            out.write(header)
            hasher.update(header)
            size = len(header)
            async for page in pages(scope, page_size):
                chunk = encode(page)
                out.write(chunk)
                hasher.update(chunk)
                size += len(chunk)
                written += len(page)
                await engine.fetch("UPDATE export SET rows_written = $2 WHERE id = $1", export_id, written)
        await storage.put_file(key, path, CONTENT_TYPE)
        async with atomic():
            await engine.fetch(
                "UPDATE export SET state = 'done', size_bytes = $2, sha256 = $3, rows_written = $4, "
                "finished_at = now() WHERE id = $1",
                export_id,
                size,
                hasher.hexdigest(),
                written,
            )
            await write_audit_row(system_actor("exports"), "export.completed", "export", export_id,
                                  brand_id=scope.brand_id, after={"rows": written, "bytes": size,
                                                                  "sha256": hasher.hexdigest()})  # fmt: skip
        return State.DONE
    except Exception as error:
        log.exception("export failed", extra={"export": export_id})
        async with atomic():
            await engine.fetch(
                "UPDATE export SET state = 'failed', error = $2, finished_at = now() WHERE id = $1",
                export_id,
                "The file could not be made. Ask for it again; if it fails again, tell your administrator.",
            )
            await write_audit_row(system_actor("exports"), "export.failed", "export", export_id,
                                  brand_id=scope.brand_id, after={"error": type(error).__name__})  # fmt: skip
        return State.FAILED
    finally:
        os.unlink(path)
