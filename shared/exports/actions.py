"""Asking for an export and downloading it: finance and owners only, each audited."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import InvalidInput, NotFound, PermissionDenied
from shared.exports.generation import csv_chunks
from shared.exports.rows import Scope
from shared.exports.rules import (
    CONTENT_TYPE,
    EXPORT_TASK,
    Kind,
    State,
    calendar_year,
    can_export,
    export_filename,
    storage_key,
    validate_request,
)
from shared.identity.queries import BrandAccess
from shared.integrations.storage import Storage


async def _creator_at_brand(brand_id: int, creator_id: int) -> bool:
    """The creator has had money at the brand (a payable): the only creators a statement can be about."""
    rows = await get_engine().fetch(
        "SELECT EXISTS (SELECT 1 FROM payable WHERE brand = $1 AND creator = $2) AS known", brand_id, creator_id
    )
    return bool(rows[0]["known"])


async def do_request_export(
    actor: Actor,
    brand: BrandAccess,
    *,
    kind: str,
    start: dt.date | None,
    end: dt.date | None,
    creator_id: int | None,
    today: dt.date,
) -> int:
    """Finance or an owner asks for an export of a period; a job makes it (queued in the same transaction)."""
    if not can_export(brand.role):
        raise PermissionDenied("Only finance and owners export the books.")
    if kind != Kind.STATEMENT:
        creator_id = None
    errors = validate_request(kind, start, end, creator_id, today)
    if not errors and creator_id is not None and not await _creator_at_brand(brand.brand_id, creator_id):
        errors["creator"] = "Choose a creator from the list."
    if errors:
        raise InvalidInput(errors)
    assert start is not None and end is not None  # validated above
    filename = export_filename(kind, brand.brand_slug, start, end, creator_id)
    engine = get_engine()
    async with atomic():
        rows = await engine.fetch(
            "INSERT INTO export (brand, kind, period_start, period_end, creator, state, requested_by, "
            "requested_by_name, filename, created_at) VALUES ($1, $2, $3, $4, $5, 'queued', $6, "
            "coalesce((SELECT name FROM staff_user WHERE id = $6), $7), $8, now()) "
            "RETURNING id",
            brand.brand_id,
            kind,
            start,
            end,
            creator_id,
            actor.id if actor.kind == "staff" else None,
            actor.label[:200],
            filename,
        )
        export_id = int(rows[0]["id"])
        await engine.fetch(
            "UPDATE export SET storage_key = $2 WHERE id = $1",
            export_id,
            storage_key(brand.brand_id, export_id, filename),
        )
        # procrastinate's own SQL function, inside this transaction: the request never commits without its job.
        await engine.fetch(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('default', $1, 0, $2, NULL, $3::jsonb, NULL)"
            "::procrastinate_job_to_defer_v1])",
            EXPORT_TASK,
            f"export-{export_id}",
            json.dumps({"export_id": export_id}),
        )
        await write_audit_row(actor, "export.requested", "export", export_id, brand_id=brand.brand_id,
                              after={"kind": kind, "start": start.isoformat(), "end": end.isoformat(),
                                     "creator": creator_id})  # fmt: skip
    return export_id


async def do_download_export(actor: Actor, brand: BrandAccess, export_id: int, storage: Storage) -> str:
    """A signed, short-lived URL to a finished export of the brand; the download is audited."""
    if not can_export(brand.role):
        raise PermissionDenied("Only finance and owners download the books.")
    rows = await get_engine().fetch(
        "SELECT state, storage_key, filename FROM export WHERE id = $1 AND brand = $2", export_id, brand.brand_id
    )
    if not rows:
        raise NotFound("No such export.")
    if rows[0]["state"] != State.DONE:
        raise NotFound("This export is not ready.")
    async with atomic():
        await write_audit_row(actor, "export.downloaded", "export", export_id, brand_id=brand.brand_id)
    return await storage.sign_download(rows[0]["storage_key"], filename=rows[0]["filename"], content_type=CONTENT_TYPE)


@dataclass(frozen=True)
class StatementFile:
    filename: str
    chunks: AsyncIterator[bytes]


async def do_download_statement(actor: Actor, creator_id: int, *, brand_id: int, year: int) -> StatementFile:
    """A creator's own statement from one brand for a calendar year, made as it is sent (the same rows finance's
    statement export has); audited."""
    rows = await get_engine().fetch(
        "SELECT b.slug FROM brand b "
        "WHERE b.id = $1 AND EXISTS (SELECT 1 FROM payable WHERE brand = b.id AND creator = $2)",
        brand_id,
        creator_id,
    )
    if not rows or not 2000 <= year <= 2100:
        raise NotFound("No statement here.")
    start, end = calendar_year(year)
    async with atomic():
        await write_audit_row(actor, "export.downloaded", "statement", f"{brand_id}:{creator_id}:{year}",
                              brand_id=brand_id, after={"kind": Kind.STATEMENT, "year": year})  # fmt: skip
    scope = Scope(Kind.STATEMENT, brand_id, start, end, creator_id)
    return StatementFile(export_filename(Kind.STATEMENT, rows[0]["slug"], start, end), csv_chunks(scope))
