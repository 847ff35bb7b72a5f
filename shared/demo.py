"""Demo data: two brands, staff in every role, a dozen creators across platforms and tiers.

Everything is created through the real actions (so it is audited like real use), and seeding
is idempotent: running the demo again keeps what is there.
"""

from __future__ import annotations

from shared.audit.context import Actor, system_actor
from shared.contracts.actions import ContractTools
from shared.contracts.demo import seed_demo_contracts
from shared.crypto import Encryptor
from shared.db.tables import Brand
from shared.db.transactions import atomic
from shared.identity.actions import (
    SocialAccount,
    do_create_brand,
    do_create_creator,
    do_create_staff_user,
    do_grant_membership,
)
from shared.identity.queries import get_staff_context
from shared.identity.rules import Role
from shared.notifications.outbox import settle_seeded_emails
from shared.payments.demo import seed_demo_payments
from shared.reconciliation.demo import seed_demo_reconciliation
from shared.results.demo import seed_demo_results
from shared.results.demo_conversions import seed_demo_conversions
from shared.rights.demo import seed_demo_renewals, seed_demo_rights
from shared.settings import Settings
from shared.tax.demo import seed_demo_tax

DEMO_PASSWORD = "rapport-demo-2026"

# (email, name, {brand: role})
STAFF = [
    ("admin@rapport.test", "Ada Admin", {"Acme": Role.OWNER, "Globex": Role.OWNER}),
    ("olivia@acme.test", "Olivia Owner", {"Acme": Role.OWNER, "Globex": Role.MANAGER}),
    ("bob@acme.test", "Bob Manager", {"Acme": Role.MANAGER}),
    ("rita@acme.test", "Rita Reviewer", {"Acme": Role.REVIEWER}),
    ("fran@acme.test", "Fran Finance", {"Acme": Role.FINANCE}),
    ("vic@acme.test", "Vic Viewer", {"Acme": Role.VIEWER}),
    ("grace@globex.test", "Grace Owner", {"Globex": Role.OWNER}),
    ("charlie@globex.test", "Charlie Manager", {"Globex": Role.MANAGER}),
    ("gina@globex.test", "Gina Finance", {"Globex": Role.FINANCE}),
]

BRANDS = [("Acme", "USD"), ("Globex", "EUR")]

# display name, email, country, niches, [(provider, handle, followers or None if hidden, engagements per post)]
CREATORS: list[tuple[str, str, str, list[str], list[tuple[str, str, int | None, int | None]]]] = [
    (
        "Alice Rivera",
        "alice@creators.test",
        "US",
        ["outdoors", "travel"],
        [("instagram", "alice.outdoors", 48_200, 1_450), ("tiktok", "aliceoutdoors", 120_500, 6_800)],
    ),
    ("Bilal Khan", "bilal@creators.test", "GB", ["tech", "gadgets"], [("youtube", "BilalTech", 870_000, 21_000)]),
    ("Chloé Martin", "chloe@creators.test", "FR", ["beauty", "skincare"], [("instagram", "chloe.glow", 9_400, 610)]),
    (
        "Diego Alvarez",
        "diego@creators.test",
        "MX",
        ["fitness"],
        [("tiktok", "diegofit", 2_300_000, 95_000), ("instagram", "diego.fit", 410_000, 9_900)],
    ),
    ("Emma Schulz", "emma@creators.test", "DE", ["food", "baking"], [("youtube", "EmmaBackt", 56_000, 2_100)]),
    ("Farah Haddad", "farah@creators.test", "AE", ["fashion"], [("instagram", "farah.style", 1_250_000, 30_500)]),
    (
        "Gus Peterson",
        "gus@creators.test",
        "US",
        ["gaming"],
        [("twitch", "gus_plays", 33_000, None), ("x", "gusplays", None, None)],
    ),
    ("Hana Sato", "hana@creators.test", "JP", ["travel", "photography"], [("instagram", "hana.lens", 5_600, 420)]),
    ("Ivan Petrov", "ivan@creators.test", "BG", ["tech"], [("x", "ivancodes", 14_800, 230)]),
    ("Jade Okafor", "jade@creators.test", "NG", ["lifestyle", "music"], [("tiktok", "jadevibes", 265_000, 14_000)]),
    ("Kai Lindqvist", "kai@creators.test", "SE", ["outdoors"], [("youtube", "KaiOutside", 1_800, 95)]),
    ("Lena Novak", "lena@creators.test", "CZ", ["parenting", "home"], [("instagram", "lena.home", 72_000, 2_600)]),
]


