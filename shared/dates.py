"""The one way a day reads, on both sides and in emails: "Mon 14 Dec 2026" (templates' `when` filter too)."""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

DAY_FORMAT = "%a %d %b %Y"


def format_day(value: dt.date | None) -> str:
    """'Mon 14 Dec 2026' (a moment reads as its UTC day); '—' for none."""
    return value.strftime(DAY_FORMAT) if value else "—"


TIME_ZONE_MAX = 64


def known_time_zone(name: str) -> bool:
    """An IANA zone this server knows ("America/New_York"); '' (UTC) counts as known."""
    if not name:
        return True
    return len(name) <= TIME_ZONE_MAX and name in _zones()


def today_in(zone: str, now: dt.datetime | None = None) -> dt.date:
    """The calendar day it is in `zone` ('' or unknown: UTC) at `now` (default: this moment)."""
    moment = now or dt.datetime.now(dt.UTC)
    if not zone or not known_time_zone(zone):
        return moment.astimezone(dt.UTC).date()
    return moment.astimezone(ZoneInfo(zone)).date()


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def time_zone_names() -> list[str]:
    """Every zone, sorted (the choices a page offers)."""
    return sorted(_zones())
