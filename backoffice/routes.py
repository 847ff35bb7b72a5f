"""The back-office side, mounted at /backoffice."""

from litestar import Router

from backoffice import (
    board,
    campaigns,
    contracts,
    conversions,
    creators,
    disclosure,
    exports,
    library,
    notifications,
    offers,
    payouts,
    reconciliation,
    results,
    reviews,
    shell,
    stripe_events,
    tax,
    threads,
    workspace,
)
from backoffice.account import (
    account_page,
    disable_totp,
    enable_totp,
    regenerate_recovery_codes,
    set_time_zone,
    sign_out_everywhere,
    totp_page,
)
from backoffice.audit import audit_log
from backoffice.auth import code_page, enrol_page, signin, signin_page, signout, submit_code, submit_enrolment
from backoffice.brands import brand_home, brands_list, create_brand, new_brand_page
from backoffice.deps import BRAND_DEPENDENCIES, STAFF_DEPENDENCIES
from backoffice.invitations import accept_invitation, invitation_page
from backoffice.sso import sso_callback, sso_start
from backoffice.team import change_role, invite, remove_member, revoke_invitation, team_page

staff_router = Router(
    path="/",
    route_handlers=[
        brands_list,
        new_brand_page,
        create_brand,
        brand_home,
        team_page,
        invite,
        revoke_invitation,
        change_role,
        remove_member,
        audit_log,
        account_page,
        totp_page,
        enable_totp,
        disable_totp,
        regenerate_recovery_codes,
        sign_out_everywhere,
        set_time_zone,
        # One module per area; each lists its handlers in HANDLERS.
        *creators.HANDLERS,
        *campaigns.HANDLERS,
        *offers.HANDLERS,
        *board.HANDLERS,
        *threads.HANDLERS,
        *notifications.HANDLERS,
        *disclosure.HANDLERS,
        *reviews.HANDLERS,
        *workspace.HANDLERS,
        *contracts.HANDLERS,
        *library.HANDLERS,
        *stripe_events.HANDLERS,
        *payouts.HANDLERS,
        *tax.HANDLERS,
        *exports.HANDLERS,
        *results.HANDLERS,
        *conversions.HANDLERS,
        *reconciliation.HANDLERS,
    ],
    dependencies={**STAFF_DEPENDENCIES, **BRAND_DEPENDENCIES},
    before_request=shell.prepare_shell,  # the header's unread badge and the brand's navigation
)

backoffice_router = Router(
    path="/backoffice",
    route_handlers=[
        signin_page,
        signin,
        code_page,
        submit_code,
        enrol_page,
        submit_enrolment,
        signout,
        sso_start,
        sso_callback,
        invitation_page,
        accept_invitation,
        *results.PUBLIC_HANDLERS,
        staff_router,
    ],
)
