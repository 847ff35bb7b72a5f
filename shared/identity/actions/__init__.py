"""Identity actions, one module per family; each action is one transaction that writes its audit row.

The names are re-exported here, so `from shared.identity.actions import do_create_brand` keeps working."""

from shared.identity.actions.brands import do_create_brand, do_grant_membership
from shared.identity.actions.common import normalise_email
from shared.identity.actions.creators import SocialAccount, do_create_creator
from shared.identity.actions.second_factor import (
    TotpSetup,
    check_second_factor,
    check_totp_enrolment,
    do_disable_totp,
    do_regenerate_recovery_codes,
    do_sign_out_everywhere,
    do_start_totp_enrolment,
)
from shared.identity.actions.staff import (
    ALREADY_LINKED,
    NO_STAFF_ACCOUNT,
    SsoRefused,
    check_staff_sign_in,
    check_staff_sso_sign_in,
    do_create_staff_user,
    do_record_staff_sso_failure,
)
from shared.identity.actions.team import (
    check_accept_invitation_as_new_staff,
    do_accept_invitation,
    do_change_member_role,
    do_invite_staff,
    do_remove_member,
    do_revoke_invitation,
)
from shared.identity.actions.time_zones import do_set_time_zone

__all__ = [
    "ALREADY_LINKED",
    "NO_STAFF_ACCOUNT",
    "SocialAccount",
    "SsoRefused",
    "TotpSetup",
    "check_accept_invitation_as_new_staff",
    "check_second_factor",
    "check_staff_sign_in",
    "check_staff_sso_sign_in",
    "check_totp_enrolment",
    "do_accept_invitation",
    "do_change_member_role",
    "do_create_brand",
    "do_create_creator",
    "do_create_staff_user",
    "do_disable_totp",
    "do_grant_membership",
    "do_invite_staff",
    "do_record_staff_sso_failure",
    "do_regenerate_recovery_codes",
    "do_remove_member",
    "do_revoke_invitation",
    "do_set_time_zone",
    "do_sign_out_everywhere",
    "do_start_totp_enrolment",
    "normalise_email",
]
