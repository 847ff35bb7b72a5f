"""Sessions as data: whose they are, ending them (sign out everywhere), sweeping expired ones.

The HTTP side (cookies, the Litestar store) is shared/web/sessions.py; this part is framework-free
so actions and jobs can use it.
"""

from __future__ import annotations

import datetime as dt
import json

from shared.db.tables import WebSession


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


SUBJECT_KEYS = (("staff_id", "staff"), ("creator_id", "creator"))


def session_subject(data: bytes) -> str | None:
    """'staff:12' or 'creator:5' for a signed-in session's data, so all of a person's sessions can be found."""
    try:
        values = json.loads(data)
    except ValueError:
        return None
    if isinstance(values, dict):
        for key, kind in SUBJECT_KEYS:
            if isinstance(values.get(key), int):
                return f"{kind}:{values[key]}"
    return None


async def delete_expired_sessions(absolute_seconds: int = 60 * 60 * 24 * 14) -> int:
    rows = await WebSession.raw(
        "DELETE FROM web_session WHERE expires_at <= now() OR created_at <= {} RETURNING id",
        _now() - dt.timedelta(seconds=absolute_seconds),
    )
    return len(rows)


async def revoke_sessions(subject: str, *, except_key: str | None = None) -> int:
    """End every session of one person ('staff:12'), optionally keeping the current one."""
    query = WebSession.delete().where(WebSession.subject == subject)
    if except_key:
        query = query.where(WebSession.key != except_key)
    rows = await query.returning(WebSession.id)
    return len(rows)
