"""The offer terms form (templates/_terms_fields.html), declared once for the brand's offers and counters
and for the creator's counter. Lengths are the columns' or the rules' (shared.collaborations.rules)."""

from __future__ import annotations

from shared.campaigns.rules import DELIVERABLE_KINDS, PLATFORMS
from shared.collaborations.rules import (
    DELIVERABLES_MAX,
    MILESTONES,
    NOTE_MAX,
    REVIEW_DAYS_MAX,
    REVISION_ROUNDS_MAX,
    TEXT_MAX,
)
from shared.forms import INT64_MAX, Amount, Choice, Date, Field, Flag, Integer, Text
from shared.rights.rules import (
    CATEGORY_MAX,
    CHANNELS,
    COUNTRIES_MAX,
    DURATION_MAX,
    EXCLUSIVITY_DAYS_MAX,
    UNITS,
    channel_field,
)

ROW_MESSAGE = "Choose what to make and on which platform."


def terms_fields(*, full: bool) -> dict[str, Field]:
    """The fields of an offer's terms; `full` adds the brand's part (split, bonus, seeding, notes, review).
    The structured usage rights are on both sides: a creator may counter them."""
    fields: dict[str, Field] = {}
    for index in range(DELIVERABLES_MAX):
        row = f"d{index}"
        fields[f"{row}_kind"] = Choice(options=DELIVERABLE_KINDS, message=ROW_MESSAGE, error_on=row)
        fields[f"{row}_platform"] = Choice(options=PLATFORMS, message=ROW_MESSAGE, error_on=row)
        fields[f"{row}_title"] = Text(max_length=200, error_on=row)  # Deliverable.title
        fields[f"{row}_draft_due"] = Date(error_on=row)
        fields[f"{row}_live_due"] = Date(error_on=row)
    fields["fee"] = Amount(max_minor=INT64_MAX)  # Collaboration.fee_minor is a BigInt
    fields["note"] = Text(max_length=NOTE_MAX, multiline=True)
    fields.update(rights_fields())
    if not full:
        return fields
    for milestone in MILESTONES:
        fields[f"pay_{milestone}"] = Integer(
            min_value=0, max_value=100, message="Enter whole percentages, like 50.", error_on="split"
        )
    fields["bonus"] = Amount(max_minor=INT64_MAX)
    fields["bonus_condition"] = Text(max_length=TEXT_MAX)
    fields["product"] = Text(max_length=300)  # Shipment.product
    fields["usage_rights"] = Text(max_length=TEXT_MAX)
    fields["exclusivity"] = Text(max_length=TEXT_MAX)
    fields["revision_rounds"] = Integer(
        min_value=0,
        max_value=REVISION_ROUNDS_MAX,
        message=f"Enter a number of revision rounds from 0 to {REVISION_ROUNDS_MAX}.",
    )
    fields["review_days"] = Integer(
        min_value=1, max_value=REVIEW_DAYS_MAX, message=f"Promise a review within 1 to {REVIEW_DAYS_MAX} days."
    )
    return fields


def rights_fields() -> dict[str, Field]:
    """The structured usage rights (shared.rights.rules.parse_rights reads them): a checkbox per channel,
    worldwide or a list of countries, a duration from go-live or a fixed end date, exclusivity."""
    fields: dict[str, Field] = {channel_field(c): Flag(error_on="rights_channels") for c in CHANNELS}
    fields["rights_where"] = Choice(options=("worldwide", "countries"), message="Choose worldwide or countries.")
    fields["rights_countries"] = Text(max_length=COUNTRIES_MAX * 4, error_on="rights_countries")
    fields["rights_duration"] = Integer(
        min_value=0, max_value=max(DURATION_MAX.values()), message="Enter a whole number.", error_on="rights_window"
    )
    fields["rights_unit"] = Choice(options=UNITS, message="Choose days or months.", error_on="rights_window")
    fields["rights_ends_on"] = Date(error_on="rights_window")
    fields["exclusivity_category"] = Text(max_length=CATEGORY_MAX)
    fields["exclusivity_days"] = Integer(
        min_value=0, max_value=EXCLUSIVITY_DAYS_MAX, message=f"Give 0 to {EXCLUSIVITY_DAYS_MAX} days."
    )
    return fields
