"""The creator portal, mounted at /."""

from litestar import Router

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
    ],
    dependencies=CREATOR_DEPENDENCIES,
)

portal_router = Router(
    path="/", route_handlers=[home, signin_page, oauth_start, oauth_callback, signout, creator_router]
)
