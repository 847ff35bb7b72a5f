"""Reading the audit log (newest first, keyset pagination)."""

from __future__ import annotations

from typing import Any

from shared.db.tables import AuditLog


async def list_audit_rows(
    *, brand_ids: list[int], before_id: int | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    query = AuditLog.select().where(AuditLog.brand.is_in(brand_ids)).order_by(AuditLog.id, ascending=False).limit(limit)
    if before_id is not None:
        query = query.where(AuditLog.id < before_id)
    return await query
