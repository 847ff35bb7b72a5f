"""Sending a draft as the creator does it: one form holds the caption and the on-screen/spoken
confirmation, and "Send" takes both with it.

Kept apart from actions.py (which only checks and sends what is already stored) so the page's one
button can't be refused for a box the creator ticked but that another form would have saved.
"""

from __future__ import annotations

from shared.audit.context import Actor
from shared.content.actions import check_submit_draft, do_confirm_disclosure, do_update_caption
from shared.db.transactions import atomic


async def check_save_and_send_draft(
    actor: Actor, creator_id: int, draft_id: int, *, caption: str | None, confirmed: bool | None
) -> None:
    """Store what the creator typed and ticked, then send the draft for review.

    What was typed and ticked stays saved even when sending is refused (the check then says what is
    left to fix, and the creator doesn't lose the caption). None leaves that part as it is.
    """
    if caption is not None or confirmed is not None:
        async with atomic():
            if caption is not None:
                await do_update_caption(actor, creator_id, draft_id, caption=caption)
            if confirmed is not None:
                await do_confirm_disclosure(actor, creator_id, draft_id, confirmed=confirmed)
    await check_submit_draft(actor, creator_id, draft_id)
