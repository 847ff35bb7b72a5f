"""Small helpers the identity actions share."""

from __future__ import annotations

import datetime as dt

from shared.db.tables import StaffUser


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def normalise_email(email: str) -> str:
    return email.strip().lower()


async def _has_totp(staff_id: int) -> bool:
    return bool(await StaffUser.exists().where((StaffUser.id == staff_id) & StaffUser.totp_enabled_at.is_not_null()))
