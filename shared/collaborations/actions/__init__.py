"""Offers and deals, one module per family: sending, answering (counter, accept, decline, withdraw), seeding.

Each action locks the collaboration row (SELECT … FOR UPDATE) before checking the state machine,
so two people answering at once (a creator accepting while the brand withdraws) cannot both win.
The names are re-exported here, so `from shared.collaborations.actions import do_accept_offer` keeps working.
"""

from shared.collaborations.actions.answers import (
    check_counter_offer,
    do_accept_offer,
    do_decline_offer,
    do_withdraw_offer,
)
from shared.collaborations.actions.offers import OPEN_CAMPAIGN, check_send_offers
from shared.collaborations.actions.seeding import (
    ADDRESS_MAX,
    do_confirm_receipt,
    do_give_shipping_address,
    do_record_shipment,
)
from shared.collaborations.actions.sides import (
    BrandSide,
    CreatorSide,
    Side,
    creator_offer_link,
    staff_offer_link,
    staff_recipients,
)

__all__ = [
    "ADDRESS_MAX",
    "OPEN_CAMPAIGN",
    "BrandSide",
    "CreatorSide",
    "Side",
    "check_counter_offer",
    "check_send_offers",
    "creator_offer_link",
    "do_accept_offer",
    "do_confirm_receipt",
    "do_decline_offer",
    "do_give_shipping_address",
    "do_record_shipment",
    "do_withdraw_offer",
    "staff_offer_link",
    "staff_recipients",
]
