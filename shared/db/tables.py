"""Piccolo tables: the whole schema in one place, grouped by area.

Conventions: singular PascalCase names; money as integer minor units plus a currency code;
times are timestamptz in UTC; every table that people change has an audit trail in AuditLog.
"""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Array,
    BigInt,
    Boolean,
    Bytea,
    Date,
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
    # The IANA zone "today" is read in on their pages (usage rights); '' reads as UTC.
    time_zone = Varchar(length=64, default="")
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
    # Payment terms: a payable is due this many days after its milestone (shown in offers and contracts).
    payment_terms_days = Integer(default=30)


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
    time_zone = Varchar(length=64, default="")  # IANA; '' reads as UTC (their usage rights page's "today")
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
    # 'signup' (signed in themselves) or 'prospect' (added by a brand, not yet signed in).
    # A prospect is visible only to brands that have a relationship with them.
    source = Varchar(length=20, default="signup")
    # Search projection kept up to date by shared.creators.projection whenever accounts or
    # follower counts change: the roster filters and searches these without joining identities.
    followers_total = BigInt(default=0, index=True)
    engagement_bp = Integer(null=True, default=None)  # engagement rate in basis points (1% = 100)
    tier = Varchar(length=10, default="", index=True)  # nano | micro | macro | mega | '' (under 1k)
    platforms = Array(base_column=Varchar(length=40), default=list)
    search_text = Text(default="")  # lower-cased name and handles, trigram-indexed


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


# --- crm: a brand's relationships with creators -----------------------------------------------


class Relationship(Table):
    """A brand's CRM record for one creator: stage, owner, tags."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    creator = ForeignKey(Creator, null=False, index=True)
    # prospect | contacted | negotiating | active | alumni | paused (shared.crm.rules)
    stage = Varchar(length=20, default="prospect")
    owner = ForeignKey(StaffUser, null=True, default=None)
    tags = Array(base_column=Varchar(length=40), default=list)
    created_at = Timestamptz(default=TimestamptzNow())
    last_interaction_at = Timestamptz(default=TimestamptzNow())
    unique_brand_creator = Unique(["brand", "creator"])


class RelationshipNote(Table):
    """A private note staff keep on a creator; never shown to the creator."""

    id: Serial

    relationship = ForeignKey(Relationship, null=False, index=True)
    author = ForeignKey(StaffUser, null=True, default=None)
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class RelationshipEvent(Table):
    """One line of a relationship's timeline: every interaction (offers, messages, drafts, payments)."""

    id: Serial

    brand = ForeignKey(Brand, null=False)
    creator = ForeignKey(Creator, null=False)
    occurred_at = Timestamptz(default=TimestamptzNow())
    kind = Varchar(length=40)  # offer.sent, offer.countered, message, note, stage.changed, ...
    summary = Varchar(length=500)
    link = Varchar(length=500, default="")
    actor_label = Varchar(length=320, default="")