# Owners and finance must use two-step sign-in: at their first demo sign-in they set it up.
STAFF_TOTP_HELP = (
    "    Owners and finance set up two-step sign-in the first time: scan the QR code with an\n"
    "    authenticator app, or copy the key shown and get a code with\n"
    "      uv run python -c 'import pyotp,sys; print(pyotp.TOTP(sys.argv[1]).now())' KEY\n"
    "    (keep the key: the next sign-in asks for a fresh code; the recovery codes work once each).\n"
)


async def seed_demo_data(settings: Settings | None = None, *, contract_tools: ContractTools | None = None) -> str:
    """Create the demo cast unless it is already there; return the sign-in instructions. With `settings` (the
    demo's own), also a few months of history at Acme, drafts stored where the settings say, and contracts
    sealed with the settings' key (or with `contract_tools`, when a test brings its own)."""
    actor = system_actor("rapport demo")
    async with atomic():
        already = await Brand.exists().where(Brand.slug == "acme")
    if not already:
        staff_ids: dict[str, int] = {}
        for email, name, _roles in STAFF:
            staff = await do_create_staff_user(
                actor, email=email, name=name, password=DEMO_PASSWORD, is_admin=email.startswith("admin@")
            )
            staff_ids[email] = int(staff.id)
        brand_ids: dict[str, int] = {}
        # The administrator opens both brands (becoming an owner of each), then hands out roles.
        admin = await get_staff_context(staff_ids["admin@rapport.test"])
        for brand_name, currency in BRANDS:
            brand = await do_create_brand(actor, admin, name=brand_name, currency=currency)
            brand_ids[brand_name] = int(brand.id)
        for email, _name, roles in STAFF:
            for brand_name, role in roles.items():
                await do_grant_membership(actor, staff_id=staff_ids[email], brand_id=brand_ids[brand_name], role=role)
        for display_name, email, country, niches, accounts in CREATORS:
            await do_create_creator(
                actor,
                display_name=display_name,
                email=email,
                country=country,
                niches=niches,
                accounts=[
                    SocialAccount(provider, f"demo-{provider}-{handle}", handle, followers, engagements, source="demo")
                    for provider, handle, followers, engagements in accounts
                ],
            )
        await _seed_campaigns(actor, staff_ids, brand_ids)
        if settings is not None:
            await _seed_history(actor, staff_ids, brand_ids, settings)
            await seed_demo_rights(actor)
        await seed_demo_contracts(actor, contract_tools or _contract_tools(settings))
        await seed_demo_payments(actor)
        # Reconciliation releases and pays last month's payables: before the tax hold is switched on.
        await seed_demo_reconciliation(actor, settings)
        tools = contract_tools or _contract_tools(settings)
        if settings is not None and tools is not None:
            await seed_demo_renewals(actor, tools, Encryptor(settings.secret_key))
        await seed_demo_tax(actor, settings)
        if settings is not None:  # last: the exports hold what the seed made
            await _seed_exports(actor, settings)
        await settle_seeded_emails()
    creator_lines = await _ensure_demo_creator_sign_ins(actor)
    staff_lines = "\n".join(
        f"    {email:<22} {', '.join(f'{role.value} at {brand}' for brand, role in roles.items())}"
        for email, _name, roles in STAFF
    )
    return (
        "\nRapport demo is running.\n"
        "  Creator portal: {base_url}/\n"
        "  Back-office:    {base_url}/backoffice/\n"
        f"  Staff sign-in (password for all: {DEMO_PASSWORD}):\n{staff_lines}\n"
        f"{STAFF_TOTP_HELP}"
        f"{creator_lines}"
        "  Press Ctrl-C to stop; your data stays in ./var for next time.\n"
    )


