"""Writing audit rows. Called by every action, inside its transaction, so the row commits with the change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.audit.context import Actor
from shared.db.tables import AuditLog


async def write_audit_row(
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: int | str,
    *,
    brand_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    await AuditLog.insert(
        AuditLog(
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_label=actor.label,
            brand=brand_id,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            before=dict(before) if before is not None else None,
            after=dict(after) if after is not None else None,
            ip=actor.ip,
            request_id=actor.request_id,
        )
    )