class CreatorInvitation(Table):
    """An email invitation bringing a prospect into the portal; only the token's hash is stored."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    creator = ForeignKey(Creator, null=False, index=True)  # the prospect it will be claimed as
    email = Varchar(length=320)
    token_hash = Varchar(length=64, unique=True)
    invited_by = ForeignKey(StaffUser, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)


# --- campaigns and briefs ----------------------------------------------------------------------


class Campaign(Table):
    """A brand's campaign: objective, budget (minor units), dates, status."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    name = Varchar(length=200)
    objective = Text(default="")
    budget_minor = BigInt(default=0)
    currency = Varchar(length=3, default="USD")
    starts_on = Date(null=True, default=None)
    ends_on = Date(null=True, default=None)
    status = Varchar(length=20, default="draft")  # draft | active | completed | archived
    created_by = ForeignKey(StaffUser, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class BriefVersion(Table):
    """One version of a campaign's brief. Once published it is immutable (a trigger refuses changes)."""

    id: Serial

    campaign = ForeignKey(Campaign, null=False, index=True)
    number = Integer()
    # objectives, audience, key_messages, dos, donts, hashtags, mentions, disclosure,
    # deliverables (templates), timeline, assets (links) — shape in shared.campaigns.rules.Brief
    content = JSONB(default={})
    created_by = ForeignKey(StaffUser, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)
    unique_campaign_number = Unique(["campaign", "number"])


# --- collaborations (offers and deals), deliverables, seeding, messages -----------------------


class Collaboration(Table):
    """An offer and, once accepted, the deal between a campaign and a creator.

    `terms` is the proposal on the table (by `terms_by`); `agreed_terms` is the snapshot frozen
    when both sides accepted. States and moves: shared.collaborations.rules.
    """

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    campaign = ForeignKey(Campaign, null=False, index=True)
    creator = ForeignKey(Creator, null=False, index=True)
    status = Varchar(length=20, default="invited", index=True)
    brief_version = ForeignKey(BriefVersion, null=True, default=None)
    terms = JSONB(default={})
    terms_by = Varchar(length=10, default="brand")  # brand | creator
    fee_minor = BigInt(default=0)  # the fee in `terms`, kept as a column for spend totals
    currency = Varchar(length=3, default="USD")
    agreed_terms = JSONB(null=True, default=None)
    agreed_at = Timestamptz(null=True, default=None)
    decline_reason = Text(default="")
    created_by = ForeignKey(StaffUser, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    unique_campaign_creator = Unique(["campaign", "creator"])


class OfferRevision(Table):
    """Every proposal of terms, in order: the full history of offers and counter-offers."""

    id: Serial

    collaboration = ForeignKey(Collaboration, null=False, index=True)
    number = Integer()
    proposed_by = Varchar(length=10)  # brand | creator
    proposer_label = Varchar(length=320, default="")
    terms = JSONB(default={})
    note = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    unique_collaboration_number = Unique(["collaboration", "number"])


class Deliverable(Table):
    """A piece of content owed under an agreed collaboration (brand/campaign/creator copied for the board)."""

    id: Serial

    collaboration = ForeignKey(Collaboration, null=False, index=True)
    brand = ForeignKey(Brand, null=False)
    campaign = ForeignKey(Campaign, null=False, index=True)
    creator = ForeignKey(Creator, null=False, index=True)
    position = Integer(default=1)
    kind = Varchar(length=20)  # post | reel | story | video | short | stream
    platform = Varchar(length=40)
    title = Varchar(length=200, default="")
    draft_due = Date(null=True, default=None)
    live_due = Date(null=True, default=None, index=True)  # the calendar walks a month of go-live dates
    # The next date that matters for the current status (draft due while drafting, go-live after).
    due_on = Date(null=True, default=None)
    # pending | draft_submitted | changes_requested | approved | live | verified (shared.content rules)
    status = Varchar(length=20, default="pending")
    live_url = Varchar(length=500, default="")
    live_urls = Array(base_column=Varchar(length=500), default=list)  # every URL the creator submitted
    live_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Draft(Table):
    """One version of a deliverable's content: the stored object, its caption, the checks and the review decision.

    upload_state: initiated → uploaded → verified | rejected (or abandoned when a multipart upload was
    given up). Only a verified draft can be submitted for review. Keys are chosen by the server
    (shared.content.rules.storage_key), scoped to creator / deliverable / draft.
    """

    id: Serial

    deliverable = ForeignKey(Deliverable, null=False, index=True)
    brand = ForeignKey(Brand, null=False, index=True)
    creator = ForeignKey(Creator, null=False, index=True)
    version = Integer()
    storage_key = Varchar(length=500, unique=True)
    filename = Varchar(length=255, default="")
    content_type = Varchar(length=100, default="")
    declared_size = BigInt(default=0)
    size = BigInt(null=True, default=None)  # what storage holds, once uploaded
    sha256 = Varchar(length=64, default="")
    checksum = Varchar(length=200, default="")  # what storage reports (S3 composite checksum or ETag)
    upload_id = Varchar(length=500, default="")  # multipart upload id ('' for a single PUT)
    upload_state = Varchar(length=20, default="initiated", index=True)
    rejection_reason = Text(default="")
    caption = Text(default="")
    disclosure_result = Varchar(length=10, default="")  # pass | warn | block
    disclosure_findings = JSONB(default=[])
    disclosure_confirmed = Boolean(default=False)  # on-screen and spoken disclosure, for video and stories
    created_at = Timestamptz(default=TimestamptzNow())
    uploaded_at = Timestamptz(null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
    review_due_at = Timestamptz(null=True, default=None, index=True)
    decision = Varchar(length=30, default="")  # approved | approved_with_notes | changes_requested
    decided_by = ForeignKey(StaffUser, null=True, default=None)
    decided_at = Timestamptz(null=True, default=None)
    unique_deliverable_version = Unique(["deliverable", "version"])


class DraftComment(Table):
    """A review comment on a draft, optionally at a moment of the video; internal or shared with the creator."""

    id: Serial

    draft = ForeignKey(Draft, null=False, index=True)
    author_kind = Varchar(length=10)  # staff | creator
    author_id = Integer()
    author_label = Varchar(length=320, default="")
    body = Text()
    at_ms = Integer(null=True, default=None)  # position in the video, milliseconds
    shared = Boolean(default=True)  # False: internal to the brand's team
    created_at = Timestamptz(default=TimestamptzNow())


class DisclosurePolicy(Table):
    """A brand's adjustments to the disclosure rules (extra accepted terms, extra ambiguous tags, per platform)."""

    id: Serial

    brand = ForeignKey(Brand, null=False, unique=True)
    settings = JSONB(default={})
    updated_at = Timestamptz(default=TimestamptzNow())


class Shipment(Table):
    """Product seeding for a collaboration: the creator's address (encrypted), shipping and receipt."""

    id: Serial

    collaboration = ForeignKey(Collaboration, null=False, unique=True)
    product = Varchar(length=300, default="")
    address_enc = Text(null=True, default=None)  # shared.crypto.Encryptor; shown to owners/managers only
    address_given_at = Timestamptz(null=True, default=None)
    carrier = Varchar(length=100, default="")
    tracking_number = Varchar(length=100, default="")
    shipped_at = Timestamptz(null=True, default=None)
    shipped_by = ForeignKey(StaffUser, null=True, default=None)
    received_at = Timestamptz(null=True, default=None)


class Message(Table):
    """A message in a collaboration's thread, from staff or the creator."""

    id: Serial

    collaboration = ForeignKey(Collaboration, null=False, index=True)
    author_kind = Varchar(length=10)  # staff | creator
    author_id = Integer()
    author_label = Varchar(length=320, default="")
    body = Text()
    created_at = Timestamptz(default=TimestamptzNow())


class ThreadRead(Table):
    """How far each reader has read a thread: unread = messages from the other side after this id."""

    id: Serial

    collaboration = ForeignKey(Collaboration, null=False, index=True)
    reader_kind = Varchar(length=10)  # staff | creator
    reader_id = Integer()
    last_read_message_id = Integer(default=0)
    unique_reader = Unique(["collaboration", "reader_kind", "reader_id"])


class Notification(Table):
    """In-app notification, also the outbox for its email: `event_key` is unique so an event
    (an offer, a reminder for one due date) notifies each person once, however often a job runs."""

    id: Serial

    recipient_kind = Varchar(length=10)  # staff | creator
    recipient_id = Integer()
    brand = ForeignKey(Brand, null=True, default=None)
    kind = Varchar(length=40)  # offer.new, offer.countered, offer.accepted, message, due_soon, overdue, ...
    title = Varchar(length=300)
    body = Text(default="")
    link = Varchar(length=500, default="")
    event_key = Varchar(length=300, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    read_at = Timestamptz(null=True, default=None)
    email_to = Varchar(length=320, default="")  # '' = no email for this one
    emailed_at = Timestamptz(null=True, default=None)  # the mail server took it
    # When a sending run took it (shared.notifications.outbox): a run killed before sending leaves it claimed,
    # and the claim lapses after a lease, so the email goes out with a later run instead of never.
    email_claimed_at = Timestamptz(null=True, default=None)


# --- contracts: templates, contracts and their append-only evidence trail ----------------------


class ContractTemplate(Table):
    """A brand's contract template; its text lives in versions (every save is a new one)."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    name = Varchar(length=200)
    governing_law = Varchar(length=200, default="the State of New York, USA")
    expiry_days = Integer(default=14)  # a sent contract not signed after this many days expires
    is_default = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ContractTemplateVersion(Table):
    id: Serial

    template = ForeignKey(ContractTemplate, null=False, index=True)
    number = Integer()
    body = Text()
    created_by = ForeignKey(StaffUser, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())

    unique_template_number = Unique(["template", "number"])


class Contract(Table):
    """One contract document for a collaboration: draft → sent → signed → countersigned → executed (or
    declined, voided, expired). An amendment is a new contract pointing at the one it amends."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    collaboration = ForeignKey(Collaboration, null=False, index=True)
    creator = ForeignKey(Creator, null=False, index=True)
    template_version = ForeignKey(ContractTemplateVersion, null=True, default=None)
    reference = Varchar(length=40, default="")  # RC-<collaboration>-<n>, printed on the document
    amends = Integer(null=True, default=None)  # the contract id this one amends
    status = Varchar(length=20, default="draft", index=True)
    terms = JSONB(default={})  # the frozen terms the document was rendered from
    governing_law = Varchar(length=200, default="")
    html = Text(default="")
    document_key = Varchar(length=300, default="")
    document_sha256 = Varchar(length=64, default="")
    executed_key = Varchar(length=300, default="")
    executed_sha256 = Varchar(length=64, default="", index=True)
    expiry_days = Integer(default=14)
    expires_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    signed_at = Timestamptz(null=True, default=None)
    signer_name = Varchar(length=200, default="")
    countersigned_at = Timestamptz(null=True, default=None)
    countersigner_name = Varchar(length=200, default="")
    executed_at = Timestamptz(null=True, default=None)
    reason = Text(default="")  # why it was declined or voided
    reminded_at = Timestamptz(null=True, default=None)
    chain_head = Varchar(length=64, default="")
    created_by = ForeignKey(StaffUser, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ContractEvent(Table):
    """Evidence: append-only (a trigger refuses UPDATE and DELETE); each row's hash is SHA-256 over the
    previous row's hash and this event's canonical JSON (shared.contracts.evidence)."""

    id: Serial

    contract = ForeignKey(Contract, null=False, index=True)
    seq = Integer()
    kind = Varchar(length=30)
    actor_kind = Varchar(length=20)
    actor_id = Integer(null=True, default=None)
    actor_label = Varchar(length=320, default="")
    ip = Varchar(length=45, default="")
    user_agent = Varchar(length=500, default="")
    at = Timestamptz()
    data = JSONB(default={})
    prev_hash = Varchar(length=64)
    hash = Varchar(length=64)

    unique_contract_seq = Unique(["contract", "seq"])


# --- usage rights ------------------------------------------------------------------------------


class RightsEntry(Table):
    """The rights ledger: append-only (a trigger refuses UPDATE and DELETE). A grant gives the brand a
    deliverable's content on channels × territories (none = worldwide) for a window of whole days; an
    extension or a re-dated grant `supersedes` the entry it replaces; a revocation ends one. The standing
    grants are those no later entry supersedes (shared.rights.queries)."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    collaboration = ForeignKey(Collaboration, null=False)
    deliverable = ForeignKey(Deliverable, null=False, index=True)
    kind = Varchar(length=10)  # grant | extend | revoke
    source = Varchar(length=20, default="")  # approval | go_live | renewal | staff
    channels = Array(base_column=Varchar(length=20), default=list)
    territories = Array(base_column=Varchar(length=2), default=list)  # ISO codes; empty = worldwide
    starts_on = Date(null=True, default=None)
    ends_on = Date(null=True, default=None, index=True)
    supersedes = Integer(null=True, default=None, index=True)  # the entry this one replaces
    reason = Text(default="")
    actor_label = Varchar(length=320, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class RightsChannelSpan(Table):
    """Per brand and channel, the last day any grant or extension on that channel runs to — kept by a trigger on
    rights_entry (migration 2026-11-29T10:30), never written by the app. "Usable now for <channel>" asks it first:
    a channel the brand never had (or whose grants all ended) answers an empty page at once instead of walking
    every asset. It can only say "maybe" (revocations and supersessions are the ledger's to judge)."""

    id: Serial

    brand = ForeignKey(Brand, null=False)
    channel = Varchar(length=20)
    last_ends_on = Date()  # 'infinity' for a grant without an end
    unique_rights_channel_span = Unique(["brand", "channel"])


class RightsRenewal(Table):
    """A brand's proposal to extend a grant (a new last day, for a fee), answered by the creator in the portal
    (accept, counter, decline; a counter is the brand's to answer). Agreed, it becomes an amendment contract; once
    that is executed the extension is added to the rights ledger and the fee is payable. Until then the old end
    date stands (states: shared.rights.rules)."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    deliverable = ForeignKey(Deliverable, null=False, index=True)
    creator = ForeignKey(Creator, null=False, index=True)
    entry = Integer()  # the standing grant it would extend (rights_entry.id)
    ends_on = Date()
    fee_minor = BigInt(default=0)
    currency = Varchar(length=3, default="USD")
    note = Text(default="")
    status = Varchar(length=12, default="proposed")  # proposed | countered | signing | executed | declined | cancelled
    proposed_by = ForeignKey(StaffUser, null=True, default=None)
    extension = Integer(null=True, default=None)  # the ledger entry the executed amendment added
    # What was on the table before the latest counter (the page shows what changed); NULL before any counter.
    previous_ends_on = Date(null=True, default=None)
    previous_fee_minor = BigInt(null=True, default=None)
    counters = Integer(default=0)
    contract = Integer(null=True, default=None)  # the amendment contract (contract.id) once agreed
    payable = Integer(null=True, default=None)  # the renewal fee's payable, once the amendment is executed
    created_at = Timestamptz(default=TimestamptzNow())
    answered_at = Timestamptz(null=True, default=None)
    executed_at = Timestamptz(null=True, default=None)


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


# --- payouts (Stripe Connect) ------------------------------------------------------------------


class PayoutAccount(Table):
    """A creator's Stripe Connect Express account (one per creator, used for every brand), as last read."""

    id: Serial

    creator = ForeignKey(Creator, null=False, unique=True)
    stripe_account_id = Varchar(length=64, unique=True)
    country = Varchar(length=2)
    details_submitted = Boolean(default=False)
    payouts_enabled = Boolean(default=False)
    # requirements.currently_due and disabled_reason, as Stripe last said.
    currently_due = Array(base_column=Varchar(length=100), default=list)
    disabled_reason = Varchar(length=100, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    synced_at = Timestamptz(null=True, default=None, index=True)


class StripeEvent(Table):
    """Every Stripe webhook event received, once (its id is unique), kept whole for audit."""

    id: Serial

    event_id = Varchar(length=100, unique=True)
    type = Varchar(length=100, index=True)
    account = Varchar(length=64, null=True, default=None)  # the connected account, for Connect events
    payload = JSONB()
    received_at = Timestamptz(default=TimestamptzNow())
    processed_at = Timestamptz(null=True, default=None)


# --- payments: payables per milestone, approvals, the transfer outbox ---------------------------


class PaymentPolicy(Table):
    """A brand's maker-checker rule: how many distinct people approve a payable, and who may (owners edit it)."""

    id: Serial

    brand = ForeignKey(Brand, null=False, unique=True)
    approvals_required = Integer(default=1)  # 1..3
    # [{"above_minor": 500000, "approvals": 2}, ...]: a payable above an amount needs more approvers.
    thresholds = JSONB(default=[])
    approver_roles = Array(base_column=Varchar(length=20), default=["finance", "owner"])
    updated_at = Timestamptz(default=TimestamptzNow())


class Payable(Table):
    """Money owed to a creator for one milestone of a collaboration (states: shared.payments.rules)."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    collaboration = ForeignKey(Collaboration, null=False, index=True)
    campaign = ForeignKey(Campaign, null=False, index=True)
    creator = ForeignKey(Creator, null=False, index=True)
    milestone = Varchar(length=20)  # signing | approval | go_live | bonus
    amount_minor = BigInt()
    currency = Varchar(length=3)
    status = Varchar(length=30, default="pending_approval", index=True)
    method = Varchar(length=20, default="stripe")  # stripe | bank_transfer | paypal
    manual_reference = Varchar(length=200, default="")
    note = Text(default="")  # why a bonus was earned
    reason = Text(default="")  # why it waits, failed or was cancelled, in words for finance and the creator
    milestone_at = Timestamptz()
    due_on = Date()
    approvals_required = Integer(default=1)
    # Who may not approve it: the staff member who negotiated the deal, and who marked a bonus met.
    negotiated_by = ForeignKey(StaffUser, null=True, default=None)
    requested_by = ForeignKey(StaffUser, null=True, default=None)
    released_by = ForeignKey(StaffUser, null=True, default=None)
    approved_at = Timestamptz(null=True, default=None)
    released_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    paid_at = Timestamptz(null=True, default=None)
    expected_arrival_on = Date(null=True, default=None)
    stripe_transfer_id = Varchar(length=64, null=True, default=None, unique=True)
    stripe_destination_payment = Varchar(length=64, null=True, default=None, index=True)
    stripe_payout_id = Varchar(length=64, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())

    unique_collaboration_milestone = Unique(["collaboration", "milestone"])


class PayableApproval(Table):
    """One person's decision on a payable; the unique key makes "distinct people" the database's rule."""

    id: Serial

    payable = ForeignKey(Payable, null=False, index=True)
    staff = ForeignKey(StaffUser, null=False)
    staff_name = Varchar(length=200, default="")
    decision = Varchar(length=10)  # approved | refused
    reason = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())

    unique_payable_staff = Unique(["payable", "staff"])


class TransferIntent(Table):
    """The outbox: a released payable's transfer, written with the release, sent by a job, its result kept.

    `generation` is part of the idempotency key; it moves on only when Stripe answered that no transfer
    was made (insufficient balance, an answered error and no transfer found), never per attempt.
    """

    id: Serial

    payable = ForeignKey(Payable, null=False, unique=True)
    state = Varchar(length=20, default="queued", index=True)  # queued | sending | waiting_funds | sent | failed
    generation = Integer(default=1)
    attempts = Integer(default=0)
    last_error = Text(default="")
    job_id = BigInt(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    attempted_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)


# --- ledger: double-entry, append-only ---------------------------------------------------------


class LedgerAccount(Table):
    """An account of a brand in one currency: platform_balance, expense, payable:<creator>, in_transit:<creator>,
    fees, manual (money paid outside Stripe). Balances are sums of entries, never stored."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    currency = Varchar(length=3)
    code = Varchar(length=80)
    kind = Varchar(length=20)
    creator = ForeignKey(Creator, null=True, default=None, index=True)

    unique_brand_currency_code = Unique(["brand", "currency", "code"])


class LedgerJournal(Table):
    """One money event; `key` (unique, from our own ids) makes posting it twice a no-op. Append-only."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    key = Varchar(length=120, unique=True)
    kind = Varchar(length=30)  # accrued | transfer_sent | paid_out | reversed | manual_paid | cancelled
    payable = ForeignKey(Payable, null=True, default=None, index=True)
    reverses = Integer(null=True, default=None)  # the journal a correction reverses
    description = Text(default="")
    stripe_object = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class LedgerEntry(Table):
    """A debit (positive) or credit (negative) to one account; a journal's entries sum to zero per currency
    (a deferred constraint trigger checks at commit). Append-only."""

    id: Serial

    journal = ForeignKey(LedgerJournal, null=False, index=True)
    account = ForeignKey(LedgerAccount, null=False, index=True)
    amount_minor = BigInt()
    currency = Varchar(length=3)


# --- reconciliation: Stripe against our ledger, per brand and month ---------------------------------------


class ReconciliationPeriod(Table):
    """A brand's month of money, reconciled against Stripe; once closed (no open break), no journal may be dated
    inside it (a trigger on ledger_journal refuses it)."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    starts_on = Date()
    ends_on = Date()  # exclusive: the first day of the next month
    state = Varchar(length=10, default="open")  # open | closed
    closed_at = Timestamptz(null=True, default=None)
    closed_by = ForeignKey(StaffUser, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())

    unique_brand_starts_on = Unique(["brand", "starts_on"])


class ReconciliationRun(Table):
    """One reading of Stripe for a period (queued by the daily job or by finance), its progress and its totals."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    period = ForeignKey(ReconciliationPeriod, null=False, index=True)
    state = Varchar(length=10, default="queued")  # queued | running | done | failed
    requested_by = ForeignKey(StaffUser, null=True, default=None)
    pages_read = Integer(default=0)
    items_read = Integer(default=0)
    changed = Integer(default=0)  # items this run added or whose class or amounts changed
    summary = JSONB(default={})  # {class: {currency: {"count": n, "amount_minor": n}}}
    error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)


class ReconciliationItem(Table):
    """One Stripe object (or one payable of ours) of a period and its class; a break keeps its resolution (a note
    or a correcting journal) across reruns. Keyed by our payable when known, else by the Stripe id."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    period = ForeignKey(ReconciliationPeriod, null=False, index=True)
    key = Varchar(length=100)
    kind = Varchar(length=20)  # transfer | payout | fee
    result = Varchar(length=20)  # matched | stripe_only | ours_only | differs | reversed_failed
    stripe_id = Varchar(length=64, default="")
    payable = ForeignKey(Payable, null=True, default=None)
    currency = Varchar(length=3)
    stripe_amount_minor = BigInt(null=True, default=None)
    our_amount_minor = BigInt(null=True, default=None)
    occurred_at = Timestamptz()
    detail = Text(default="")
    resolution = Varchar(length=20, default="")  # '' (matched) | open | noted | corrected
    note = Text(default="")
    resolved_by = ForeignKey(StaffUser, null=True, default=None)
    resolved_at = Timestamptz(null=True, default=None)
    journal = Integer(null=True, default=None)  # the correcting journal
    updated_run = Integer(null=True, default=None)  # the run that last changed it

    unique_period_key = Unique(["period", "key"])


# --- results: live posts checked against the platform, and their metrics ----------------------


class LivePost(Table):
    """One of a deliverable's live posts (one per link submitted) as its platform shows it: the go-live check
    (shared.results) and when to read it.

    state: checking → verified | mismatch | unreachable | unsupported | reconnect (shared.results.rules); a
    reviewer may verify a post by hand (verified_by set, audited).
    """

    id: Serial

    deliverable = ForeignKey(Deliverable, null=False, index=True)
    brand = ForeignKey(Brand, null=False, index=True)
    campaign = ForeignKey(Campaign, null=False, index=True)
    creator = ForeignKey(Creator, null=False, index=True)
    platform = Varchar(length=40)
    url = Varchar(length=500)  # one live post per link the creator submitted for the deliverable
    post_id = Varchar(length=100, default="")  # the platform's id, once found
    state = Varchar(length=20, default="checking", index=True)
    problems = JSONB(default=[])  # sentences both sides read ("The live caption dropped #ad")
    live_caption = Text(default="")
    source = Varchar(length=60, default="")  # which API answered (or "reviewer")
    live_at = Timestamptz(default=TimestamptzNow())
    checked_at = Timestamptz(null=True, default=None)
    verified_at = Timestamptz(null=True, default=None)
    verified_by = ForeignKey(StaffUser, null=True, default=None)
    verified_note = Text(default="")
    next_read_at = Timestamptz(null=True, default=None, index=True)  # the next metrics reading that is due
    reads = Integer(default=0)  # metrics readings done

    unique_deliverable_url = Unique(["deliverable", "url"])


class PostMetric(Table):
    """One reading of a live post's numbers; NULL is "not given by the platform", never 0."""

    id: Serial

    live_post = ForeignKey(LivePost, null=False, index=True)
    read_at = Timestamptz()
    source = Varchar(length=60)
    views = BigInt(null=True, default=None)
    reach = BigInt(null=True, default=None)
    likes = BigInt(null=True, default=None)
    comments = BigInt(null=True, default=None)
    shares = BigInt(null=True, default=None)
    saves = BigInt(null=True, default=None)


class SelfReportedReading(Table):
    """A creator's own reading of a live post's numbers, from a screenshot of the platform's insights (stored in
    object storage; shown to the brand and the creator through a short-lived signed URL). Kept apart from the
    platforms' readings (post_metric): NULL is "not typed", and it is always shown marked "self-reported"."""

    id: Serial

    live_post = ForeignKey(LivePost, null=False, index=True)
    creator = ForeignKey(Creator, null=False, index=True)
    source = Varchar(length=60, default="self-reported")
    reported_at = Timestamptz(default=TimestamptzNow())
    views = BigInt(null=True, default=None)
    reach = BigInt(null=True, default=None)
    likes = BigInt(null=True, default=None)
    comments = BigInt(null=True, default=None)
    shares = BigInt(null=True, default=None)
    saves = BigInt(null=True, default=None)
    note = Text(default="")
    screenshot_key = Varchar(length=500, unique=True)
    screenshot_type = Varchar(length=40)
    screenshot_bytes = Integer(default=0)


class ResultsShare(Table):
    """A read-only link to one campaign's results for people without an account: only the token's hash is kept;
    it expires, and staff can revoke it."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    campaign = ForeignKey(Campaign, null=False, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_by = ForeignKey(StaffUser, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)
    revoked_by = ForeignKey(StaffUser, null=True, default=None)


class TrackedLink(Table):
    """A short redirect for one creator in one campaign (/l/<code>): counts clicks, stores nothing about who clicked."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    campaign = ForeignKey(Campaign, null=False, index=True)
    creator = ForeignKey(Creator, null=False)
    code = Varchar(length=16, unique=True)
    target_url = Varchar(length=500)
    clicks = BigInt(default=0)
    last_click_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(StaffUser, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    unique_tracked_link = Unique(["campaign", "creator"])


class TrackedLinkDay(Table):
    """Clicks on a tracked link per UTC day (the series behind the campaign's clicks chart); still nothing about
    who clicked."""

    id: Serial

    link = ForeignKey(TrackedLink, null=False)
    day = Date()
    clicks = BigInt(default=0)
    unique_tracked_link_day = Unique(["link", "day"])


class DiscountCode(Table):
    """A discount code given to one creator in one campaign: imported orders that used it are that creator's
    conversions. Codes are kept upper-case and are unique per brand (a shop's codes are)."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    campaign = ForeignKey(Campaign, null=False, index=True)
    creator = ForeignKey(Creator, null=False)
    code = Varchar(length=40)
    created_by = ForeignKey(StaffUser, null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    unique_discount_code = Unique(["brand", "code"])


class SaleOrder(Table):
    """One order from the brand's shop, imported from a CSV export, counted once by its order id. It belongs to a
    creator through its discount code, matched when results are read (a code added later still counts)."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    order_ref = Varchar(length=100)
    code = Varchar(length=40, index=True)
    amount_minor = BigInt()
    currency = Varchar(length=3)
    ordered_at = Timestamptz()
    imported_at = Timestamptz(default=TimestamptzNow())
    imported_by = ForeignKey(StaffUser, null=True, default=None)
    unique_sale_order = Unique(["brand", "order_ref"])


class MediaValueRates(Table):
    """The rates a brand sets for earned media value (minor units of `currency`); a rate left empty leaves its
    part out. EMV is never shown without these rates beside it."""

    id: Serial

    brand = ForeignKey(Brand, null=False, unique=True)
    currency = Varchar(length=3)
    per_thousand_views_minor = BigInt(null=True, default=None)
    per_engagement_minor = BigInt(null=True, default=None)
    per_click_minor = BigInt(null=True, default=None)
    updated_by = ForeignKey(StaffUser, null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


# --- tax: creators' tax forms, brands' payout holds (shared.tax) ---------------------------------


class TaxProfile(Table):
    """A creator's tax form (W-9 or W-8BEN), filled in once for every brand. A new submission supersedes the
    current one (history kept; the row with no `superseded_at` serves). The TIN is encrypted with its own key
    (shared.tax.rules.TIN_PURPOSE); only its last four digits are kept in clear, for the mask. Signed under
    penalties of perjury with the evidence contracts keep: the certification's hash, the typed name, time, IP,
    user agent and the sign-in it was made with."""

    id: Serial

    creator = ForeignKey(Creator, null=False, index=True)
    form = Varchar(length=10)  # w9 | w8ben
    legal_name = Varchar(length=200)
    business_name = Varchar(length=200, default="")
    classification = Varchar(length=20, default="")  # W-9 line 3 (shared.tax.rules.CLASSIFICATIONS)
    citizenship = Varchar(length=2, default="")
    address_line1 = Varchar(length=200)
    address_line2 = Varchar(length=200, default="")
    city = Varchar(length=100)
    region = Varchar(length=100, default="")  # a US state's code on a W-9
    postal_code = Varchar(length=20, default="")
    country = Varchar(length=2)  # permanent residence
    tin_kind = Varchar(length=10, default="")  # ssn | itin | ein | foreign | '' (no foreign TIN given)
    tin_enc = Text(default="")
    tin_last4 = Varchar(length=4, default="")
    treaty_country = Varchar(length=2, default="")
    treaty_article = Varchar(length=20, default="")
    treaty_rate = Varchar(length=5, default="")  # percent, as certified
    signed_name = Varchar(length=200)
    certification_version = Varchar(length=20)
    certification_sha256 = Varchar(length=64)
    signed_at = Timestamptz()
    ip = Varchar(length=45, default="")
    user_agent = Varchar(length=500, default="")
    identity = Varchar(length=200, default="")  # the sign-in (provider:subject) the form was signed with
    superseded_at = Timestamptz(null=True, default=None, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class BrandTaxSetting(Table):
    """A brand's tax settings (owners edit): hold payouts to US creators until their W-9 is on file."""

    id: Serial

    brand = ForeignKey(Brand, null=False, unique=True)
    hold_until_w9 = Boolean(default=False)
    updated_at = Timestamptz(default=TimestamptzNow())


# --- exports: CSV files for accounting, made by a job ---------------------------------------------


class Export(Table):
    """A CSV export a brand's finance asked for (shared.exports): made by a job, page by page, into object storage;
    downloaded from a signed, expiring URL. state: queued → running → done | failed. Requests and downloads are
    audited."""

    id: Serial

    brand = ForeignKey(Brand, null=False, index=True)
    kind = Varchar(length=20)  # payables | ledger | statement
    period_start = Date()
    period_end = Date()  # inclusive
    creator = ForeignKey(Creator, null=True, default=None)  # statements only
    state = Varchar(length=20, default="queued", index=True)
    requested_by = ForeignKey(StaffUser, null=True, default=None)
    requested_by_name = Varchar(length=200, default="")
    rows_total = BigInt(null=True, default=None)  # counted when the job starts: the progress bar's 100%
    rows_written = BigInt(default=0)
    storage_key = Varchar(length=300, default="")
    filename = Varchar(length=200, default="")
    size_bytes = BigInt(default=0)
    sha256 = Varchar(length=64, default="")
    error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
