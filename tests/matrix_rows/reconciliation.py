"""Authorization rows for reconciliation: finance and owners only (managers, reviewers and viewers get 403; other
brands 404; creators and strangers are sent to sign in)."""

from __future__ import annotations

import datetime as dt

from shared.db.engine import get_engine
from shared.identity.rules import Role
from shared.reconciliation.engine import Row, _start, _write
from shared.reconciliation.queue import queue_run
from shared.reconciliation.rules import Result
from tests.authz import Route, staff_only
from tests.conftest import Cast

B = "/backoffice/b/{brand_slug:str}/reconciliation"
U = "/backoffice/b/acme/reconciliation"
FINANCE = staff_only(brand_scoped=True, roles=(Role.OWNER, Role.FINANCE))

ROUTES = [
    Route("GET", B, U, FINANCE),
    Route("GET", f"{B}/runs/{{run_id:int}}", f"{U}/runs/{{recon_run}}", FINANCE),
    # Empty forms: 400 with the message for those allowed.
    Route("POST", f"{B}/run", f"{U}/run", FINANCE),
    Route("POST", f"{B}/close", f"{U}/close", FINANCE),
    Route("POST", f"{B}/breaks/{{item_id:int}}/note", f"{U}/breaks/{{recon_break}}/note", FINANCE),
    Route("POST", f"{B}/breaks/{{item_id:int}}/correct", f"{U}/breaks/{{recon_break}}/correct", FINANCE),
]


async def placeholders(cast: Cast) -> dict[str, str]:
    """A run of Acme's March 2025 that found a transfer made outside Rapport (an open break)."""
    run_id = await queue_run(cast.acme_id, dt.date(2025, 3, 1), None)
    assert run_id is not None
    progress = await _start(run_id)
    assert progress is not None
    outside = Row("tr_1MatrixOutside", "transfer", Result.STRIPE_ONLY, "tr_1MatrixOutside", None, "USD", 4200, None,
                  1741500000, "No payable in Rapport made or expects this transfer.")  # fmt: skip
    await _write(progress, [outside])
    rows = await get_engine().fetch("SELECT id FROM reconciliation_item WHERE key = 'tr_1MatrixOutside'")
    return {"recon_run": str(run_id), "recon_break": str(rows[0]["id"])}
