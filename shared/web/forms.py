"""Reading submitted forms as plain strings, so a rejected form can be shown again as typed."""

from __future__ import annotations

from typing import Any

from litestar import Request


async def read_form(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The submitted fields (text only; files are handled by the storage flow, never here)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}
