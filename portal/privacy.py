"""Privacy: download my data, delete my account (with a confirm step)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.plugins.flash import flash
from litestar.response import Redirect, Template

from portal.guards import requires_creator
from shared.audit.context import Actor
from shared.creators.actions import do_delete_creator_account, do_export_creator_data
from shared.creators.queries import CreatorContext
from shared.web.auth import end_session
from shared.web.forms import Form, Text, read_form

CONFIRM_WORD = "DELETE"


CONFIRM_FORM = Form(confirm=Text(max_length=40))


@get("/privacy", guards=[requires_creator], name="portal:privacy")
async def privacy_page(creator: NamedDependency[CreatorContext]) -> Template:
    return Template("portal/privacy.html", context={"creator": creator})


@get("/privacy/export", guards=[requires_creator], name="portal:privacy_export")
async def export_data(creator: NamedDependency[CreatorContext], actor: NamedDependency[Actor]) -> Response[bytes]:
    archive = await do_export_creator_data(actor, creator.id)
    filename = f"rapport-my-data-{dt.date.today().isoformat()}.zip"
    return Response(
        archive,
        media_type="application/zip",
        headers={"content-disposition": f'attachment; filename="{filename}"', "cache-control": "no-store"},
    )


def _confirm_page(error: str = "", status: int = 200) -> Template:
    return Template(
        "portal/privacy_delete.html", context={"error": error, "confirm_word": CONFIRM_WORD}, status_code=status
    )


@get("/privacy/delete", guards=[requires_creator], name="portal:privacy_delete")
async def delete_page(creator: NamedDependency[CreatorContext]) -> Template:
    return _confirm_page()


@post("/privacy/delete", guards=[requires_creator], status_code=303, opt={"form": CONFIRM_FORM})
async def delete_account(
    request: Request[Any, Any, Any], creator: NamedDependency[CreatorContext], actor: NamedDependency[Actor]
) -> Template | Redirect:
    form = await read_form(request)
    if form.errors or form.values["confirm"].strip() != CONFIRM_WORD:
        return _confirm_page(f"Type {CONFIRM_WORD} in capitals to confirm.", status=400)
    await do_delete_creator_account(actor, creator.id)
    end_session(request)
    flash(request, "Your account is deleted. Thank you for using Rapport.", category="info")
    return Redirect("/", status_code=303)
