"""Piccolo tables: the whole schema in one place, grouped by area.

Conventions: singular PascalCase names; money as integer minor units plus a currency code;
times are timestamptz in UTC; every table that people change has an audit trail in AuditLog.
"""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Array,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.constraints import Unique
from piccolo.table import Table

# --- identity: brands (tenants), staff and their roles ---------------------------------------


class StaffUser(Table):
    """A person who works in the back-office; their access comes from memberships."""

    id: Serial

    email = Varchar(length=320, unique=True, index=True)
    name = Varchar(length=200)
    password_hash = Varchar(length=200, null=True, default=None)
    # Deployment administrator: may create brands and manage the whole installation.
    is_admin = Boolean(default=False)
    is_active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_sign_in_at = Timestamptz(null=True, default=None)
    # TOTP second factor: the secret is encrypted (shared.crypto); enabled once confirmed.
    totp_secret_enc = Text(null=True, default=None)
    totp_enabled_at = Timestamptz(null=True, default=None)
    # Optional single sign-on identity (provider name, subject) for staff.
    sso_provider = Varchar(length=40, null=True, default=None)
    sso_subject = Varchar(length=255, null=True, default=None)


class Brand(Table):
    """A tenant: its staff see its data and nothing else."""

    id: Serial

    name = Varchar(length=200)
    slug = Varchar(length=80, unique=True, index=True)
    default_currency = Varchar(length=3, default="USD")
    created_at = Timestamptz(default=TimestamptzNow())


class Membership(Table):
    """A staff member's role at one brand."""

    id: Serial

    staff = ForeignKey(StaffUser, null=False, index=True)
    brand = ForeignKey(Brand, null=False, index=True)
    role = Varchar(length=20)
    created_at = Timestamptz(default=TimestamptzNow())
    unique_staff_brand = Unique(["staff", "brand"])


class StaffInvitation(Table):
    """A one-time link inviting someone to a brand with a role; only the token's hash is stored."""

    id: Serial

    email = Varchar(length=320, index=True)
    brand = ForeignKey(Brand, null=False, index=True)
    role = Varchar(length=20)
    token_hash = Varchar(length=64, unique=True)
    invited_by = ForeignKey(StaffUser, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class RecoveryCode(Table):
    """Single-use codes that stand in for the TOTP device; only hashes are stored."""

    id: Serial

    staff = ForeignKey(StaffUser, null=False, index=True)
    code_hash = Varchar(length=64)
    used_at = Timestamptz(null=True, default=None)


class SignInThrottle(Table):
    """Failed sign-ins per account and per IP, for growing delays (key 'account:<email>' or 'ip:<addr>')."""

    id: Serial

    key = Varchar(length=400, unique=True)
    failures = Integer(default=0)
    last_failure_at = Timestamptz(null=True, default=None)
    locked_until = Timestamptz(null=True, default=None)


# --- creators ----------------------------------------------------------------------------------


class Creator(Table):
    """One global creator identity, reused across every brand they work with."""

    id: Serial

    display_name = Varchar(length=200)
    email = Varchar(length=320, null=True, default=None, unique=True)
    country = Varchar(length=2, null=True, default=None)
    niches = Array(base_column=Varchar(length=50), default=list)
    bio = Text(default="")
    open_to_offers = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    # Onboarding: what they charge and what they want from a collaboration.
    onboarded_at = Timestamptz(null=True, default=None)
    rate_minor = Integer(null=True, default=None)  # typical fee per post, minor units
    rate_currency = Varchar(length=3, default="USD")
    wants = Array(base_column=Varchar(length=20), default=list)  # money | product | exposure
    content_preferences = Text(default="")
    # Set when the creator deleted their account: personal fields are anonymised, finance rows kept.
    deleted_at = Timestamptz(null=True, default=None)


class SocialIdentity(Table):
    """A social account linked to a creator; (provider, subject) belongs to one creator only."""

    id: Serial

    creator = ForeignKey(Creator, null=False, index=True)
    provider = Varchar(length=40)
    subject = Varchar(length=255)
    handle = Varchar(length=100, index=True)
    # None means the platform hides the count.
    followers = Integer(null=True, default=None)
    followers_read_at = Timestamptz(null=True, default=None)
    followers_source = Varchar(length=40, default="")
    engagements_per_post = Integer(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    profile_url = Varchar(length=500, default="")
    # OAuth tokens, encrypted at rest (shared.crypto); refreshed by a periodic job.
    access_token_enc = Text(null=True, default=None)
    refresh_token_enc = Text(null=True, default=None)
    token_expires_at = Timestamptz(null=True, default=None)
    scopes = Varchar(length=500, default="")
    status = Varchar(length=20, default="active")  # active | reconnect_needed
    last_refreshed_at = Timestamptz(null=True, default=None)
    unique_provider_subject = Unique(["provider", "subject"])


# --- audit -------------------------------------------------------------------------------------


class AuditLog(Table):
    """Append-only record of every state change (a trigger refuses UPDATE and DELETE)."""

    id: Serial

    occurred_at = Timestamptz(default=TimestamptzNow(), index=True)
    actor_kind = Varchar(length=20)  # staff | creator | system
    actor_id = Integer(null=True, default=None)
    actor_label = Varchar(length=320, default="")
    brand = ForeignKey(Brand, null=True, default=None, index=True)
    action = Varchar(length=80, index=True)
    subject_type = Varchar(length=40)
    subject_id = Varchar(length=64)
    before = JSONB(null=True, default=None)
    after = JSONB(null=True, default=None)
    ip = Varchar(length=45, default="")
    request_id = Varchar(length=64, default="")


# --- web plumbing and jobs ---------------------------------------------------------------------


class WebSession(Table):
    """Server-side session data (Litestar Store), so sessions survive restarts and span processes."""

    id: Serial

    key = Varchar(length=128, unique=True)
    data = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)
    # Who the session belongs to ('staff:12', 'creator:5'), so "sign out everywhere" can find them.
    subject = Varchar(length=40, null=True, default=None, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class WorkerHeartbeat(Table):
    """Last time each worker ran the periodic heartbeat job: proof that jobs execute."""

    id: Serial

    worker = Varchar(length=200, unique=True)
    beat_at = Timestamptz(default=TimestamptzNow())
