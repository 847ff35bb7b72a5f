"""The one way a day reads, on both sides and in emails: "Mon 14 Dec 2026" (templates' `when` filter too)."""

from __future__ import annotations

import datetime as dt

DAY_FORMAT = "%a %d %b %Y"


def format_day(value: dt.date | None) -> str:
    """'Mon 14 Dec 2026' (a moment reads as its UTC day); '—' for none."""
    return value.strftime(DAY_FORMAT) if value else "—"
