"""Contract actions: templates, generating, sending, viewing, signing, countersigning, declining, voiding,
expiring and reminding. Each one locks the contract row, checks the state machine (shared.contracts.rules),
appends to the evidence chain and writes an audit row in one transaction; notifications go out with it.

Rendering and sealing are CPU-bound: they run in a worker thread (`asyncio.to_thread`), never on the loop.

By family: templates, generating (and sending), amendments (usage-rights renewals), viewing (views and
downloads), signing (sign and countersign), voiding (decline and void), deadlines (expiry and reminders);
common holds what several share.
"""

from shared.contracts.actions.amendments import RenderedAmendment, insert_renewal_amendment, render_renewal_amendment
from shared.contracts.actions.common import (
    BrandSide,
    ContractTools,
    contract_tools,
    creator_contract_link,
    staff_contract_link,
)
from shared.contracts.actions.deadlines import REMIND_AFTER, REMIND_BEFORE_EXPIRY, expire_contracts, remind_signers
from shared.contracts.actions.generating import do_generate_contract, do_send_contract
from shared.contracts.actions.signing import (
    FreshSignInRequired,
    SecondFactorRequired,
    do_countersign_contract,
    do_sign_contract,
)
from shared.contracts.actions.templates import EXPIRY_DAYS_MAX, do_save_template, ensure_default_template
from shared.contracts.actions.viewing import ContractFile, do_download_contract, do_record_download, do_record_view
from shared.contracts.actions.voiding import do_decline_contract, do_void_contract

__all__ = [
    "EXPIRY_DAYS_MAX",
    "REMIND_AFTER",
    "REMIND_BEFORE_EXPIRY",
    "BrandSide",
    "ContractFile",
    "ContractTools",
    "FreshSignInRequired",
    "RenderedAmendment",
    "SecondFactorRequired",
    "contract_tools",
    "creator_contract_link",
    "do_countersign_contract",
    "do_decline_contract",
    "do_download_contract",
    "do_generate_contract",
    "do_record_download",
    "do_record_view",
    "do_save_template",
    "do_send_contract",
    "do_sign_contract",
    "do_void_contract",
    "ensure_default_template",
    "expire_contracts",
    "insert_renewal_amendment",
    "remind_signers",
    "render_renewal_amendment",
    "staff_contract_link",
]
