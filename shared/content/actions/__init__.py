"""The creator's side of content, one module per family: uploading drafts straight to storage and verifying
them, the caption and its disclosure check, sending a draft for review and going live.

The names are re-exported here, so `from shared.content.actions import check_start_upload` keeps working;
so are the jobs' own (`do_record_sha256`, `abort_abandoned_uploads`), which live in shared.content.upkeep.
"""

from shared.content.actions.captions import CAPTION_MAX, check_disclosure, do_confirm_disclosure, do_update_caption
from shared.content.actions.rows import creator_deliverable_link, staff_draft_link
from shared.content.actions.submission import check_submit_draft, check_submit_live
from shared.content.actions.uploads import (
    OPEN_FOR_DRAFTS,
    StartedUpload,
    VerifiedDraft,
    check_complete_upload,
    check_start_upload,
    do_abort_upload,
    list_uploaded_parts,
    sign_part,
)
from shared.content.upkeep import ABANDON_AFTER, abort_abandoned_uploads, do_record_sha256

__all__ = [
    "ABANDON_AFTER",
    "CAPTION_MAX",
    "OPEN_FOR_DRAFTS",
    "StartedUpload",
    "VerifiedDraft",
    "abort_abandoned_uploads",
    "check_complete_upload",
    "check_disclosure",
    "check_start_upload",
    "check_submit_draft",
    "check_submit_live",
    "creator_deliverable_link",
    "do_abort_upload",
    "do_confirm_disclosure",
    "do_record_sha256",
    "do_update_caption",
    "list_uploaded_parts",
    "sign_part",
    "staff_draft_link",
]
