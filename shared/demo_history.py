"""A few months of life at Acme (and a little at Globex) for the demo, made through the real actions.

Actions stamp everything "now", so once the history is made, `_age` moves a handful of dates back (an offer sent
weeks ago, a review promised yesterday, a draft due last week): every date stays relative to the day the demo
is seeded. The audit log is append-only and keeps the real seeding time.

Reaches every state the product has actions for today: offers invited, countered, accepted, declined and
withdrawn; deliverables pending, draft sent, changes asked, approved and live (some overdue); drafts waiting
for review with shared and internal comments at moments of the video; messages both ways (unread ones too);
prospects in every CRM stage with notes and tags. Contracts, payouts and later states arrive with their issues.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from shared.audit.context import Actor
from shared.campaigns.actions import do_change_campaign_status, do_create_campaign, do_publish_brief, do_save_brief
from shared.collaborations.actions import (
    BrandSide,
    CreatorSide,
    check_counter_offer,
    check_send_offers,
    do_accept_offer,
    do_decline_offer,
    do_withdraw_offer,
)
from shared.content.actions import (
    check_complete_upload,
    check_start_upload,
    check_submit_draft,
    check_submit_live,
    do_confirm_disclosure,
    sign_part,
)
from shared.content.review import check_decide, do_add_comment
from shared.creators.queries import get_creator_id_by_email
from shared.crm.actions import do_add_note, do_add_prospect, do_change_stage, do_set_tags
from shared.db.engine import get_engine
from shared.identity.actions import SocialAccount, do_create_creator
from shared.identity.queries import StaffContext
from shared.integrations.email import Mailer
from shared.integrations.storage import Storage, UploadedPart
from shared.integrations.storage_local import LocalStorage
from shared.messaging.actions import do_post_message

MEDIA = Path(__file__).resolve().parent / "demo_media"
CLIPS = (MEDIA / "trail-day.mp4", MEDIA / "trail-day-round2.mp4")  # real H.264, 3 s and 4 s
CAPTION = "#ad A day on the trail with the new pack from @acme #acmetrail"

# More creators, so the roster and the board have a few dozen rows: name, country, niche, platform, followers.
MORE_CREATORS = [
    ("Maya Brooks", "US", "outdoors", "instagram", 23_400),
    ("Nico Romano", "IT", "travel", "instagram", 88_100),
    ("Olu Adeyemi", "NG", "fitness", "tiktok", 310_000),
    ("Priya Nair", "IN", "lifestyle", "youtube", 145_000),
    ("Quinn Walsh", "IE", "outdoors", "tiktok", 12_800),
    ("Rosa Jiménez", "ES", "travel", "instagram", 64_500),
    ("Sam Carter", "AU", "outdoors", "youtube", 402_000),
    ("Tomás Silva", "BR", "fitness", "instagram", 51_200),
    ("Uma Berg", "NO", "outdoors", "instagram", 7_900),
    ("Victor Chen", "CA", "tech", "youtube", 96_000),
    ("Wren Ellis", "GB", "photography", "instagram", 33_300),
    ("Xena Papadopoulos", "GR", "travel", "tiktok", 158_000),
    ("Yusuf Demir", "TR", "outdoors", "instagram", 18_700),
    ("Zoe Laurent", "FR", "lifestyle", "instagram", 240_000),
    ("Arjun Mehta", "IN", "tech", "youtube", 1_150_000),
    ("Bea Kowalska", "PL", "outdoors", "tiktok", 41_000),
    ("Cole Harper", "US", "gaming", "youtube", 27_500),
    ("Dana Ito", "JP", "travel", "instagram", 70_200),
]

PROSPECTS = [
    # name, handle (instagram), followers, stage, tags, note
    ("Elif Aydın", "elif.peaks", "54000", "prospect", "outdoors, shortlist", "Great alpine photos; ask about rates."),
    ("Felix Braun", "felixrides", "19000", "contacted", "cycling", "Emailed on Monday, waiting for a reply."),
    ("Gia Moretti", "gia.trails", "132000", "negotiating", "outdoors, video", "Wants product plus fee; call Thursday."),
    ("Hugo Lambert", "hugo.camps", "8700", "active", "nano, outdoors", "Joined the ambassador group."),
    ("Iris Novak", "iris.wild", "61000", "alumni", "2025 campaign", "Did the autumn campaign; strong saves."),
    ("Jonas Weber", "jonas.goes", "230000", "paused", "macro", "Paused: exclusivity with a competitor until spring."),
]


def _key(name: str) -> str:
    """'Tomás Silva' -> 'tomas': the demo's short name for a creator (and their email's local part)."""
    return unicodedata.normalize("NFKD", name.split()[0]).encode("ascii", "ignore").decode().lower()


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _day(offset: int) -> str:
    return (_today() + dt.timedelta(days=offset)).isoformat()


def _terms(
    fee: str, deliverables: list[tuple[str, str, str, int, int]], *, product: str = "", rights_days: int = 90
) -> dict[str, str]:
    form = {
        "fee": fee,
        "pay_signing": "30",
        "pay_approval": "30",
        "pay_go_live": "40",
        "product": product,
        "usage_rights": "Organic reposts on Acme's channels for 90 days",
        "exclusivity": "No other backpack brand for 30 days",
        "revision_rounds": "2",
        "review_days": "3",
        # Structured usage rights (shared.rights): organic and Meta partnership ads in North America and the UK.
        "right_organic": "on",
        "right_paid_meta": "on",
        "rights_where": "countries",
        "rights_countries": "US, CA, GB",
        "rights_duration": str(rights_days),
        "rights_unit": "days",
        "exclusivity_category": "backpack",
        "exclusivity_days": "30",
    }
    for index, (kind, platform, title, draft_in, live_in) in enumerate(deliverables):
        form |= {
            f"d{index}_kind": kind,
            f"d{index}_platform": platform,
            f"d{index}_title": title,
            f"d{index}_draft_due": _day(draft_in),
            f"d{index}_live_due": _day(live_in),
        }
    return form


BRIEF = {
    "audience": "Weekend hikers, 20-40, US and Europe.",
    "key_messages": "Light\nWaterproof\nLifetime warranty",
    "dos": "Film outdoors in daylight",
    "donts": "No competitor gear in frame",
    "hashtags": "#ad #acmetrail",
    "mentions": "@acme",
    "disclosure": "Start the caption with #ad and use the paid-partnership label.",
    "timeline": "Drafts within two weeks of accepting; posts live within four.",
    "t0_kind": "reel",
    "t0_platform": "instagram",
    "t0_description": "30-60 s reel",
}


async def _campaign(actor: Actor, staff: StaffContext, brand_id: int, name: str, objective: str, budget: str) -> int:
    campaign = await do_create_campaign(
        actor,
        staff,
        brand_id=brand_id,
        form={"name": name, "objective": objective, "budget": budget, "currency": "USD", "starts_on": _day(0),
              "ends_on": _day(90)},
    )  # fmt: skip
    await do_save_brief(actor, staff, brand_id=brand_id, campaign_id=campaign, form={**BRIEF, "objectives": objective})
    await do_publish_brief(actor, staff, brand_id=brand_id, campaign_id=campaign)
    await do_change_campaign_status(actor, staff, brand_id=brand_id, campaign_id=campaign, status="active")
    return campaign


async def _put(storage: Storage, url: str, body: bytes) -> str:
    """Send one part where the signed URL points, as the browser does (the local store takes it directly)."""
    if isinstance(storage, LocalStorage):

        async def chunks() -> AsyncIterator[bytes]:
            yield body

        return await storage.receive_part(storage.verify(url.rsplit("/", 1)[1], "part"), chunks())
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.put(url, content=body)
        response.raise_for_status()
        return response.headers["etag"]


async def _send_draft(actor: Actor, storage: Storage, creator_id: int, deliverable_id: int, round_: int) -> int:
    """The creator uploads a clip for the deliverable, confirms the disclosure and sends it for review."""
    clip = CLIPS[min(round_, len(CLIPS)) - 1]
    body = clip.read_bytes()
    started = await check_start_upload(
        actor, creator_id, deliverable_id, filename=clip.name, content_type="video/mp4", size=len(body), storage=storage
    )
    url = await sign_part(creator_id, started.draft_id, 1, storage=storage)
    part = UploadedPart(1, await _put(storage, url, body), len(body))
    await check_complete_upload(actor, creator_id, started.draft_id, parts=[part], caption=CAPTION, storage=storage)
    await do_confirm_disclosure(actor, creator_id, started.draft_id, confirmed=True)
    await check_submit_draft(actor, creator_id, started.draft_id)
    return started.draft_id


async def _deliverables(collaboration_id: int) -> list[int]:
    rows = await get_engine().fetch(
        "SELECT id FROM deliverable WHERE collaboration = $1 ORDER BY position, id", collaboration_id
    )
    return [int(row["id"]) for row in rows]


async def _age(sql: str, *args: object) -> None:
    """Move dates back so the history reads as weeks of work (see the module's docstring)."""
    await get_engine().fetch(sql, *args)


async def seed_history(
    actor: Actor, bob: StaffContext, rita: StaffContext, *, acme: int, storage: Storage, base_url: str
) -> None:
    """Acme's campaigns, offers, work, reviews, messages and CRM; called once, right after the demo cast."""
    # -- more creators
    for name, country, niche, platform, followers in MORE_CREATORS:
        handle = _key(name) + "." + niche[:4]
        await do_create_creator(
            actor,
            display_name=name,
            email=f"{_key(name)}@creators.test",
            country=country,
            niches=[niche],
            accounts=[
                SocialAccount(platform, f"demo-{platform}-{handle}", handle, followers, followers // 40, source="demo")
            ],
        )
    by_name = {}
    for name, *_ in MORE_CREATORS:
        by_name[_key(name)] = await get_creator_id_by_email(f"{_key(name)}@creators.test")
    for name in ("alice", "bilal", "chloe", "diego", "emma", "farah", "gus", "hana", "ivan", "jade", "kai", "lena"):
        by_name[name] = await get_creator_id_by_email(f"{name}@creators.test")
    side = BrandSide(bob, acme)

    async def offer(
        campaign: int, who: str, fee: str, deliverables: list[tuple[str, str, str, int, int]], rights_days: int = 90
    ) -> int:
        form = _terms(fee, deliverables, rights_days=rights_days)
        [collaboration] = await check_send_offers(
            actor, bob, brand_id=acme, campaign_id=campaign, creator_ids=[by_name[who]], form=form
        )
        return collaboration

    reel = [("reel", "instagram", "Trail day", 10, 24)]
    reel_and_story = [("reel", "instagram", "Trail day", 10, 24), ("story", "instagram", "Pack check", 12, 24)]

    # -- Spring trail: completed two months ago; every deal went live. Their usage rights ran 30 days (over: to take
    # down), 100 days (ending soon) or a year (usable), so the library shows each state.
    spring_rights = {"maya": 30, "nico": 30, "olu": 100, "priya": 100, "quinn": 365, "rosa": 365}
    spring = await _campaign(actor, bob, acme, "Spring trail", "Spring hikes with the original Trail pack.", "18000")
    spring_deals = []
    for who, fee in (("maya", "1200"), ("nico", "2400"), ("olu", "3000"), ("priya", "2800"), ("quinn", "900"),
                     ("rosa", "1800")):  # fmt: skip
        collaboration = await offer(spring, who, fee, reel, rights_days=spring_rights[who])
        await do_accept_offer(actor, CreatorSide(by_name[who]), collaboration_id=collaboration)
        spring_deals.append((who, collaboration))
    await do_decline_offer(actor, by_name["sam"], collaboration_id=await offer(spring, "sam", "5000", reel),
                           reason="Travelling that month")  # fmt: skip
    await do_withdraw_offer(actor, side, collaboration_id=await offer(spring, "tomas", "1500", reel),
                            reason="Budget moved to the launch")  # fmt: skip
    for who, collaboration in spring_deals:
        [deliverable] = await _deliverables(collaboration)
        draft = await _send_draft(actor, storage, by_name[who], deliverable, 1)
        await check_decide(actor, rita, acme, draft, decision="approved", note="")
        await check_submit_live(
            actor, by_name[who], deliverable, urls=[f"https://www.instagram.com/reel/Demo{who.title()}Spring/"]
        )
    await do_change_campaign_status(actor, bob, brand_id=acme, campaign_id=spring, status="completed")

    # -- Summer camp series: active; the work is under way in every state.
    summer = await _campaign(actor, bob, acme, "Summer camp series", "Camp nights: the pack as a base camp.", "30000")
    working = []
    for who, fee in (("uma", "800"), ("victor", "2600"), ("wren", "1400"), ("xena", "3500"), ("yusuf", "1100"),
                     ("zoe", "4200"), ("arjun", "9500"), ("bea", "1300"), ("cole", "1000"), ("dana", "2100"),
                     ("emma", "1600"), ("hana", "700")):  # fmt: skip
        collaboration = await offer(summer, who, fee, reel_and_story)
        await do_accept_offer(actor, CreatorSide(by_name[who]), collaboration_id=collaboration)
        working.append((who, collaboration, await _deliverables(collaboration)))
    # Drafts waiting for review (two past the promised turnaround), with comments at moments of the clip.
    waiting = []
    for who, _collaboration, (first, _second) in working[:5]:
        draft = await _send_draft(actor, storage, by_name[who], first, 1)
        waiting.append(draft)
    for draft in waiting[:3]:
        await do_add_comment(actor, BrandSide(rita, acme), draft, body="Love the light here.", at_ms=1000, shared=True)
        await do_add_comment(
            actor, BrandSide(bob, acme), draft, body="Check the logo is not cut off at 0:02.", at_ms=2000, shared=False
        )
    # Changes asked, then a second round waiting.
    for who, _collaboration, (first, _second) in working[5:8]:
        draft = await _send_draft(actor, storage, by_name[who], first, 1)
        await do_add_comment(
            actor, BrandSide(rita, acme), draft, body="The rain cover is hard to see.", at_ms=1500, shared=True
        )
        await check_decide(actor, rita, acme, draft, decision="changes_requested", note="Show the rain cover on.")
        if who == "arjun":
            await _send_draft(actor, storage, by_name[who], first, 2)
    # Approved, waiting to go live; and live.
    for who, _collaboration, (first, _second) in working[8:11]:
        draft = await _send_draft(actor, storage, by_name[who], first, 1)
        await check_decide(actor, rita, acme, draft, decision="approved", note="")
        if who in ("dana", "emma"):
            await check_submit_live(
                actor, by_name[who], first, urls=[f"https://www.instagram.com/reel/Demo{who.title()}Summer/"]
            )
    # Messages both ways; the creators' last words are unread.
    for who, collaboration, _ in working[:8]:
        await do_post_message(actor, side, collaboration, f"Hi {who.title()}, the pack ships today. Any questions?")
        await do_post_message(
            actor, CreatorSide(by_name[who]), collaboration, "Got it, thanks! Can I film at dawn instead of noon?"
        )
    # Open offers: waiting for the creator, countered, declined, withdrawn.
    for who in ("bilal", "farah", "gus"):
        await offer(summer, who, "2000", reel)
    for who, ask in (("ivan", "1200"), ("kai", "600")):
        countered = await offer(summer, who, "900", reel)
        await check_counter_offer(
            actor, CreatorSide(by_name[who]), collaboration_id=countered, form={"fee": ask, "note": "My rate went up."}
        )
    await do_decline_offer(actor, by_name["lena"], collaboration_id=await offer(summer, "lena", "1000", reel),
                           reason="Not my audience")  # fmt: skip

    # -- Trail 2 launch (the launch the demo cast started): the spring creators rebooked, more offers out.
    [launch] = [int(row["id"]) for row in await get_engine().fetch(
        "SELECT id FROM campaign WHERE brand = $1 AND name = 'Trail 2 launch'", acme)]  # fmt: skip
    for who in ("maya", "nico", "olu", "priya", "quinn", "rosa"):
        await do_accept_offer(
            actor, CreatorSide(by_name[who]), collaboration_id=await offer(launch, who, "1500", reel_and_story)
        )
    for who in ("sam", "tomas"):
        await offer(launch, who, "2500", reel)
    await check_counter_offer(
        actor, CreatorSide(by_name["uma"]), collaboration_id=await offer(launch, "uma", "700", reel),
        form={"fee": "950", "note": "Two stories included for that."},
    )  # fmt: skip
    await do_decline_offer(
        actor, by_name["wren"], collaboration_id=await offer(launch, "wren", "1100", reel), reason="Booked"
    )

    # -- Winter gear preview: still being planned (a draft campaign, no offers yet).
    await do_create_campaign(
        actor,
        bob,
        brand_id=acme,
        form={"name": "Winter gear preview", "objective": "Preview the winter line with a few trusted creators.",
              "budget": "15000", "currency": "USD", "starts_on": _day(45), "ends_on": _day(120)},
    )  # fmt: skip

    # -- CRM: prospects in every stage, with notes and tags.
    mailer = Mailer(None)
    for name, handle, audience, stage, tags, note in PROSPECTS:
        added = await do_add_prospect(
            actor, bob, mailer, brand_id=acme, display_name=name, platform="instagram", handle=handle, email="",
            followers=audience, base_url=base_url,
        )  # fmt: skip
        creator_id = added.creator_id
        if stage == "alumni":
            await do_change_stage(actor, bob, brand_id=acme, creator_id=creator_id, stage="active")
        if stage != "prospect":
            await do_change_stage(actor, bob, brand_id=acme, creator_id=creator_id, stage=stage)
        await do_set_tags(actor, bob, brand_id=acme, creator_id=creator_id, tags=tags)
        await do_add_note(actor, bob, brand_id=acme, creator_id=creator_id, body=note)
    for who in ("maya", "nico", "olu"):
        await do_add_note(actor, bob, brand_id=acme, creator_id=by_name[who], body="Spring trail went well; rebook.")
        await do_set_tags(actor, bob, brand_id=acme, creator_id=by_name[who], tags="rebook, outdoors")

    # -- Ageing: Spring trail happened two to three months ago; some of Summer's work is late.
    await _age(
        "UPDATE campaign SET starts_on = $2::date - 100, ends_on = $2::date - 55, "
        "created_at = created_at - interval '110 days' WHERE id = $1",
        spring,
        _today(),
    )
    for table, columns in (
        ("collaboration", ("created_at", "updated_at", "agreed_at")),
        ("offer_revision", ("created_at",)),
        ("draft", ("created_at", "uploaded_at", "submitted_at", "review_due_at", "decided_at")),
        ("deliverable", ("created_at", "updated_at", "live_at")),
    ):
        sets = ", ".join(f"{c} = {c} - interval '90 days'" for c in columns)
        key = "campaign" if table in ("collaboration", "deliverable") else None
        where = (
            f"{key} = $1"
            if key
            else ("collaboration IN (SELECT id FROM collaboration WHERE campaign = $1)" if table == "offer_revision"
                  else "deliverable IN (SELECT id FROM deliverable WHERE campaign = $1)")
        )  # fmt: skip
        await _age(f"UPDATE {table} SET {sets} WHERE {where}", spring)  # noqa: S608 (constant names)
    await _age(
        "UPDATE deliverable SET draft_due = draft_due - 90, live_due = live_due - 90 WHERE campaign = $1", spring
    )
    # Summer: accepted three weeks ago; two drafts waited past the promise, three deliverables are late.
    await _age(
        "UPDATE collaboration SET created_at = created_at - interval '24 days', updated_at = updated_at - interval "
        "'21 days', agreed_at = agreed_at - interval '21 days' WHERE campaign = $1 AND status = 'accepted'",
        summer,
    )
    for index, draft in enumerate(waiting):
        days = (5, 4, 2, 1, 0)[index]
        await _age(
            "UPDATE draft SET created_at = created_at - $2 * interval '1 day', uploaded_at = uploaded_at - $2 * "
            "interval '1 day', submitted_at = submitted_at - $2 * interval '1 day', review_due_at = review_due_at - "
            "$2 * interval '1 day' WHERE id = $1",
            draft,
            days,
        )
    late = [second for _who, _c, (_first, second) in working[:3]]
    await _age(
        "UPDATE deliverable SET draft_due = $2::date - 3, due_on = $2::date - 3 WHERE id = ANY($1::int[])",
        late,
        _today(),
    )
    soon = [second for _who, _c, (_first, second) in working[3:6]]
    await _age(
        "UPDATE deliverable SET draft_due = $2::date + 4, due_on = $2::date + 4 WHERE id = ANY($1::int[])",
        soon,
        _today(),
    )


async def seed_globex(actor: Actor, charlie: StaffContext, *, globex: int) -> None:
    """Globex, smaller: its lookbook gets a brief and three offers (accepted, countered, waiting) and a message."""
    [lookbook] = [int(row["id"]) for row in await get_engine().fetch(
        "SELECT id FROM campaign WHERE brand = $1 AND name = 'Autumn lookbook'", globex)]  # fmt: skip
    brief = {**BRIEF, "objectives": "Autumn looks, styled by people our customers follow.", "hashtags": "#ad",
             "mentions": "@globex", "audience": "Fashion followers in Europe, 18-35."}  # fmt: skip
    await do_save_brief(actor, charlie, brand_id=globex, campaign_id=lookbook, form=brief)
    await do_publish_brief(actor, charlie, brand_id=globex, campaign_id=lookbook)
    await do_change_campaign_status(actor, charlie, brand_id=globex, campaign_id=lookbook, status="active")
    look = [("post", "instagram", "Autumn look", 9, 20)]
    offers = {}
    for who in ("farah", "chloe", "hana"):
        creator_id = await get_creator_id_by_email(f"{who}@creators.test")
        [offers[who]] = await check_send_offers(
            actor, charlie, brand_id=globex, campaign_id=lookbook, creator_ids=[creator_id], form=_terms("1800", look)
        )
    farah = await get_creator_id_by_email("farah@creators.test")
    await do_accept_offer(actor, CreatorSide(farah), collaboration_id=offers["farah"])
    await do_post_message(actor, CreatorSide(farah), offers["farah"], "Can I style it with my own boots?")
    chloe = await get_creator_id_by_email("chloe@creators.test")
    await check_counter_offer(
        actor, CreatorSide(chloe), collaboration_id=offers["chloe"], form={"fee": "2200", "note": "Two looks then."}
    )