# --- creators: signing in through the local "Demo ID" provider ---------------------------------

DEMO_PROVIDER = "demo"


def demo_creator_subjects() -> dict[str, dict[str, object]]:
    """Demo ID subjects (the email's local part: "alice") and the claims the provider puts in their id_token."""
    return {
        email.split("@", 1)[0]: {"email": email, "email_verified": True, "name": name}
        for name, email, _country, _niches, _accounts in CREATORS
    }


async def _ensure_demo_creator_sign_ins(actor: Actor) -> str:
    """Link each demo creator to their Demo ID subject (idempotent); the banner lines saying how to sign in."""
    from shared.creators.actions import do_link_social_identity
    from shared.creators.queries import get_creator_id_by_email
    from shared.crypto import Encryptor
    from shared.errors import NotFound, PermissionDenied
    from shared.integrations.oauth import ExternalIdentity, TokenSet

    no_tokens = Encryptor("demo accounts carry no tokens")
    for subject, claims in demo_creator_subjects().items():
        try:
            creator_id = await get_creator_id_by_email(str(claims["email"]))
        except NotFound:
            continue  # deleted in an earlier demo session
        identity = ExternalIdentity(
            provider=DEMO_PROVIDER,
            subject=subject,
            email=str(claims["email"]),
            email_verified=True,
            name=str(claims["name"]),
            preferred_username=subject,
            profile_url="",
            tokens=TokenSet(access_token="", refresh_token=None, expires_at=None, scopes=""),
        )
        try:
            await do_link_social_identity(actor, creator_id, identity, no_tokens)
        except PermissionDenied:
            continue  # someone signed in as this subject first and owns it now
    return (
        '  Creator sign-in: open {base_url}/signin, choose "Continue with Demo ID", then pick a name\n'
        "    (alice, bilal, chloe, … — any demo creator's email before the @); any other name you type\n"
        "    signs in a brand-new creator who is asked to onboard.\n"
    )


# --- campaigns and offers: something to look at on both sides from the first minute ------------


