"""Authorization rows for contracts: owners and managers generate, send, countersign and void; every role at the
brand reads and downloads; on the portal only the creator the contract is for (Bilal gets 404); /verify is public."""

from __future__ import annotations

from litestar import Litestar

from shared.audit.context import system_actor
from shared.contracts.actions import ContractTools, do_generate_contract, do_send_contract, ensure_default_template
from shared.contracts.sealing import generated_seal_key
from shared.identity.rules import Role
from tests.authz import NOTFOUND, SIGNIN, Route, creator_only, public, staff_only
from tests.conftest import Cast
from tests.contract_helpers import SEAL_DIR, brand_side
from tests.factories import agreed_deal

B = "/backoffice/b/{brand_slug:str}"
U = "/backoffice/b/acme"
MANAGERS = (Role.OWNER, Role.MANAGER)
MINE = creator_only(other_creator=NOTFOUND)
# The matrix's sessions carry no sign-in time, so signing asks the creator to sign in again (fresh sign-in rule).
SIGN = MINE | {"creator_a": SIGNIN}

ROUTES = [
    Route("GET", f"{B}/contracts", f"{U}/contracts", staff_only(brand_scoped=True)),
    Route(
        "POST",
        f"{B}/offers/{{collaboration_id:int}}/contract",
        f"{U}/offers/{{deal_without_contract}}/contract",
        staff_only(brand_scoped=True, roles=MANAGERS),
    ),
    Route("GET", f"{B}/contracts/{{contract_id:int}}", f"{U}/contracts/{{contract}}", staff_only(brand_scoped=True)),
    Route(
        "GET",
        f"{B}/contracts/{{contract_id:int}}/pdf",
        f"{U}/contracts/{{contract}}/pdf",
        staff_only(brand_scoped=True),
    ),
    # Whatever the state, the answer is the contract page (with a message when refused).
    Route(
        "POST",
        f"{B}/contracts/{{contract_id:int}}/send",
        f"{U}/contracts/{{contract}}/send",
        staff_only(brand_scoped=True, roles=MANAGERS),
    ),
    Route(
        "POST",
        f"{B}/contracts/{{contract_id:int}}/countersign",
        f"{U}/contracts/{{contract}}/countersign",
        staff_only(brand_scoped=True, roles=MANAGERS),
    ),
    Route(
        "POST",
        f"{B}/contracts/{{contract_id:int}}/void",
        f"{U}/contracts/{{contract}}/void",
        staff_only(brand_scoped=True, roles=MANAGERS),
    ),
    Route("GET", "/contracts", "/contracts", creator_only()),
    Route("GET", "/contracts/{contract_id:int}", "/contracts/{contract}", MINE),
    Route("GET", "/contracts/{contract_id:int}/pdf", "/contracts/{contract}/pdf", MINE),
    Route("POST", "/contracts/{contract_id:int}/sign", "/contracts/{contract}/sign", SIGN),
    Route("POST", "/contracts/{contract_id:int}/decline", "/contracts/{contract}/decline", MINE),
    Route("GET", "/verify", "/verify", public()),
    Route("POST", "/verify", "/verify", public()),  # no file: 400 with a message
]


async def placeholders_for_app(cast: Cast, app: Litestar) -> dict[str, str]:
    """A contract sent to Alice (its PDF in the app's own storage), and an accepted deal with no contract yet."""
    actor = system_actor("matrix")
    tools = ContractTools(app.state["storage"], generated_seal_key(SEAL_DIR))
    bob = await brand_side(cast.bob_id, cast.acme_id)
    deal = await agreed_deal(cast)
    contract_id = await do_generate_contract(actor, bob, tools, collaboration_id=deal.collaboration_id)
    await do_send_contract(actor, bob, contract_id=contract_id)
    other = await agreed_deal(cast)
    template_id = await ensure_default_template(actor, cast.acme_id)
    return {
        "contract": str(contract_id),
        "deal_without_contract": str(other.collaboration_id),
        "template": str(template_id),
    }


T = f"{B}/contract-templates"
TU = f"{U}/contract-templates"
ROUTES += [
    Route("GET", T, TU, staff_only(brand_scoped=True, roles=MANAGERS)),
    Route("GET", f"{T}/new", f"{TU}/new", staff_only(brand_scoped=True, roles=MANAGERS)),
    Route("POST", T, TU, staff_only(brand_scoped=True, roles=MANAGERS)),  # empty form: 400
    Route("GET", f"{T}/{{template_id:int}}", f"{TU}/{{template}}", staff_only(brand_scoped=True, roles=MANAGERS)),
    Route("POST", f"{T}/{{template_id:int}}", f"{TU}/{{template}}", staff_only(brand_scoped=True, roles=MANAGERS)),
]
