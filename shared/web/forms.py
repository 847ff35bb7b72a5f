"""Reading a submitted form by the declaration on its route (the declarations are in shared.forms).

    @post("/notes", guards=[...], opt={"form": NOTE})
    async def add_note(request, ...):
        form = await read_form(request)

See shared/forms.py and docs/architecture.md ("Declaring a form").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request

from shared.forms import (
    INT32_MAX,
    INT64_MAX,
    Amount,
    Choice,
    Date,
    Field,
    Flag,
    Form,
    Id,
    Integer,
    Many,
    SubmittedForm,
    Text,
    fields_named,
)

__all__ = [
    "INT32_MAX",
    "INT64_MAX",
    "Amount",
    "Choice",
    "Date",
    "Field",
    "Flag",
    "Form",
    "Id",
    "Integer",
    "Many",
    "SubmittedForm",
    "Text",
    "declared_form",
    "fields_named",
    "read_form",
]

FORM_OPT = "form"


def declared_form(handler_opt: Mapping[str, Any]) -> Form | None:
    """The form a route declares (`opt={"form": ...}` on its decorator), if any."""
    form = handler_opt.get(FORM_OPT)
    return form if isinstance(form, Form) else None


async def read_form(request: Request[Any, Any, Any]) -> SubmittedForm:
    """The submitted form, read by the declaration on the route (files are never read here)."""
    declaration = declared_form(request.route_handler.opt)
    if declaration is None:
        raise RuntimeError(f"{request.route_handler.handler_name} reads a form but declares none (opt={{'form': ...}})")
    data = await request.form()
    return declaration.clean({key: data.getall(key) for key in data})
