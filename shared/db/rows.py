"""Small helpers for rows read with raw SQL (get_engine().fetch)."""

from __future__ import annotations

import json
from typing import Any


def jsonb(value: Any) -> dict[str, Any]:
    """A JSONB column as a dict: asyncpg hands raw queries JSONB as text, Piccolo as a dict."""
    if isinstance(value, str):
        loaded: dict[str, Any] = json.loads(value)
        return loaded
    return dict(value or {})
