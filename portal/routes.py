"""The creator portal, mounted at /."""

from litestar import Router

from portal import (
    content,
    contracts,
    join,
    links,
    notifications,
    offers,
    payments,
    results,
    rights,
    tax,
    threads,
    verify,
    work,
)
from portal.accounts import accounts_page, link_account, unlink_account
from portal.auth import oauth_callback, oauth_start, signout
from portal.dashboard import dashboard
from portal.deps import CREATOR_DEPENDENCIES
from portal.home import home, signin_page
from portal.onboarding import onboarding_page, save_onboarding
from portal.privacy import delete_account, delete_page, export_data, privacy_page

creator_router = Router(
    path="/",
    route_handlers=[
        dashboard,
        onboarding_page,
        save_onboarding,
        accounts_page,
        link_account,
        unlink_account,
        privacy_page,
        export_data,
        delete_page,
        delete_account,
        # One module per area; each lists its handlers in HANDLERS.
        *offers.HANDLERS,
        *contracts.HANDLERS,
        *work.HANDLERS,
        *results.HANDLERS,
        *links.HANDLERS,
        *content.HANDLERS,
        *threads.HANDLERS,
        *notifications.HANDLERS,
        *payments.HANDLERS,
        *rights.HANDLERS,
        *tax.HANDLERS,
    ],
    dependencies=CREATOR_DEPENDENCIES,
    before_request=notifications.count_unread_for_nav,  # the header's unread badge
)

portal_router = Router(
    path="/",
    route_handlers=[
        home,
        signin_page,
        oauth_start,
        oauth_callback,
        signout,
        *join.HANDLERS,
        *verify.HANDLERS,
        creator_router,
    ],
)
