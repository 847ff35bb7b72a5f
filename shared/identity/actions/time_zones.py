"""A person's time zone: the day "today" is on their pages (usage rights windows are whole days)."""

from __future__ import annotations

from typing import Literal

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.dates import known_time_zone
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import InvalidInput, NotFound

_TABLES = {"staff": "staff_user", "creator": "creator"}


async def do_set_time_zone(actor: Actor, kind: Literal["staff", "creator"], person_id: int, *, zone: str) -> None:
    """A staff member or creator sets their own time zone (an IANA name, or '' for UTC)."""
    cleaned = zone.strip()
    if not known_time_zone(cleaned):
        raise InvalidInput(
            {"time_zone": "Choose a time zone from the list, like America/New_York (or leave it empty for UTC)."}
        )
    async with atomic():
        table = _TABLES[kind]
        rows = await get_engine().fetch(
            f"SELECT time_zone FROM {table} WHERE id = $1 FOR UPDATE",  # noqa: S608 (a constant)
            person_id,
        )
        if not rows:
            raise NotFound("No such person.")
        await get_engine().fetch(f"UPDATE {table} SET time_zone = $2 WHERE id = $1", person_id, cleaned)  # noqa: S608
        await write_audit_row(
            actor,
            f"{kind}.time_zone_set",
            kind,
            person_id,
            before={"time_zone": rows[0]["time_zone"]},
            after={"time_zone": cleaned},
        )