async def _seed_campaigns(actor: Actor, staff_ids: dict[str, int], brand_ids: dict[str, int]) -> None:
    """Acme runs a launch with offers in every state; Globex has a campaign being planned."""
    import datetime as dt

    from shared.campaigns.actions import do_change_campaign_status, do_create_campaign, do_publish_brief, do_save_brief
    from shared.collaborations.actions import (
        CreatorSide,
        check_counter_offer,
        check_send_offers,
        do_accept_offer,
        do_decline_offer,
    )
    from shared.creators.queries import get_creator_id_by_email

    bob = await get_staff_context(staff_ids["bob@acme.test"])
    acme = brand_ids["Acme"]
    today = dt.datetime.now(dt.UTC).date()

    def day(offset: int) -> str:
        return (today + dt.timedelta(days=offset)).isoformat()

    campaign = await do_create_campaign(
        actor,
        bob,
        brand_id=acme,
        form={
            "name": "Trail 2 launch",
            "objective": "Launch the Trail 2 backpack to weekend hikers.",
            "budget": "25000",
            "currency": "USD",
            "starts_on": day(0),
            "ends_on": day(60),
        },
    )
    brief = {
        "objectives": "Show Trail 2 on a real hike: light, waterproof, comfortable all day.",
        "audience": "Weekend hikers, 20-40, US and Europe.",
        "key_messages": "Weighs 900 g\nFully waterproof\nLifetime warranty",
        "dos": "Film outdoors in daylight\nShow the rain cover",
        "donts": "No competitor gear in frame\nNo claims about medical benefits",
        "hashtags": "#ad #acmetrail",
        "mentions": "@acme",
        "disclosure": "Start the caption with #ad and use the paid-partnership label.",
        "timeline": "Drafts within two weeks of accepting; posts live within four.",
        "assets": "https://acme.example/press/trail2",
        "t0_kind": "reel",
        "t0_platform": "instagram",
        "t0_description": "30-60 s reel on the trail",
        "t1_kind": "story",
        "t1_platform": "instagram",
        "t1_description": "Three frames with a link sticker",
    }
    await do_save_brief(actor, bob, brand_id=acme, campaign_id=campaign, form=brief)
    await do_publish_brief(actor, bob, brand_id=acme, campaign_id=campaign)
    await do_change_campaign_status(actor, bob, brand_id=acme, campaign_id=campaign, status="active")

    def terms(fee: str, *, product: str = "") -> dict[str, str]:
        return {
            "fee": fee,
            "pay_signing": "30",
            "pay_approval": "30",
            "pay_go_live": "40",
            "product": product,
            "usage_rights": "Organic reposts on Acme's channels for 90 days",
            "exclusivity": "No other backpack brand for 30 days",
            "revision_rounds": "2",
            "review_days": "3",
            "d0_kind": "reel",
            "d0_platform": "instagram",
            "d0_title": "Trail day",
            "d0_draft_due": day(10),
            "d0_live_due": day(21),
            "d1_kind": "story",
            "d1_platform": "instagram",
            "d1_draft_due": day(12),
            "d1_live_due": day(21),
        }

    ids = {name: await get_creator_id_by_email(f"{name}@creators.test") for name in ("alice", "diego", "jade", "chloe")}
    offers = {}
    for name, fee in (("alice", "1500"), ("diego", "9000"), ("jade", "2500"), ("chloe", "600")):
        [offers[name]] = await check_send_offers(
            actor,
            bob,
            brand_id=acme,
            campaign_id=campaign,
            creator_ids=[ids[name]],
            form=terms(fee, product="Trail 2 backpack, size M" if name == "diego" else ""),
        )
    await do_accept_offer(actor, CreatorSide(ids["diego"]), collaboration_id=offers["diego"])
    await check_counter_offer(
        actor, CreatorSide(ids["jade"]), collaboration_id=offers["jade"], form={"fee": "3200", "note": "Reels do well."}
    )
    await do_decline_offer(actor, ids["chloe"], collaboration_id=offers["chloe"], reason="Fully booked this month")
    # Alice's offer waits for her answer: sign in as alice to accept, counter or decline it.

    charlie = await get_staff_context(staff_ids["charlie@globex.test"])
    await do_create_campaign(
        actor,
        charlie,
        brand_id=brand_ids["Globex"],
        form={
            "name": "Autumn lookbook",
            "objective": "Reach fashion creators in Europe.",
            "budget": "12000",
            "currency": "EUR",
        },
    )


async def _seed_history(actor: Actor, staff_ids: dict[str, int], brand_ids: dict[str, int], settings: Settings) -> None:
    """Weeks of work at Acme (shared.demo_history): every screen has something real on it."""
    from shared.demo_history import seed_globex, seed_history
    from shared.integrations.storage_factory import storage_from_settings

    bob = await get_staff_context(staff_ids["bob@acme.test"])
    rita = await get_staff_context(staff_ids["rita@acme.test"])
    storage = storage_from_settings(settings)
    await seed_history(actor, bob, rita, acme=brand_ids["Acme"], storage=storage, base_url=settings.base_url)
    await seed_demo_results(actor, settings, bob, rita, acme=brand_ids["Acme"])
    fran = await get_staff_context(staff_ids["fran@acme.test"])
    await seed_demo_conversions(actor, bob, fran, acme=brand_ids["Acme"])
    await seed_globex(actor, await get_staff_context(staff_ids["charlie@globex.test"]), globex=brand_ids["Globex"])


async def _seed_exports(actor: Actor, settings: Settings) -> None:
    """Two finished exports at Acme (shared.exports.demo), their files where the settings' storage keeps them."""
    from shared.exports.demo import seed_demo_exports
    from shared.integrations.storage_factory import storage_from_settings

    await seed_demo_exports(actor, storage_from_settings(settings))


def _contract_tools(settings: Settings | None) -> ContractTools | None:
    """The demo's storage and seal for contract PDFs; none when seeding without settings (tests of the seed)."""
    if settings is None:
        return None
    from shared.contracts.actions import contract_tools
    from shared.integrations.storage_factory import storage_from_settings

    return contract_tools(settings, storage_from_settings(settings))
