"""The caption and its disclosure check: checking, changing it before review, confirming a warning."""

from __future__ import annotations

import json
from typing import Any

from shared.audit.actions import write_audit_row
from shared.audit.context import Actor
from shared.content.actions.rows import _draft
from shared.content.disclosure import DisclosurePolicySettings, DisclosureResult, check_caption
from shared.db.engine import get_engine
from shared.db.rows import jsonb
from shared.db.transactions import atomic
from shared.errors import IllegalTransition, InvalidInput

CAPTION_MAX = 5000


# --- the disclosure check --------------------------------------------------------------------------


async def check_disclosure(deliverable_id: int, caption: str, content_type: str) -> DisclosureResult:
    """The caption against the platform's rules, the brand's policy and the brief the deal points to."""
    rows = await get_engine().fetch(
        "SELECT d.kind, d.platform, b.content AS brief, p.settings AS policy FROM deliverable d "
        "JOIN collaboration c ON c.id = d.collaboration "
        "LEFT JOIN brief_version b ON b.id = c.brief_version "
        "LEFT JOIN disclosure_policy p ON p.brand = d.brand WHERE d.id = $1",
        deliverable_id,
    )
    row = rows[0]
    brief = jsonb(row["brief"]) or {}
    return check_caption(
        caption,
        platform=row["platform"],
        kind=row["kind"],
        required_hashtags=brief.get("hashtags") or (),
        required_mentions=brief.get("mentions") or (),
        policy=DisclosurePolicySettings.from_json(jsonb(row["policy"])) if row["policy"] is not None else None,
        content_type=content_type,
    )


def _clean_caption(caption: str) -> str:
    caption = caption.replace("\r\n", "\n").strip()
    if len(caption) > CAPTION_MAX:
        raise InvalidInput({"caption": f"Keep the caption under {CAPTION_MAX} characters."})
    return caption


# --- caption and disclosure ------------------------------------------------------------------------


async def _editable(creator_id: int, draft_id: int) -> dict[str, Any]:
    draft = await _draft(creator_id, draft_id, lock=True)
    if draft["upload_state"] != "verified" or draft["submitted_at"] is not None:
        raise IllegalTransition("This draft can't be changed: it was already sent for review or was not accepted.")
    return draft


async def do_update_caption(actor: Actor, creator_id: int, draft_id: int, *, caption: str) -> DisclosureResult:
    """Change a draft's caption before sending it; the disclosure check runs again."""
    caption = _clean_caption(caption)
    async with atomic():
        draft = await _editable(creator_id, draft_id)
        result = await check_disclosure(int(draft["deliverable"]), caption, draft["content_type"])
        await get_engine().fetch(
            "UPDATE draft SET caption = $2, disclosure_result = $3, disclosure_findings = $4::jsonb WHERE id = $1",
            draft_id,
            caption,
            result.verdict,
            json.dumps(result.to_json()),
        )
        await write_audit_row(
            actor,
            "draft.caption_changed",
            "draft",
            draft_id,
            brand_id=int(draft["brand"]),
            before={"disclosure": draft["disclosure_result"]},
            after={"disclosure": result.verdict},
        )
    return result


async def do_confirm_disclosure(actor: Actor, creator_id: int, draft_id: int, *, confirmed: bool) -> None:
    """The creator confirms the video shows and says the disclosure (video and stories)."""
    async with atomic():
        draft = await _editable(creator_id, draft_id)
        await get_engine().fetch("UPDATE draft SET disclosure_confirmed = $2 WHERE id = $1", draft_id, confirmed)
        await write_audit_row(
            actor,
            "draft.disclosure_confirmed",
            "draft",
            draft_id,
            brand_id=int(draft["brand"]),
            before={"confirmed": draft["disclosure_confirmed"]},
            after={"confirmed": confirmed},
        )
