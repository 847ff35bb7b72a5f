"""Writing in a collaboration's thread and keeping each reader's place in it."""

from __future__ import annotations

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.collaborations.actions import BrandSide, CreatorSide, creator_offer_link, staff_recipients
from shared.crm.timeline import record_interaction
from shared.db.engine import get_engine
from shared.db.transactions import atomic
from shared.errors import InvalidInput, NotFound, PermissionDenied
from shared.messaging.queries import Reader, reader_of
from shared.messaging.rules import can_write_messages, clean_body, excerpt
from shared.notifications.actions import Recipient, notify

# The row the post works on; FOR SHARE keeps the collaboration from moving brand or creator meanwhile
# without blocking the other side from writing at the same moment.
_COLLABORATION = """
SELECT c.id, c.brand, c.creator, c.created_by, b.slug AS brand_slug, b.name AS brand_name, k.name AS campaign_name,
       cr.display_name AS creator_name, cr.email AS creator_email
FROM collaboration c
JOIN brand b ON b.id = c.brand
JOIN campaign k ON k.id = c.campaign
JOIN creator cr ON cr.id = c.creator
WHERE c.id = $1
FOR SHARE OF c
"""


def staff_thread_link(brand_slug: str, collaboration_id: int) -> str:
    return f"/backoffice/b/{brand_slug}/offers/{collaboration_id}/messages"


def creator_thread_link(collaboration_id: int) -> str:
    return f"{creator_offer_link(collaboration_id)}/messages"


async def _mark_read(collaboration_id: int, reader: Reader, up_to: int) -> None:
    # GREATEST: an old tab opened later never moves the marker backwards.
    await get_engine().fetch(
        """
        INSERT INTO thread_read (collaboration, reader_kind, reader_id, last_read_message_id)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (collaboration, reader_kind, reader_id)
        DO UPDATE SET last_read_message_id = GREATEST(thread_read.last_read_message_id, EXCLUDED.last_read_message_id)
        """,
        collaboration_id,
        reader.kind,
        reader.id,
        up_to,
    )


async def do_post_message(actor: Actor, side: BrandSide | CreatorSide, collaboration_id: int, body: str) -> int:
    """The creator, or the brand's owners, managers and reviewers, write in the collaboration's thread;
    the other side is notified (in-app and by email). Returns the message id."""
    cleaned, error = clean_body(body)
    if isinstance(side, BrandSide) and not can_write_messages(side.staff.role_at(side.brand_id)):
        raise PermissionDenied("Only owners, managers and reviewers write to creators; you can read the thread.")
    if error:
        raise InvalidInput({"body": error})
    async with atomic():
        rows = await get_engine().fetch(_COLLABORATION, collaboration_id)
        row = rows[0] if rows else None
        if row is None or (
            row["brand"] != side.brand_id if isinstance(side, BrandSide) else row["creator"] != side.creator_id
        ):
            raise NotFound("No such conversation.")
        reader = reader_of(side)
        label = side.staff.name if isinstance(side, BrandSide) else str(row["creator_name"])
        inserted = await get_engine().fetch(
            "INSERT INTO message (collaboration, author_kind, author_id, author_label, body, created_at) "
            "VALUES ($1, $2, $3, $4, $5, now()) RETURNING id",
            collaboration_id,
            reader.kind,
            reader.id,
            label[:320],
            cleaned,
        )
        message_id = int(inserted[0]["id"])
        # Whoever writes has read the thread up to their own message.
        await _mark_read(collaboration_id, reader, message_id)
        brand_id, creator_id = int(row["brand"]), int(row["creator"])
        await record_interaction(
            brand_id,
            creator_id,
            kind="message",
            summary=f"{label} wrote about “{row['campaign_name']}”: {excerpt(cleaned)}",
            link=staff_thread_link(row["brand_slug"], collaboration_id),
            actor_label=label,
        )
        sender = label if isinstance(side, CreatorSide) else row["brand_name"]
        title = f"New message from {sender}: {row['campaign_name']}"
        if isinstance(side, BrandSide):
            await notify(
                Recipient("creator", creator_id, row["creator_email"] or ""),
                kind="message",
                title=title,
                body=f"{label} ({row['brand_name']}) wrote:\n\n{cleaned}",
                link=creator_thread_link(collaboration_id),
                event_key=f"message:{message_id}",
                brand_id=brand_id,
            )
        else:
            for recipient in await staff_recipients(brand_id, creator_id, row["created_by"]):
                await notify(
                    recipient,
                    kind="message",
                    title=title,
                    body=f"{label} wrote:\n\n{cleaned}",
                    link=staff_thread_link(row["brand_slug"], collaboration_id),
                    event_key=f"message:{message_id}",
                    brand_id=brand_id,
                )
        # The body stays out of the audit log: it is private correspondence and lives in the thread.
        await write_audit_row(
            actor,
            "message.posted",
            "message",
            message_id,
            brand_id=brand_id,
            after={"collaboration": collaboration_id, "author_kind": reader.kind, "length": len(cleaned)},
        )
    return message_id


async def do_mark_thread_read(side: BrandSide | CreatorSide, collaboration_id: int, *, up_to: int) -> None:
    """The reader has seen the thread up to this message: it no longer counts as unread, nor do its
    message notifications. Not audited: reading changes nothing anyone agreed to."""
    if up_to <= 0:
        return
    reader = reader_of(side)
    brand_id, creator_id = (side.brand_id, None) if isinstance(side, BrandSide) else (None, side.creator_id)
    async with atomic():
        mine = await get_engine().fetch(
            "SELECT 1 FROM collaboration WHERE id = $1 AND (brand = $2 OR creator = $3)",
            collaboration_id,
            brand_id,
            creator_id,
        )
        if not mine:
            raise NotFound("No such conversation.")
        await _mark_read(collaboration_id, reader, up_to)
        await get_engine().fetch(
            """
            UPDATE notification SET read_at = now()
            WHERE recipient_kind = $1 AND recipient_id = $2 AND kind = 'message' AND read_at IS NULL AND link = $3
            """,
            reader.kind,
            reader.id,
            thread_link_for(side, collaboration_id),
        )


def thread_link_for(side: BrandSide | CreatorSide, collaboration_id: int) -> str:
    """The thread's address on this side (what its message notifications link to)."""
    if isinstance(side, BrandSide):
        slug = next((a.brand_slug for a in side.staff.brands if a.brand_id == side.brand_id), "")
        return staff_thread_link(slug, collaboration_id)
    return creator_thread_link(collaboration_id)
